"""Territory dashboards (issue #10): money committed, paid out, refundable and refunded; passes
issued, handed out and used; active places; feedback — per département, EPCI, funder and month.

Scoped to who asks: a hub sees the départements of its territory (`Organisation.territory`),
operator staff every one (and what no département holds: orders valid in several or
everywhere); anyone else PermissionDenied. Read from the territory rollup
(`dashboards.territory`, rebuilt daily), so a page costs a fixed number of small queries.
Figures are exact, not suppressed: these pages are not public (the open data is).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound, PermissionDenied
from passnum.dashboards.models import ActivePlaceMonth, TerritoryMonth
from passnum.dashboards.tables import Column, Kind, Table, percent
from passnum.dashboards.territory import refreshed_at
from passnum.feedback import selectors as feedback_selectors
from passnum.geography.models import Departement, Epci

MONEY = ["committed_cents", "paid_out_cents", "refundable_cents", "refunded_cents"]
PASSES = ["issued", "handed_out", "used"]


def territory_scope(*, acting: Acting) -> list[str] | None:
    """The départements `acting` may see: None (all) for operator staff, a hub's territory."""
    if acting.kind == OrganisationKind.OPERATOR:
        return None
    if acting.kind == OrganisationKind.HUB:
        return sorted(acting.organisation.territory or [])
    raise PermissionDenied()


@dataclass
class Filters:
    departement: str = ""
    sponsor_id: int | None = None
    start: datetime.date | None = None  # first day of the first month
    end: datetime.date | None = None  # first day of the last month


@dataclass
class TerritoryDashboard:
    scope: list[str] | None
    filters: Filters
    sponsor: Organisation | None
    departements: list[tuple[str, str]]  # (code, name) the filter offers
    sponsors: list[tuple[int, str]]  # (id, name) the filter offers
    totals: dict[str, int]
    active_places: int
    refreshed_at: datetime.datetime | None
    tables: list[Table] = field(default_factory=list)

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise NotFound()


def _sums(rows: QuerySet[TerritoryMonth], *group: str) -> list[dict[str, Any]]:
    annotations = {name: Sum(name) for name in [*MONEY, *PASSES]}
    return list(rows.order_by().values(*group).annotate(**annotations).order_by(*group))


def _distinct_places(places: QuerySet[ActivePlaceMonth], *group: str) -> dict[Any, int]:
    found = places.order_by().values(*group).annotate(n=Count("place_id", distinct=True))
    return {tuple(row[name] for name in group): row["n"] for row in found}


