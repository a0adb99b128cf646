"""A provider's "Mes paiements" (issue #9): its scans and amounts pending and paid, its transfers
and their statements (CSV, PDF: its own only), per place, per service and per month with charts,
each table exported as CSV or XLSX."""

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.money import format_euros
from passnum.payouts import selectors
from passnum.payouts.dashboard import Figures, period_label, provider_payments
from passnum.payouts.selectors import last_carried
from passnum.www.dashboards import FORMATS, _export, _with_charts
from passnum.www.distribution.common import scoped
from passnum.www.payouts.finance import STATUS_BADGES, statement_response
from passnum.www.sponsor.common import acting_as

provider_page = acting_as(OrganisationKind.PROVIDER)
SHOWN_TABLES = ("lieux", "services", "mois")  # the transfers have their own table, with links


def _money(figures: Figures) -> dict[str, object]:
    return {
        "scans": figures.scans,
        "passes": figures.passes,
        "gross": format_euros(figures.gross_cents),
        "net": format_euros(figures.net_cents),
    }


@require_GET
@provider_page
def mine(request: HttpRequest, acting: Acting) -> HttpResponse:
    found = provider_payments(acting=acting)
    transfers = [
        {
            "transfer": transfer,
            "period": period_label(transfer.run.period_start, transfer.run.period_end),
            "badge": STATUS_BADGES.get(transfer.status, ""),
            "gross": format_euros(transfer.gross_cents),
            "fee": format_euros(transfer.fee_cents),
            "vat": format_euros(transfer.vat_cents),
            "net": format_euros(transfer.net_cents),
        }
        for transfer in found.transfers
    ]
    return render(
        request,
        "www/payouts/mine.html",
        {
            "pending": _money(found.pending),
            "paid": _money(found.paid),
            "transfers": transfers,
            "sections": _with_charts([t for t in found.tables if t.slug in SHOWN_TABLES]),
            "now": timezone.now(),
            "export_base": reverse("payouts:mine_export", args=["t", "csv"]).removesuffix("t.csv"),
            "query": "",
            "carried": last_carried(provider=acting.organisation),
        },
    )


@require_GET
@provider_page
def mine_export(request: HttpRequest, acting: Acting, table: str, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    found = provider_payments(acting=acting)
    return _export(scoped(found.table, slug=table), "mes-paiements", fmt)


@require_GET
@provider_page
def my_statement(request: HttpRequest, acting: Acting, transfer_id: int, fmt: str) -> HttpResponse:
    """One of the provider's own statements; another's is a 404."""
    transfer = scoped(selectors.transfer_of_provider, acting=acting, transfer_id=transfer_id)
    return statement_response(transfer, fmt)
