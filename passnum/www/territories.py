"""Territory dashboards (issue #10): `/tableau-de-bord/territoires/` for hubs (their territory)
and operator staff (every département), filtered by département, funder and months, each table
with its chart and its CSV / XLSX export (the same machinery as the sponsors' dashboards)."""

import datetime

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.core.money import format_euros
from passnum.core.text import ascii_int
from passnum.dashboards.tables import Kind, format_cell
from passnum.dashboards.territories import Filters, TerritoryDashboard, territory_dashboard
from passnum.www.dashboards import FORMATS, _export, _export_base, _with_charts
from passnum.www.sponsor.common import acting_as

territory_page = acting_as(OrganisationKind.HUB, OrganisationKind.OPERATOR)


def _month(value: str) -> datetime.date | None:
    """`AAAA-MM` (an `<input type="month">`) → its first day; None when empty or invalid."""
    value = value.strip()
    year, month = ascii_int(value[:4]), ascii_int(value[5:])
    if len(value) != 7 or value[4] != "-" or year is None or month is None:
        return None
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def _filters(query: QueryDict) -> Filters:
    departement = query.get("departement", "").strip().upper()[:3]
    sponsor = query.get("financeur", "").strip()
    return Filters(
        departement=departement,
        sponsor_id=ascii_int(sponsor),
        start=_month(query.get("du", "")),
        end=_month(query.get("au", "")),
    )


def _query(filters: Filters) -> str:
    params = {
        "departement": filters.departement,
        "financeur": str(filters.sponsor_id or ""),
        "du": f"{filters.start:%Y-%m}" if filters.start else "",
        "au": f"{filters.end:%Y-%m}" if filters.end else "",
    }
    kept = {name: value for name, value in params.items() if value}
    return f"?{urlencode(kept)}" if kept else ""


def _dashboard(acting: Acting, request: HttpRequest) -> TerritoryDashboard:
    try:
        return territory_dashboard(acting=acting, filters=_filters(request.GET))
    except NotFound as exc:
        raise Http404 from exc


@require_GET
@territory_page
def territories(request: HttpRequest, acting: Acting) -> HttpResponse:
    found = _dashboard(acting, request)
    totals = found.totals
    return render(
        request,
        "www/dashboards/territories.html",
        {
            "dashboard": found,
            "filters": found.filters,
            "start": f"{found.filters.start:%Y-%m}" if found.filters.start else "",
            "end": f"{found.filters.end:%Y-%m}" if found.filters.end else "",
            "sections": _with_charts(found.tables),
            "is_operator": acting.kind == OrganisationKind.OPERATOR,
            "now": timezone.now(),
            "export_base": _export_base("territory_dashboard_export"),
            "query": _query(found.filters),
            "committed": format_euros(totals["committed_cents"]),
            "paid_out": format_euros(totals["paid_out_cents"]),
            "used_passes": format_cell(totals["used"], Kind.COUNT),
            "active_places": format_cell(found.active_places, Kind.COUNT),
        },
    )


@require_GET
@territory_page
def territories_export(
    request: HttpRequest, acting: Acting, table: str, fmt: str
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    found = _dashboard(acting, request)
    try:
        chosen = found.table(table)
    except NotFound as exc:
        raise Http404 from exc
    return _export(chosen, "territoires", fmt)
