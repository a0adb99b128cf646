"""The dashboards' figures, scoped to who asks (SPEC §3, issue #8):

- a sponsor sees its own orders, one by one and together; operator staff see any sponsor's;
- a distributor sees its own stock and hand-outs.

Anything else is NotFound (pages answer 404) or PermissionDenied (403). Each dashboard costs a
fixed number of queries whatever the number of passes: use comes from the tallies plus the
live remainder (`usage.py`), pass counts from the (order, status) index on the statuses that
stay few (inactive, blocked, replaced, expired), booklets and hand-outs from one aggregate each.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service, in_active_language
from passnum.core.exceptions import NotFound, PermissionDenied
from passnum.dashboards.enums import UsageAxis
from passnum.dashboards.tables import Column, Kind, Table, percent
from passnum.dashboards.usage import Usage, one_snapshot, usage_of
from passnum.geography.models import Departement, Epci
from passnum.orders.enums import OrderStatus, TargetPublic
from passnum.orders.models import Order
from passnum.passes.enums import BookletState, PassStatus
from passnum.passes.models import Booklet, HandOut, Pass
from passnum.passes.states import with_states
from passnum.places.models import Place

SHOWN_STATUSES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.CLOSED)
# Statuses counted from the index; the others (active, redeemed) follow from them and the tallies.
COUNTED_STATUSES = (
    PassStatus.INACTIVE,
    PassStatus.BLOCKED,
    PassStatus.REPLACED,
    PassStatus.EXPIRED,
)
WEEKLY_MAX_DAYS = 92  # use spread over at most this many days is also shown week by week


# --- Scoping -------------------------------------------------------------------------------------


def dashboard_sponsors(*, acting: Acting) -> QuerySet[Organisation]:
    """Operator staff: the sponsors whose dashboard they may open, by name."""
    if acting.kind != OrganisationKind.OPERATOR:
        raise PermissionDenied()
    return Organisation.objects.filter(kind=OrganisationKind.SPONSOR).order_by("name", "pk")


def dashboard_sponsor(*, acting: Acting, sponsor_id: int | None) -> Organisation | None:
    """Whose dashboard: a sponsor's own (whatever `sponsor_id` says), for operator staff the
    sponsor picked (None before they pick one); NotFound for an unknown sponsor."""
    if acting.kind == OrganisationKind.SPONSOR:
        return acting.organisation
    if acting.kind != OrganisationKind.OPERATOR:
        raise PermissionDenied()
    if sponsor_id is None:
        return None
    sponsor = dashboard_sponsors(acting=acting).filter(pk=sponsor_id).first()
    if sponsor is None:
        raise NotFound()
    return sponsor


def dashboard_order(*, acting: Acting, reference: str) -> Order:
    """An order whose dashboard `acting` may see: its sponsor's, or any for operator staff."""
    orders = Order.objects.select_related("sponsor").filter(
        reference=reference, status__in=SHOWN_STATUSES
    )
    if acting.kind == OrganisationKind.SPONSOR:
        orders = orders.filter(sponsor=acting.organisation)
    elif acting.kind != OrganisationKind.OPERATOR:
        raise PermissionDenied()
    order = orders.first()
    if order is None:
        raise NotFound()
    return order


# --- Sponsor dashboards --------------------------------------------------------------------------


@dataclass
class PassFigures:
    issued: int = 0
    at_distributors: int = 0
    handed_out: int = 0
    used: int = 0
    blocked: int = 0
    replaced: int = 0
    expired: int = 0
    inactive: int = 0

    @property
    def usable(self) -> int:
        return max(0, self.issued - self.used - self.blocked - self.expired - self.inactive)


@dataclass
class SponsorDashboard:
    """Figures of one order or of all a sponsor's orders, as tables (each with its chart)."""

    orders: list[Order]
    passes: PassFigures
    committed_cents: int
    used_cents: int
    refundable_cents: int
    watermark: datetime.datetime | None
    tables: list[Table] = field(default_factory=list)

    @property
    def held_cents(self) -> int:
        return self.committed_cents - self.used_cents - self.refundable_cents

    @property
    def use_rate(self) -> object:
        return percent(self.passes.used, self.passes.issued)

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise NotFound()


