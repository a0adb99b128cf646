"""A provider's payments ("Mes paiements", issue #9): its scans and what they are worth, pending
(redeemed, not undone, not yet paid) and paid (in a transfer to send or sent), per place, per
service and per month. Only the acting provider's own: every query filters on its organisation.

A redemption that is not undone is either paid (a live payout line holds its figures, fixed by
the run) or pending: pending figures are split exactly as the redemption's ledger posting
(`redemptions.postings.split_redemption`, per redemption and per order), so pending + paid is
what its payable account was credited. Five queries whatever the number of scans.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service
from passnum.core.exceptions import NotFound
from passnum.dashboards.tables import Column, Kind, Table
from passnum.orders.models import Order
from passnum.payouts.models import PayoutLine, PayoutTransfer
from passnum.payouts.selectors import transfers_of_provider
from passnum.places.models import Place
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.postings import split_redemption

MONTHS_SHOWN = 12


@dataclass
class Figures:
    """Scans (redemptions), passes, face value and net of a set of redemptions."""

    scans: int = 0
    passes: int = 0
    gross_cents: int = 0
    net_cents: int = 0

    def add(self, *, scans: int, passes: int, gross: int, net: int) -> None:
        self.scans += scans
        self.passes += passes
        self.gross_cents += gross
        self.net_cents += net


@dataclass
class ProviderPayments:
    pending: Figures
    paid: Figures
    transfers: QuerySet[PayoutTransfer]
    tables: list[Table] = field(default_factory=list)

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise NotFound()


def _pending_by_place_service(organisation_id: int) -> dict[tuple[int, int], Figures]:
    """(place id, service id) → figures of the redemptions not undone and not yet paid."""
    paid = PayoutLine.objects.filter(redemption=OuterRef("pk"), released=False)
    pending = Redemption.objects.filter(
        organisation_id=organisation_id, undone_at__isnull=True
    ).filter(~Exists(paid))
    groups = (
        RedemptionLine.objects.filter(redemption__in=pending, undone=False)
        .order_by()
        .values_list(
            "redemption_id", "redemption__place_id", "redemption__service_id", "pass_item__order_id"
        )
        .annotate(passes=Count("pk"))
    )
    rows = list(groups)
    orders = Order.objects.only(
        "face_value_cents", "downstream_fee_bps", "vat_bps", "fund_bps"
    ).in_bulk({row[3] for row in rows})
    found: dict[tuple[int, int], Figures] = defaultdict(Figures)
    seen: set[int] = set()
    for redemption_id, place_id, service_id, order_id, passes in rows:
        order = orders[order_id]
        split = split_redemption(face_cents=passes * order.face_value_cents, order=order)
        found[(place_id, service_id)].add(
            scans=0 if redemption_id in seen else 1,
            passes=passes,
            gross=split.face_cents,
            net=split.provider_cents,
        )
        seen.add(redemption_id)
    return found


def _paid_by_place_service(organisation_id: int) -> dict[tuple[int, int], Figures]:
    """(place id, service id) → figures of the redemptions in a live transfer of the provider."""
    rows = (
        PayoutLine.objects.filter(transfer__provider_id=organisation_id, released=False)
        .order_by()
        .values_list("redemption__place_id", "redemption__service_id")
        .annotate(
            scans=Count("pk"),
            passes=Sum("pass_count"),
            gross=Sum("gross_cents"),
            net=Sum("net_cents"),
        )
    )
    found: dict[tuple[int, int], Figures] = defaultdict(Figures)
    for place_id, service_id, scans, passes, gross, net in rows:
        found[(place_id, service_id)].add(
            scans=scans, passes=int(passes), gross=int(gross), net=int(net)
        )
    return found


def provider_payments(*, acting: Acting) -> ProviderPayments:
    """The acting provider's payments and its tables (each exported as CSV or XLSX)."""
    acting.require_kind(OrganisationKind.PROVIDER)
    organisation_id = acting.organisation.pk
    pending = _pending_by_place_service(organisation_id)
    paid = _paid_by_place_service(organisation_id)
    keys = set(pending) | set(paid)
    places = Place.objects.only("name").in_bulk({place_id for place_id, _ in keys})
    services = Service.objects.only("code", "name").in_bulk({service_id for _, service_id in keys})
    by_place: dict[str, list[Figures]] = defaultdict(lambda: [Figures(), Figures()])
    by_service: dict[str, list[Figures]] = defaultdict(lambda: [Figures(), Figures()])
    total_pending, total_paid = Figures(), Figures()
    for key in keys:
        place, service = places[key[0]], services[key[1]]
        for index, (source, total) in enumerate(((pending, total_pending), (paid, total_paid))):
            figures = source.get(key)
            if figures is None:
                continue
            parts = {
                "scans": figures.scans,
                "passes": figures.passes,
                "gross": figures.gross_cents,
                "net": figures.net_cents,
            }
            total.add(**parts)
            by_place[place.name][index].add(**parts)
            by_service[f"{service.code} {service.name}"][index].add(**parts)
    transfers = transfers_of_provider(acting=acting)
    return ProviderPayments(
        pending=total_pending,
        paid=total_paid,
        transfers=transfers,
        tables=[
            _transfers_table(transfers),
            _split_table("lieux", gettext_lazy("Par lieu"), gettext_lazy("Lieu"), by_place),
            _split_table(
                "services", gettext_lazy("Par service"), gettext_lazy("Service"), by_service
            ),
            _months_table(organisation_id),
        ],
    )