def territory_dashboard(*, acting: Acting, filters: Filters) -> TerritoryDashboard:
    """The dashboard of the départements `acting` may see, narrowed by `filters` (a département
    outside the scope, or an unknown funder, is NotFound)."""
    scope = territory_scope(acting=acting)
    rows = TerritoryMonth.objects.all()
    places = ActivePlaceMonth.objects.all()
    if scope is not None:
        rows = rows.filter(departement__in=scope)
        places = places.filter(departement__in=scope)
    offered = Departement.objects.order_by("code")
    if scope is not None:
        offered = offered.filter(code__in=scope)
    departements = list(offered.values_list("code", "name"))
    sponsors = list(
        Organisation.objects.filter(
            kind=OrganisationKind.SPONSOR, pk__in=rows.values("sponsor_id").distinct()
        )
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    if filters.departement:
        if filters.departement not in {code for code, _name in departements}:
            raise NotFound()
        rows = rows.filter(departement=filters.departement)
        places = places.filter(departement=filters.departement)
    sponsor = None
    if filters.sponsor_id is not None:
        sponsor = Organisation.objects.filter(
            pk=filters.sponsor_id, kind=OrganisationKind.SPONSOR
        ).first()
        if sponsor is None:
            raise NotFound()
        rows = rows.filter(sponsor=sponsor)
    if filters.start:
        rows = rows.filter(month__gte=filters.start)
        places = places.filter(month__gte=filters.start)
    if filters.end:
        rows = rows.filter(month__lte=filters.end)
        places = places.filter(month__lte=filters.end)
    totals = rows.aggregate(**{name: Sum(name) for name in [*MONEY, *PASSES]})
    totals = {name: int(value or 0) for name, value in totals.items()}
    active = places.aggregate(n=Count("place_id", distinct=True))["n"]
    dashboard = TerritoryDashboard(
        scope=scope,
        filters=filters,
        sponsor=sponsor,
        departements=departements,
        sponsors=sponsors,
        totals=totals,
        active_places=active,
        refreshed_at=refreshed_at(),
    )
    dashboard.tables = [
        *_key_tables(dashboard),
        _departement_table(rows, places, dict(departements)),
        _epci_table(rows, places),
        _sponsor_table(rows),
        _month_table(rows, places),
        _feedback_table(acting, filters),
    ]
    return dashboard


def _metric_columns() -> list[Column]:
    return [
        Column(gettext_lazy("Engagé"), Kind.CENTS),
        Column(gettext_lazy("Payé aux lieux"), Kind.CENTS),
        Column(gettext_lazy("Remboursable"), Kind.CENTS),
        Column(gettext_lazy("Remboursé"), Kind.CENTS),
        Column(gettext_lazy("Pass émis"), Kind.COUNT),
        Column(gettext_lazy("Pass remis"), Kind.COUNT),
        Column(gettext_lazy("Pass utilisés"), Kind.COUNT),
    ]


def _metrics(row: dict[str, Any]) -> list[object]:
    return [int(row.get(name) or 0) for name in [*MONEY, *PASSES]]


USED_COLUMN = 7  # the label, then the seven figures: "Pass utilisés" is the chart's value


def _key_tables(dashboard: TerritoryDashboard) -> list[Table]:
    totals = dashboard.totals
    return [
        Table(
            slug="montants",
            title=gettext_lazy("Montants"),
            columns=[Column(gettext_lazy("Montant")), Column(gettext_lazy("Euros"), Kind.CENTS)],
            rows=[
                [_("Engagé (valeur faciale des commandes payées)"), totals["committed_cents"]],
                [_("Payé aux lieux (virements exécutés)"), totals["paid_out_cents"]],
                [_("Remboursable (pass expirés non utilisés)"), totals["refundable_cents"]],
                [_("Remboursé (avoirs émis)"), totals["refunded_cents"]],
            ],
            chart="bars",
        ),
        Table(
            slug="pass",
            title=gettext_lazy("Pass et lieux"),
            columns=[
                Column(gettext_lazy("Pass")),
                Column(gettext_lazy("Nombre"), Kind.COUNT),
                Column(gettext_lazy("Part des pass émis"), Kind.PERCENT),
            ],
            rows=[
                [_("Émis"), totals["issued"], percent(totals["issued"], totals["issued"])],
                [
                    _("Remis aux bénéficiaires"),
                    totals["handed_out"],
                    percent(totals["handed_out"], totals["issued"]),
                ],
                [_("Utilisés"), totals["used"], percent(totals["used"], totals["issued"])],
                [_("Lieux actifs (au moins une utilisation)"), dashboard.active_places, None],
            ],
            chart="bars",
        ),
    ]


def _departement_table(
    rows: QuerySet[TerritoryMonth],
    places: QuerySet[ActivePlaceMonth],
    names: dict[str, str],
) -> Table:
    active = _distinct_places(places, "departement")
    lines = []
    for row in _sums(rows, "departement"):
        code = row["departement"]
        label = (
            f"{code} – {names.get(code, '')}".strip(" –")
            if code
            else _("Plusieurs départements ou national")
        )
        lines.append([label, *_metrics(row), active.get((code,), 0)])
    return Table(
        slug="departements",
        title=gettext_lazy("Par département"),
        columns=[
            Column(gettext_lazy("Département")),
            *_metric_columns(),
            Column(gettext_lazy("Lieux actifs"), Kind.COUNT),
        ],
        rows=lines,
        chart="bars",
        value_column=USED_COLUMN,
        note=gettext_lazy(
            "Utilisations et paiements comptés où se trouve le lieu ; remises chez le "
            "distributeur ; engagements, émissions et avoirs dans le territoire de la commande."
        ),
    )


def _epci_table(rows: QuerySet[TerritoryMonth], places: QuerySet[ActivePlaceMonth]) -> Table:
    active = _distinct_places(places, "epci")
    sums = _sums(rows, "epci")
    names = dict(
        Epci.objects.filter(siren__in=[row["epci"] for row in sums]).values_list("siren", "name")
    )
    lines = []
    for row in sorted(sums, key=lambda row: (-int(row["used"] or 0), row["epci"])):
        siren = row["epci"]
        label = f"{names.get(siren, siren)} ({siren})" if siren else _("Hors EPCI ou non localisé")
        lines.append([label, *_metrics(row), active.get((siren,), 0)])
    return Table(
        slug="epci",
        title=gettext_lazy("Par EPCI"),
        columns=[
            Column(gettext_lazy("EPCI")),
            *_metric_columns(),
            Column(gettext_lazy("Lieux actifs"), Kind.COUNT),
        ],
        rows=lines,
        chart="bars",
        value_column=USED_COLUMN,
    )


def _sponsor_table(rows: QuerySet[TerritoryMonth]) -> Table:
    lines = [
        [row["sponsor__name"], *_metrics(row)]
        for row in sorted(
            _sums(rows, "sponsor_id", "sponsor__name"),
            key=lambda row: (-int(row["committed_cents"] or 0), row["sponsor__name"]),
        )
    ]
    return Table(
        slug="financeurs",
        title=gettext_lazy("Par financeur"),
        columns=[Column(gettext_lazy("Financeur")), *_metric_columns()],
        rows=lines,
        chart="bars",
        value_column=1,
    )


def _month_table(rows: QuerySet[TerritoryMonth], places: QuerySet[ActivePlaceMonth]) -> Table:
    active = _distinct_places(places, "month")
    sums = {row["month"]: row for row in _sums(rows, "month")}
    months = sorted(set(sums) | {month for (month,) in active})
    filled = []
    if months:
        current = months[0]
        while current <= months[-1]:
            filled.append(current)
            current = (current + datetime.timedelta(days=32)).replace(day=1)
    return Table(
        slug="mois",
        title=gettext_lazy("Par mois"),
        columns=[
            Column(gettext_lazy("Mois")),
            *_metric_columns(),
            Column(gettext_lazy("Lieux actifs"), Kind.COUNT),
        ],
        rows=[
            [date_format(month, "F Y"), *_metrics(sums.get(month, {})), active.get((month,), 0)]
            for month in filled
        ],
        chart="series",
        value_column=USED_COLUMN,
    )


def _feedback_table(acting: Acting, filters: Filters) -> Table:
    feedback = feedback_selectors.visible_feedback(acting=acting)
    if filters.departement:
        feedback = feedback.filter(place__departement=filters.departement)
    if filters.start:
        feedback = feedback.filter(created_at__date__gte=filters.start)
    if filters.end:
        after = (filters.end + datetime.timedelta(days=32)).replace(day=1)
        feedback = feedback.filter(created_at__date__lt=after)
    lines: list[list[object]] = [
        [
            result.label,
            result.answers,
            percent(result.useful, result.answers),
            percent(result.would_return, result.answers),
        ]
        for result in feedback_selectors.results_by_departement(feedback)
    ]
    return Table(
        slug="avis",
        title=gettext_lazy("Avis des personnes accompagnées, par département"),
        columns=[
            Column(gettext_lazy("Département")),
            Column(gettext_lazy("Réponses"), Kind.COUNT),
            Column(gettext_lazy("Utile"), Kind.PERCENT),
            Column(gettext_lazy("Reviendraient"), Kind.PERCENT),
        ],
        rows=lines,
        chart="bars",
        value_column=1,
        note=gettext_lazy(
            "Avis donnés sur la période choisie, dans la limite de la période de lecture des "
            "avis ; tous financeurs confondus."
        ),
    )