def sponsor_dashboard(*, orders: QuerySet[Order], per_order: bool) -> SponsorDashboard:
    """The dashboard of `orders` (already scoped by the caller: `dashboard_order`,
    `dashboard_sponsor`); `per_order` adds the table of the orders."""
    orders = orders.filter(status__in=SHOWN_STATUSES)
    with one_snapshot():
        listed = list(orders.order_by("-created_at", "-pk"))
        usage = usage_of(orders)
        by_status: dict[int, dict[str, int]] = defaultdict(dict)
        for order_id, status, n in (
            Pass.objects.filter(order__in=orders, status__in=COUNTED_STATUSES)
            .order_by()
            .values_list("order_id", "status")
            .annotate(n=Count("pk"))
        ):
            by_status[order_id][status] = n
        # Passes in booklets a distributor holds, handed out or not (a handed-out booklet stays
        # with its distributor); those handed out come from the tallies.
        size = F("last_serial") - F("first_serial") + 1
        held = Booklet.objects.filter(order__in=orders, distributor__isnull=False).aggregate(
            n=Sum(size)
        )["n"]
        places = _places(usage)
        services = _services(usage)
    handed_by_public = usage.passes[UsageAxis.HANDED_OUT]
    handed_out = sum(handed_by_public.values())
    passes = PassFigures(
        at_distributors=max(0, (held or 0) - handed_out),
        handed_out=handed_out,
        used=usage.total_passes,
    )
    committed = refundable = 0
    for order in listed:
        counts = by_status.get(order.pk, {})
        if order.issued_at is not None:
            passes.issued += order.quantity
        passes.blocked += counts.get(PassStatus.BLOCKED, 0)
        passes.replaced += counts.get(PassStatus.REPLACED, 0)
        passes.expired += counts.get(PassStatus.EXPIRED, 0)
        passes.inactive += counts.get(PassStatus.INACTIVE, 0)
        if order.is_paid:
            committed += order.face_total_cents
            # Refundable as `reconciliation.checks` sees the escrow: expired passes × face value.
            refundable += counts.get(PassStatus.EXPIRED, 0) * order.face_value_cents
    dashboard = SponsorDashboard(
        orders=listed,
        passes=passes,
        committed_cents=committed,
        used_cents=usage.total_cents,
        refundable_cents=refundable,
        watermark=usage.watermark,
    )
    dashboard.tables = _sponsor_tables(dashboard, usage, places, services, handed_by_public)
    if per_order:
        dashboard.tables.append(_orders_table(listed, by_status, usage))
    return dashboard


def _places(usage: Usage) -> dict[str, dict[str, object]]:
    ids = [int(key) for key in usage.passes[UsageAxis.PLACE]]
    rows = Place.objects.filter(pk__in=ids).values(
        "pk", "name", "commune_name", "commune_code", "epci_code", "departement"
    )
    found: dict[str, dict[str, object]] = {str(row["pk"]): dict(row) for row in rows}
    departements = {row["departement"] for row in found.values()}
    epcis = {row["epci_code"] for row in found.values() if row["epci_code"]}
    names = dict(Departement.objects.filter(code__in=departements).values_list("code", "name"))
    epci_names = dict(Epci.objects.filter(siren__in=epcis).values_list("siren", "name"))
    for row in found.values():
        row["departement_name"] = names.get(str(row["departement"]), "")
        row["epci_name"] = epci_names.get(str(row["epci_code"]), "")
    return found


def _services(usage: Usage) -> dict[str, dict[str, str]]:
    ids = [int(key) for key in usage.passes[UsageAxis.SERVICE]]
    found = {}
    for service in Service.objects.filter(pk__in=ids).select_related("family"):
        found[str(service.pk)] = {
            "name": service.label,
            "family": in_active_language(service.family.name, service.family.name_en),
        }
    return found


