"""Dashboards (issue #8): a sponsor's, overall and per order (operator staff pick the sponsor),
and a distributor's, each table with its chart and its CSV / XLSX export.

`/tableau-de-bord/` is the dashboard of whoever acts: a sponsor's overall one, the sponsor
picked by operator staff (`?commanditaire=<id>`), or a distributor's. Before reading, each
page folds a bounded batch of new ledger transactions into the tallies (`refresh_quietly`).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.core import charts
from passnum.core.exceptions import NotFound
from passnum.core.money import format_euros
from passnum.core.text import ascii_int
from passnum.dashboards import selectors
from passnum.dashboards.exports import csv_response, xlsx_response
from passnum.dashboards.tables import Kind, Table, format_cell
from passnum.dashboards.usage import refresh_quietly
from passnum.orders.models import Order
from passnum.orders.timeline import ending_alerts
from passnum.www.sponsor.common import acting_as

dashboard_page = acting_as(
    OrganisationKind.SPONSOR, OrganisationKind.OPERATOR, OrganisationKind.DISTRIBUTOR
)
order_dashboard_page = acting_as(OrganisationKind.SPONSOR, OrganisationKind.OPERATOR)
FORMATS = ("csv", "xlsx")
PAGE_ROWS = 30  # lines of a table on the page (the most used first); the exports have them all


def _scoped(selector, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404 from exc


def _sponsor_id(request: HttpRequest) -> int | None:
    return ascii_int(request.GET.get("commanditaire", ""))


def _with_charts(tables: list[Table]) -> list[dict[str, object]]:
    shown = []
    for table in tables:
        chart = ""
        if table.chart:
            cents = table.columns[table.value_column].kind == Kind.CENTS
            draw = charts.time_series if table.chart == "series" else charts.bar_chart
            points = table.chart_points()
            if cents:
                chart = draw(str(table.title), points, format_value=format_euros)
            else:
                chart = draw(str(table.title), points)
        rows = table.formatted_rows()
        shown.append({"table": table, "chart": chart, "rows": rows[:PAGE_ROWS], "total": len(rows)})
    return shown


def _export_base(name: str, *args: str) -> str:
    """The URL of an export without its `<table>.<format>` end (the template adds it)."""
    return reverse(name, args=[*args, "t", "csv"]).removesuffix("t.csv")


def _money(found: selectors.SponsorDashboard) -> dict[str, str]:
    return {
        "committed": format_euros(found.committed_cents),
        "used": format_euros(found.used_cents),
        "issued_passes": format_cell(found.passes.issued, Kind.COUNT),
        "used_passes": format_cell(found.passes.used, Kind.COUNT),
        "use_rate": format_cell(found.use_rate, Kind.PERCENT) if found.use_rate is not None else "",
    }


def _export(table: Table, name: str, fmt: str) -> HttpResponseBase:
    filename = f"{name}-{table.slug}-{timezone.localdate().isoformat()}"
    if fmt == "xlsx":
        return xlsx_response(table, filename)
    return csv_response(table, filename)


def _overall(
    acting: Acting, request: HttpRequest
) -> tuple[Organisation | None, selectors.SponsorDashboard | None]:
    """(sponsor or None, dashboard or None) of the overall page."""
    sponsor = _scoped(selectors.dashboard_sponsor, acting=acting, sponsor_id=_sponsor_id(request))
    if sponsor is None:
        return None, None
    refresh_quietly()
    dashboard = selectors.sponsor_dashboard(
        orders=Order.objects.filter(sponsor=sponsor), per_order=True
    )
    return sponsor, dashboard


@require_GET
@dashboard_page
def dashboard(request: HttpRequest, acting: Acting) -> HttpResponse:
    if acting.kind == OrganisationKind.DISTRIBUTOR:
        mine = selectors.distributor_dashboard(acting=acting)
        return render(
            request,
            "www/dashboards/distributor.html",
            {
                "sections": _with_charts(mine.tables),
                "now": timezone.now(),
                "export_base": _export_base("dashboard_export"),
                "query": "",
            },
        )
    sponsor, found = _overall(acting, request)
    context: dict[str, object] = {
        "sponsor": sponsor,
        "dashboard": found,
        "sections": _with_charts(found.tables) if found else [],
        "is_operator": acting.kind == OrganisationKind.OPERATOR,
        "now": timezone.now(),
        "export_base": _export_base("dashboard_export"),
        "query": f"?commanditaire={sponsor.pk}"
        if acting.kind == OrganisationKind.OPERATOR and sponsor is not None
        else "",
    }
    if found:
        context.update(_money(found))
    context["ending"] = ending_alerts(acting=acting)
    context["is_sponsor"] = acting.kind == OrganisationKind.SPONSOR
    if acting.kind == OrganisationKind.OPERATOR:
        context["sponsors"] = list(selectors.dashboard_sponsors(acting=acting))
    return render(request, "www/dashboards/sponsor.html", context)


@require_GET
@dashboard_page
def dashboard_export(
    request: HttpRequest, acting: Acting, table: str, fmt: str
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    if acting.kind == OrganisationKind.DISTRIBUTOR:
        mine = selectors.distributor_dashboard(acting=acting)
        return _export(_scoped(mine.table, slug=table), "distribution", fmt)
    _sponsor, overall = _overall(acting, request)
    if overall is None:
        raise Http404
    return _export(_scoped(overall.table, slug=table), "tableau-de-bord", fmt)


@require_GET
@order_dashboard_page
def order_dashboard(request: HttpRequest, acting: Acting, reference: str) -> HttpResponse:
    order = _scoped(selectors.dashboard_order, acting=acting, reference=reference)
    refresh_quietly()
    found = selectors.sponsor_dashboard(orders=Order.objects.filter(pk=order.pk), per_order=False)
    return render(
        request,
        "www/dashboards/sponsor.html",
        {
            "order": order,
            "sponsor": order.sponsor,
            "dashboard": found,
            "sections": _with_charts(found.tables),
            "is_operator": acting.kind == OrganisationKind.OPERATOR,
            "now": timezone.now(),
            "export_base": _export_base("order_dashboard_export", order.reference),
            "query": "",
            "ending": ending_alerts(acting=acting, order=order),
            "is_sponsor": acting.kind == OrganisationKind.SPONSOR,
            **_money(found),
        },
    )


@require_GET
@order_dashboard_page
def order_dashboard_export(
    request: HttpRequest, acting: Acting, reference: str, table: str, fmt: str
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    order = _scoped(selectors.dashboard_order, acting=acting, reference=reference)
    refresh_quietly()
    found = selectors.sponsor_dashboard(orders=Order.objects.filter(pk=order.pk), per_order=False)
    return _export(_scoped(found.table, slug=table), order.reference, fmt)
