"""Invoices and credit notes (avoirs): issued once, numbered without gaps, never rewritten.

French law asks for one continuous chronological series of invoice numbers: each kind has its
own series per calendar year (`F2026-000001`, `AV2026-000001`), allocated from a locked
`core.NumberSequence` inside the transaction that writes the document, so a rollback gives its
number back and two concurrent issuers never share one.

An invoice bills the face value of the passes — outside the scope of VAT, a payment instrument —
plus the upstream fee HT and the VAT on that fee, as computed on the order (copied at its
creation). A credit note refunds the face value of passes that expired unused, fees excluded
(SPEC §2); the ledger already moved that value from the order's escrow to the sponsor's
refundable account when the passes expired (`orders.postings.post_expiry`), so issuing the
document posts nothing.

Both documents keep a snapshot of the seller (the operator's settings) and of the buyer (the
sponsor), so a later change of a name, an address or a rate never rewrites an issued document.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import InvalidInput
from passnum.core.services import allocate_numbers
from passnum.orders.enums import InvoiceKind, OrderStatus
from passnum.orders.exceptions import CreditNoteRefused, NotInvoiceable
from passnum.orders.models import Invoice, Order

NUMBER_PREFIX = {InvoiceKind.INVOICE: "F", InvoiceKind.CREDIT_NOTE: "AV"}
SEQUENCE_NAME = {InvoiceKind.INVOICE: "invoice", InvoiceKind.CREDIT_NOTE: "credit-note"}

# An order in one of these states may be invoiced (a cancelled order, or any state added later
# such as a draft, may not).
INVOICEABLE_STATUSES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.CLOSED)


def seller_identity() -> dict[str, Any]:
    """The operator's legal identity and payment terms as set now (copied into each document)."""
    return {
        "name": settings.PASSNUM_OPERATOR_NAME,
        "legal_form": settings.PASSNUM_OPERATOR_LEGAL_FORM,
        "address": settings.PASSNUM_OPERATOR_ADDRESS,
        "siren": settings.PASSNUM_OPERATOR_SIREN,
        "siret": settings.PASSNUM_OPERATOR_SIRET,
        "rcs": settings.PASSNUM_OPERATOR_RCS,
        "vat_number": settings.PASSNUM_OPERATOR_VAT_NUMBER,
        "iban": settings.PASSNUM_OPERATOR_IBAN,
        "bic": settings.PASSNUM_OPERATOR_BIC,
        "payment_days": settings.PASSNUM_INVOICE_PAYMENT_DAYS,
        "late_penalty_bps": settings.PASSNUM_INVOICE_LATE_PENALTY_BPS,
    }


def buyer_identity(organisation: Organisation) -> dict[str, Any]:
    """The sponsor as it is now: name, SIREN and postal address (set by its administrators,
    `update_organisation_address`)."""
    city_line = f"{organisation.postcode} {organisation.city}".strip()
    lines = [line for line in (organisation.address, city_line) if line]
    return {
        "name": organisation.name,
        "siren": organisation.siren,
        "address": "\n".join(lines),
        "departement": organisation.departement,
    }


def issue_invoice(*, acting: Acting, order: Order) -> Invoice:
    """The invoice of `order`, issued by operator staff or by the order's sponsor accepting its
    quote. Idempotent: an order has one invoice at most, a second call returns it."""
    _require_operator_or_sponsor(acting=acting, order=order)
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("sponsor").get(pk=order.pk)
        existing = Invoice.objects.filter(order=locked, kind=InvoiceKind.INVOICE).first()
        if existing is not None:
            return existing
        if locked.status not in INVOICEABLE_STATUSES:
            raise NotInvoiceable(
                _("La commande %(reference)s est « %(status)s » : elle ne peut pas être facturée."),
                reference=locked.reference,
                status=locked.get_status_display(),
            )
        issued_at = timezone.now()
        issued_on = timezone.localdate(issued_at)
        seller = seller_identity()
        return Invoice.objects.create(
            order=locked,
            kind=InvoiceKind.INVOICE,
            number=_next_number(kind=InvoiceKind.INVOICE, year=issued_on.year),
            issued_at=issued_at,
            issued_by=acting.user,
            due_on=issued_on + datetime.timedelta(days=seller["payment_days"]),
            pass_count=locked.quantity,
            face_value_cents=locked.face_value_cents,
            face_total_cents=locked.face_total_cents,
            fee_bps=locked.upstream_fee_bps,
            fee_cents=locked.upstream_fee_cents,
            vat_bps=locked.vat_bps,
            vat_cents=locked.upstream_vat_cents,
            total_cents=locked.total_due_cents,
            seller=seller,
            buyer=buyer_identity(locked.sponsor),
        )