def _sponsor_tables(
    dashboard: SponsorDashboard,
    usage: Usage,
    places: dict[str, dict[str, object]],
    services: dict[str, dict[str, str]],
    handed_by_public: dict[str, int],
) -> list[Table]:
    passes = dashboard.passes
    used_total = usage.total_passes
    tables = [
        Table(
            slug="montants",
            title=gettext_lazy("Montants"),
            columns=[Column(gettext_lazy("Montant")), Column(gettext_lazy("Euros"), Kind.CENTS)],
            rows=[
                [_("Engagé (valeur faciale des commandes payées)"), dashboard.committed_cents],
                [_("Utilisé (valeur faciale des pass utilisés)"), dashboard.used_cents],
                [_("Remboursable (pass expirés non utilisés)"), dashboard.refundable_cents],
                [_("Encore disponible"), dashboard.held_cents],
            ],
            chart="bars",
        ),
        Table(
            slug="pass",
            title=gettext_lazy("Pass"),
            columns=[
                Column(gettext_lazy("Pass")),
                Column(gettext_lazy("Nombre"), Kind.COUNT),
                Column(gettext_lazy("Part des pass émis"), Kind.PERCENT),
            ],
            rows=[
                [label, value, percent(value, passes.issued)]
                for label, value in (
                    (_("Émis"), passes.issued),
                    (_("Chez les distributeurs"), passes.at_distributors),
                    (_("Remis aux bénéficiaires"), passes.handed_out),
                    (_("Utilisés"), passes.used),
                    (_("Encore utilisables"), passes.usable),
                    (_("Bloqués"), passes.blocked),
                    (_("Expirés"), passes.expired),
                )
            ],
            chart="bars",
        ),
    ]
    tables += _territory_tables(usage, places)
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, n in usage.passes[UsageAxis.SERVICE].items():
        family = services.get(key, {}).get("family", _("Service inconnu"))
        by_family[family][0] += n
        by_family[family][1] += usage.cents[UsageAxis.SERVICE][key]
    tables.append(
        _usage_table(
            "familles",
            gettext_lazy("Par famille de services"),
            gettext_lazy("Famille de services"),
            by_family,
            used_total,
        )
    )
    publics = dict(TargetPublic.choices)
    public_rows = []
    for key in [*TargetPublic.values, ""]:
        handed, used = handed_by_public.get(key, 0), usage.passes[UsageAxis.PUBLIC].get(key, 0)
        if not handed and not used:
            continue
        label = publics[key] if key else _("Remise non enregistrée")
        public_rows.append([str(label), handed, used, percent(used, handed) if key else None])
    tables.append(
        Table(
            slug="publics",
            title=gettext_lazy("Par public"),
            columns=[
                Column(gettext_lazy("Public")),
                Column(gettext_lazy("Pass remis"), Kind.COUNT),
                Column(gettext_lazy("Pass utilisés"), Kind.COUNT),
                Column(gettext_lazy("Taux d'utilisation"), Kind.PERCENT),
            ],
            rows=public_rows,
            chart="bars",
            value_column=2,
        )
    )
    tables += _time_tables(usage)
    return tables


def _usage_table(
    slug: str,
    title: object,
    heading: object,
    sums: dict[str, list[int]],
    total: int,
    *,
    extra: list[Column] | None = None,
    extras: dict[str, list[object]] | None = None,
) -> Table:
    """Passes used, face value and share of all use, by `heading`, the most used first."""
    rows = []
    for label, (n, cents) in sorted(sums.items(), key=lambda item: (-item[1][0], item[0])):
        rows.append([label, *(extras or {}).get(label, []), n, cents, percent(n, total)])
    offset = len(extra or [])
    return Table(
        slug=slug,
        title=title,  # type: ignore[arg-type]
        columns=[
            Column(heading),  # type: ignore[arg-type]
            *(extra or []),
            Column(gettext_lazy("Pass utilisés"), Kind.COUNT),
            Column(gettext_lazy("Valeur faciale"), Kind.CENTS),
            Column(gettext_lazy("Part des utilisations"), Kind.PERCENT),
        ],
        rows=rows,
        chart="bars",
        value_column=1 + offset,
    )