def _transfers_table(transfers: QuerySet[PayoutTransfer]) -> Table:
    return Table(
        slug="virements",
        title=gettext_lazy("Virements reçus"),
        columns=[
            Column(gettext_lazy("Période")),
            Column(gettext_lazy("Relevé")),
            Column(gettext_lazy("État")),
            Column(gettext_lazy("Utilisations"), Kind.COUNT),
            Column(gettext_lazy("Pass"), Kind.COUNT),
            Column(gettext_lazy("Valeur faciale"), Kind.CENTS),
            Column(gettext_lazy("Frais HT"), Kind.CENTS),
            Column(gettext_lazy("TVA"), Kind.CENTS),
            Column(gettext_lazy("Net versé"), Kind.CENTS),
        ],
        rows=[
            [
                period_label(transfer.run.period_start, transfer.run.period_end),
                transfer.statement_number,
                str(transfer.get_status_display()),
                transfer.redemption_count,
                transfer.pass_count,
                transfer.gross_cents,
                transfer.fee_cents,
                transfer.vat_cents,
                transfer.net_cents,
            ]
            for transfer in transfers
        ],
    )


def _split_table(slug: str, title, label, figures: dict[str, list[Figures]]) -> Table:  # type: ignore[no-untyped-def]
    rows = []
    for name in sorted(figures):
        pending, paid = figures[name]
        rows.append(
            [
                name,
                pending.scans + paid.scans,
                pending.passes + paid.passes,
                pending.gross_cents + paid.gross_cents,
                pending.net_cents,
                paid.net_cents,
            ]
        )
    return Table(
        slug=slug,
        title=title,
        columns=[
            Column(label),
            Column(gettext_lazy("Utilisations"), Kind.COUNT),
            Column(gettext_lazy("Pass"), Kind.COUNT),
            Column(gettext_lazy("Valeur faciale"), Kind.CENTS),
            Column(gettext_lazy("Net en attente"), Kind.CENTS),
            Column(gettext_lazy("Net payé"), Kind.CENTS),
        ],
        rows=rows,
        chart="bars",
        value_column=3,
    )


def _months_table(organisation_id: int) -> Table:
    """Scans and face value per month over the last MONTHS_SHOWN months, empty months too."""
    today = timezone.localdate()
    first = today.replace(day=1)
    for _i in range(MONTHS_SHOWN - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    since = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    rows = (
        Redemption.objects.filter(
            organisation_id=organisation_id, undone_at__isnull=True, created_at__gte=since
        )
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values_list("month")
        .annotate(scans=Count("pk"), gross=Sum("amount_cents"))
    )
    by_month: dict[datetime.date, tuple[int, int]] = {}
    for month, scans, gross in rows:
        day = month.date() if isinstance(month, datetime.datetime) else month
        by_month[day.replace(day=1)] = (scans, int(gross))
    table_rows: list[list[object]] = []
    current = first
    while current <= today:
        scans, gross = by_month.get(current, (0, 0))
        table_rows.append([date_format(current, "F Y"), scans, gross])
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return Table(
        slug="mois",
        title=gettext_lazy("Par mois"),
        columns=[
            Column(gettext_lazy("Mois")),
            Column(gettext_lazy("Utilisations"), Kind.COUNT),
            Column(gettext_lazy("Valeur faciale"), Kind.CENTS),
        ],
        rows=table_rows,
        chart="series",
        value_column=2,
    )


def period_label(start: datetime.date, end: datetime.date) -> str:
    """ "novembre 2026" for a whole month, "du 02/11/2026 au 08/11/2026" otherwise."""
    from django.utils.translation import gettext

    next_day = end + datetime.timedelta(days=1)
    if start.day == 1 and next_day.day == 1 and (next_day - start).days >= 28:
        return date_format(start, "F Y")
    return gettext("du %(start)s au %(end)s") % {
        "start": date_format(start, "SHORT_DATE_FORMAT"),
        "end": date_format(end, "SHORT_DATE_FORMAT"),
    }
