"""Quotes, invoices and credit notes as PDF: Django templates rendered by WeasyPrint.

Documents are written in French whatever the reader's language (a French invoice must be), from
the figures of the order (a quote) or of the issued document (an invoice, a credit note, with its
own snapshot of both parties: rendering it again years later gives the same document). Fonts are
the system's (fontconfig: Liberation Sans, DejaVu Sans on Debian); WeasyPrint fetches nothing but
`data:` URLs, so rendering never touches the network.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from passnum.core.money import format_euros
from passnum.orders.enums import InvoiceKind, TargetPublic
from passnum.orders.invoicing import buyer_identity, seller_identity
from passnum.orders.models import Invoice, Order

DOCUMENT_LANGUAGE = "fr"
FIXED_RECOVERY_INDEMNITY_CENTS = 4000  # C. com. D441-5


def format_rate(bps: int) -> str:
    """Basis points as a French percentage: 400 → '4 %', 1215 → '12,15 %'."""
    whole, rest = divmod(bps, 100)
    number = f"{whole}" if rest == 0 else f"{whole},{rest:02d}".rstrip("0")
    return f"{number}\u00a0%"


@dataclass(frozen=True)
class Figures:
    """The amounts of a quote or an invoice (a credit note has no fee nor VAT)."""

    pass_count: int
    face_value_cents: int
    face_total_cents: int
    fee_bps: int
    fee_cents: int
    vat_bps: int
    vat_cents: int
    total_cents: int

    def context(self) -> dict[str, Any]:
        return {
            "pass_count": self.pass_count,
            "face_value": format_euros(self.face_value_cents),
            "face_total": format_euros(self.face_total_cents),
            "fee_rate": format_rate(self.fee_bps),
            "fee": format_euros(self.fee_cents),
            "vat_rate": format_rate(self.vat_bps),
            "vat": format_euros(self.vat_cents),
            "total_ht": format_euros(self.face_total_cents + self.fee_cents),
            "total": format_euros(self.total_cents),
        }


def render_quote(order: Order) -> bytes:
    """The quote (devis) of `order`, numbered by its reference, with the operator's identity as
    set now and its usage rules in plain words."""
    created_on = timezone.localdate(order.created_at)
    figures = Figures(
        pass_count=order.quantity,
        face_value_cents=order.face_value_cents,
        face_total_cents=order.face_total_cents,
        fee_bps=order.upstream_fee_bps,
        fee_cents=order.upstream_fee_cents,
        vat_bps=order.vat_bps,
        vat_cents=order.upstream_vat_cents,
        total_cents=order.total_due_cents,
    )
    with translation.override(DOCUMENT_LANGUAGE):
        context = {
            "order": order,
            "seller": seller_identity(),
            "buyer": buyer_identity(order.sponsor),
            "created_on": created_on,
            "valid_until": created_on
            + datetime.timedelta(days=settings.PASSNUM_QUOTE_VALIDITY_DAYS),
            "figures": figures.context(),
            "booklet_count": order.booklet_count,
            "rules": usage_rules(order),
        }
        return render_pdf("orders/documents/quote.html", context)


def render_invoice(invoice: Invoice) -> bytes:
    """An issued invoice, with the legal mentions of a French invoice."""
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValueError(f"{invoice.number} is not an invoice")
    with translation.override(DOCUMENT_LANGUAGE):
        return render_pdf("orders/documents/invoice.html", _document_context(invoice))


def render_credit_note(invoice: Invoice) -> bytes:
    """An issued credit note (avoir): the invoice it corrects, the unused passes, the amount."""
    if invoice.kind != InvoiceKind.CREDIT_NOTE:
        raise ValueError(f"{invoice.number} is not a credit note")
    with translation.override(DOCUMENT_LANGUAGE):
        context = _document_context(invoice)
        corrected = invoice.corrects
        assert corrected is not None  # a database constraint: a credit note corrects an invoice
        context["corrected"] = corrected
        context["corrected_on"] = timezone.localdate(corrected.issued_at)
        return render_pdf("orders/documents/credit_note.html", context)


def _document_context(invoice: Invoice) -> dict[str, Any]:
    seller = invoice.seller
    figures = Figures(
        pass_count=invoice.pass_count,
        face_value_cents=invoice.face_value_cents,
        face_total_cents=invoice.face_total_cents,
        fee_bps=invoice.fee_bps,
        fee_cents=invoice.fee_cents,
        vat_bps=invoice.vat_bps,
        vat_cents=invoice.vat_cents,
        total_cents=invoice.total_cents,
    )
    return {
        "document": invoice,
        "order": invoice.order,
        "seller": seller,
        "buyer": invoice.buyer,
        "issued_on": timezone.localdate(invoice.issued_at),
        "figures": figures.context(),
        "late_penalty_rate": format_rate(int(seller.get("late_penalty_bps", 0))),
        "recovery_indemnity": format_euros(FIXED_RECOVERY_INDEMNITY_CENTS),
    }


def usage_rules(order: Order) -> list[tuple[str, str]]:
    """The order's usage rules in plain words, one (label, text) pair per axis."""
    from passnum.catalogue.models import Service, ServiceFamily
    from passnum.geography.models import Commune, Departement, Epci, Region
    from passnum.places.enums import PlaceType

    def names(model: Any, key: str, codes: list[str], with_code: bool = False) -> str:
        found = dict(model.objects.filter(**{f"{key}__in": codes}).values_list(key, "name"))
        return ", ".join(
            (f"{found[code]} ({code})" if with_code else found[code]) if code in found else code
            for code in codes
        )

    every = _("sans restriction")
    perimeter = [
        text
        for text in (
            names(Region, "code", order.perimeter_regions),
            names(Departement, "code", order.perimeter_departements, with_code=True),
            names(Epci, "siren", order.perimeter_epcis),
            names(Commune, "code", order.perimeter_communes, with_code=True),
        )
        if text
    ]
    window = every
    if order.usable_from and order.usable_until:
        window = _("du %(start)s au %(end)s") % {
            "start": order.usable_from.strftime("%d/%m/%Y"),
            "end": order.usable_until.strftime("%d/%m/%Y"),
        }
    elif order.usable_from:
        window = _("à partir du %(start)s") % {"start": order.usable_from.strftime("%d/%m/%Y")}
    elif order.usable_until:
        window = _("jusqu'au %(end)s") % {"end": order.usable_until.strftime("%d/%m/%Y")}
    publics = dict(TargetPublic.choices)
    place_types = dict(PlaceType.choices)
    return [
        (
            _("Validité"),
            _("jusqu'au %(end)s, acceptés jusqu'au %(last)s (tolérance)")
            % {
                "end": order.valid_until.strftime("%d/%m/%Y"),
                "last": order.expires_on.strftime("%d/%m/%Y"),
            },
        ),
        (_("Territoire"), " ; ".join(perimeter) or every),
        (
            _("Types de lieux"),
            ", ".join(str(place_types.get(code, code)) for code in order.allowed_place_types)
            or every,
        ),
        (
            _("Familles de services"),
            names(ServiceFamily, "code", order.allowed_families) or every,
        ),
        (_("Services"), names(Service, "code", order.allowed_services) or every),
        (_("Période d'utilisation"), window),
        (
            _("Publics visés"),
            ", ".join(str(publics.get(code, code)) for code in order.target_publics) or every,
        ),
    ]


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """A template rendered to PDF by WeasyPrint, fetching nothing but `data:` URLs."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(template, context)
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    assert pdf is not None  # write_pdf() without a target returns the bytes
    return pdf