def _territory_tables(usage: Usage, places: dict[str, dict[str, object]]) -> list[Table]:
    total = usage.total_passes
    by_departement: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_epci: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_commune: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_place: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    place_extras: dict[str, list[object]] = {}
    for key, n in usage.passes[UsageAxis.PLACE].items():
        cents = usage.cents[UsageAxis.PLACE][key]
        place = places.get(key)
        if place is None:
            continue
        departement = f"{place['departement']} – {place['departement_name']}".strip(" –")
        epci = str(place["epci_name"] or place["epci_code"] or _("Hors EPCI"))
        commune = f"{place['commune_name']} ({place['commune_code']})"
        label = f"{place['name']} ({key})"
        for sums, name in (
            (by_departement, departement),
            (by_epci, epci),
            (by_commune, commune),
            (by_place, label),
        ):
            sums[name][0] += n
            sums[name][1] += cents
        place_extras[label] = [place["commune_name"]]
    return [
        _usage_table(
            "departements",
            gettext_lazy("Par département"),
            gettext_lazy("Département"),
            by_departement,
            total,
        ),
        _usage_table("epci", gettext_lazy("Par EPCI"), gettext_lazy("EPCI"), by_epci, total),
        _usage_table(
            "communes", gettext_lazy("Par commune"), gettext_lazy("Commune"), by_commune, total
        ),
        _usage_table(
            "lieux",
            gettext_lazy("Par lieu"),
            gettext_lazy("Lieu"),
            by_place,
            total,
            extra=[Column(gettext_lazy("Commune"))],
            extras=place_extras,
        ),
    ]