def issue_credit_note(*, acting: Acting, order: Order, pass_count: int) -> Invoice:
    """The credit note for `pass_count` passes of `order` that expired unused: their face value,
    fees not refunded. Operator staff only (the end-of-validity job acts as them).

    One credit note per order and expiry date (`order.expires_on`): called again for the same
    expiry with the same count, it returns the first one; with another count, it refuses. The
    count may not exceed the order's expired passes not yet credited.
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    if pass_count < 1:
        raise InvalidInput(_("Un avoir porte sur au moins un pass."))
    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Pass

    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("sponsor").get(pk=order.pk)
        expiry = locked.expires_on
        existing = Invoice.objects.filter(
            order=locked, kind=InvoiceKind.CREDIT_NOTE, expiry_date=expiry
        ).first()
        if existing is not None:
            if existing.pass_count != pass_count:
                raise CreditNoteRefused(
                    _(
                        "L'avoir %(number)s a déjà été émis pour %(count)s pass de la commande "
                        "%(reference)s (fin de validité le %(date)s)."
                    ),
                    number=existing.number,
                    count=existing.pass_count,
                    reference=locked.reference,
                    date=expiry.strftime("%d/%m/%Y"),
                )
            return existing
        if not locked.is_paid:
            raise CreditNoteRefused(
                _("La commande %(reference)s n'a pas été payée : il n'y a rien à rembourser."),
                reference=locked.reference,
            )
        invoice = Invoice.objects.filter(order=locked, kind=InvoiceKind.INVOICE).first()
        if invoice is None:
            raise CreditNoteRefused(
                _(
                    "La commande %(reference)s n'a pas de facture : un avoir corrige une "
                    "facture, émettez-la d'abord."
                ),
                reference=locked.reference,
            )
        expired = Pass.objects.filter(order=locked, status=PassStatus.EXPIRED).count()
        credited = credited_pass_count(order=locked)
        if pass_count > expired - credited:
            raise CreditNoteRefused(
                _(
                    "La commande %(reference)s a %(available)s pass expirés sans avoir : un avoir "
                    "de %(count)s pass est impossible."
                ),
                reference=locked.reference,
                available=expired - credited,
                count=pass_count,
            )
        issued_at = timezone.now()
        return Invoice.objects.create(
            order=locked,
            kind=InvoiceKind.CREDIT_NOTE,
            number=_next_number(
                kind=InvoiceKind.CREDIT_NOTE, year=timezone.localdate(issued_at).year
            ),
            issued_at=issued_at,
            issued_by=acting.user,
            corrects=invoice,
            expiry_date=expiry,
            pass_count=pass_count,
            face_value_cents=locked.face_value_cents,
            face_total_cents=pass_count * locked.face_value_cents,
            fee_bps=0,
            fee_cents=0,
            vat_bps=0,
            vat_cents=0,
            total_cents=pass_count * locked.face_value_cents,
            seller=seller_identity(),
            buyer=buyer_identity(locked.sponsor),
        )


def credited_pass_count(*, order: Order) -> int:
    """How many passes of `order` its credit notes already refunded."""
    return sum(
        Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).values_list(
            "pass_count", flat=True
        )
    )


def _next_number(*, kind: InvoiceKind, year: int) -> str:
    """The next number of the kind's series for `year`; inside the caller's transaction."""
    value = allocate_numbers(name=f"{SEQUENCE_NAME[kind]}-{year}", count=1)[0]
    return f"{NUMBER_PREFIX[kind]}{year}-{value:06d}"


def _require_operator_or_sponsor(*, acting: Acting, order: Order) -> None:
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return
    if (
        acting.organisation.kind == OrganisationKind.SPONSOR
        and acting.organisation.pk == order.sponsor_id
    ):
        return
    raise WrongOrganisationKind()