def _time_tables(usage: Usage) -> list[Table]:
    days = {
        datetime.date.fromisoformat(key): (n, usage.cents[UsageAxis.DAY][key])
        for key, n in usage.passes[UsageAxis.DAY].items()
    }
    columns = [
        Column(gettext_lazy("Période")),
        Column(gettext_lazy("Pass utilisés"), Kind.COUNT),
        Column(gettext_lazy("Valeur faciale"), Kind.CENTS),
    ]
    months: dict[datetime.date, list[int]] = {}
    weeks: dict[datetime.date, list[int]] = {}
    for day, (n, cents) in days.items():
        for bucket, start in (
            (months, day.replace(day=1)),
            (weeks, day - datetime.timedelta(days=day.weekday())),
        ):
            sums = bucket.setdefault(start, [0, 0])
            sums[0] += n
            sums[1] += cents
    tables = [
        Table(
            slug="mois",
            title=gettext_lazy("Par mois"),
            columns=columns,
            rows=[[date_format(start, "F Y"), *months[start]] for start in _filled_months(months)],
            chart="series",
        )
    ]
    if days and (max(days) - min(days)).days <= WEEKLY_MAX_DAYS:
        first = min(weeks)
        starts = [
            first + datetime.timedelta(weeks=i) for i in range((max(weeks) - first).days // 7 + 1)
        ]
        tables.append(
            Table(
                slug="semaines",
                title=gettext_lazy("Par semaine"),
                columns=columns,
                rows=[
                    [
                        _("semaine du %(day)s") % {"day": date_format(start, "SHORT_DATE_FORMAT")},
                        *weeks.get(start, [0, 0]),
                    ]
                    for start in starts
                ],
                chart="series",
            )
        )
    return tables


def _filled_months(months: dict[datetime.date, list[int]]) -> list[datetime.date]:
    """Every month from the first to the last with use, the empty ones too (set to 0)."""
    if not months:
        return []
    current, last, found = min(months), max(months), []
    while current <= last:
        months.setdefault(current, [0, 0])
        found.append(current)
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return found


def _orders_table(orders: list[Order], by_status: dict[int, dict[str, int]], usage: Usage) -> Table:
    rows = []
    for order in orders:
        used, used_cents = usage.by_order.get(order.pk, (0, 0))
        issued = order.quantity if order.issued_at is not None else 0
        expired = by_status.get(order.pk, {}).get(PassStatus.EXPIRED, 0)
        rows.append(
            [
                order.reference,
                order.label,
                str(order.get_status_display()),
                issued,
                used,
                percent(used, issued),
                order.face_total_cents if order.is_paid else 0,
                used_cents,
                expired * order.face_value_cents if order.is_paid else 0,
            ]
        )
    return Table(
        slug="commandes",
        title=gettext_lazy("Par commande"),
        columns=[
            Column(gettext_lazy("Référence")),
            Column(gettext_lazy("Libellé")),
            Column(gettext_lazy("État")),
            Column(gettext_lazy("Pass émis"), Kind.COUNT),
            Column(gettext_lazy("Pass utilisés"), Kind.COUNT),
            Column(gettext_lazy("Taux d'utilisation"), Kind.PERCENT),
            Column(gettext_lazy("Engagé"), Kind.CENTS),
            Column(gettext_lazy("Utilisé"), Kind.CENTS),
            Column(gettext_lazy("Remboursable"), Kind.CENTS),
        ],
        rows=rows,
        chart="bars",
        value_column=4,
    )


# --- Distributor dashboard -----------------------------------------------------------------------


@dataclass
class DistributorDashboard:
    tables: list[Table]

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise NotFound()


def distributor_dashboard(*, acting: Acting) -> DistributorDashboard:
    """The acting distributor's stock (booklets by state, per sponsor and order) and its
    hand-outs (by month, by public category): four queries."""
    if acting.kind != OrganisationKind.DISTRIBUTOR:
        raise PermissionDenied()
    with one_snapshot():
        states = list(
            with_states(Booklet.objects.filter(distributor=acting.organisation))
            .order_by()
            .values("order_id", "state")
            .annotate(n=Count("pk"))
        )
        orders = Order.objects.select_related("sponsor").in_bulk(
            list({row["order_id"] for row in states})
        )
        handouts = HandOut.objects.filter(distributor=acting.organisation).order_by()
        by_month = list(
            handouts.annotate(month=TruncMonth("handed_out_on"))
            .values_list("month")
            .annotate(
                n=Count("pk"),
                passes=Sum(F("booklet__last_serial") - F("booklet__first_serial") + 1),
            )
            .order_by("month")
        )
        by_public = dict(
            (public, (n, passes))
            for public, n, passes in handouts.values_list("public").annotate(
                n=Count("pk"),
                passes=Sum(F("booklet__last_serial") - F("booklet__first_serial") + 1),
            )
        )
    per_order: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(BookletState.values, 0)
    )
    for row in states:
        per_order[row["order_id"]][row["state"]] = row["n"]
    totals = dict.fromkeys(BookletState.values, 0)
    stock_rows = []
    for order_id, counts in sorted(
        per_order.items(),
        key=lambda item: (orders[item[0]].sponsor.name, orders[item[0]].reference),
    ):
        order = orders[order_id]
        stock_rows.append(
            [order.sponsor.name, order.reference, *counts.values(), sum(counts.values())]
        )
        for state, n in counts.items():
            totals[state] += n
    state_columns = [Column(label, Kind.COUNT) for _, label in BookletState.choices]
    handout_columns = [
        Column(gettext_lazy("Carnets remis"), Kind.COUNT),
        Column(gettext_lazy("Pass remis"), Kind.COUNT),
    ]
    publics = dict(TargetPublic.choices)
    return DistributorDashboard(
        tables=[
            Table(
                slug="etats",
                title=gettext_lazy("Carnets par état"),
                columns=[Column(gettext_lazy("État")), Column(gettext_lazy("Carnets"), Kind.COUNT)],
                rows=[[str(label), totals[value]] for value, label in BookletState.choices],
                chart="bars",
            ),
            Table(
                slug="stock",
                title=gettext_lazy("Stock par commande"),
                columns=[
                    Column(gettext_lazy("Commanditaire")),
                    Column(gettext_lazy("Commande")),
                    *state_columns,
                    Column(gettext_lazy("Total"), Kind.COUNT),
                ],
                rows=stock_rows,
            ),
            Table(
                slug="remises-mois",
                title=gettext_lazy("Remises par mois"),
                columns=[Column(gettext_lazy("Mois")), *handout_columns],
                rows=[[date_format(month, "F Y"), n, p] for month, n, p in by_month],
                chart="series",
            ),
            Table(
                slug="remises-publics",
                title=gettext_lazy("Remises par public"),
                columns=[Column(gettext_lazy("Public")), *handout_columns],
                rows=[
                    [str(publics.get(key, key)), *by_public[key]]
                    for key in TargetPublic.values
                    if key in by_public
                ],
                chart="bars",
            ),
        ]
    )
