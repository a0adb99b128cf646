"""The territory rollup: each funder's figures by month, département, région and EPCI
(`TerritoryMonth`), the active places by month (`ActivePlaceMonth`), and from them the published
open data (`OpenDataCell`, small counts suppressed by `dashboards.opendata`).

Rebuilt in full, in one transaction, by `refresh_territory_rollup` (the daily job, and
`passnum dashboards refresh`): a fixed number of aggregate queries over the sources, whatever
their size, so the territory dashboards and the open-data API read a few thousand rows at most
instead of the passes and redemptions. Where each figure is counted is written in
docs/opendata.md ("Ce que comptent les chiffres").
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import Count, DateField, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from passnum.dashboards import opendata
from passnum.dashboards.models import (
    ActivePlaceMonth,
    OpenDataCell,
    RollupState,
    TerritoryMonth,
)
from passnum.geography.models import Commune, Departement
from passnum.orders.enums import InvoiceKind, OrderStatus
from passnum.orders.models import Invoice, Order
from passnum.passes.enums import PassStatus
from passnum.passes.models import HandOut, Pass
from passnum.payouts.enums import TransferStatus
from passnum.redemptions.models import Redemption, RedemptionLine

# Orders whose passes count as issued (a cancelled order's never reached anyone).
ISSUED_STATUSES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.CLOSED)
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.CLOSED)


@dataclass
class Figures:
    """The figures of one rollup row (the metric fields of `TerritoryMonth`)."""

    committed_cents: int = 0
    issued: int = 0
    handed_out: int = 0
    used: int = 0
    used_cents: int = 0
    paid_out: int = 0
    paid_out_cents: int = 0
    expired: int = 0
    refundable_cents: int = 0
    refunded_cents: int = 0


METRICS = [item.name for item in fields(Figures)]
RowKey = tuple[datetime.date, int, str, str, str]  # (month, sponsor, région, département, EPCI)


@dataclass(frozen=True)
class Area:
    region: str = ""
    departement: str = ""
    epci: str = ""


def month_of(value: datetime.date | datetime.datetime) -> datetime.date:
    """The first day of the month of a date, or of an aware datetime in local time."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def order_areas(orders: Iterable[Order]) -> dict[int, Area]:
    """The territory each order's money and passes are counted in: the département (and région,
    and EPCI) its perimeter lies in when it lies in one; "" where it spans several, and for an
    order valid everywhere. Two queries."""
    orders = list(orders)
    communes = {code for order in orders for code in order.perimeter_communes}
    epcis = {siren for order in orders for siren in order.perimeter_epcis}
    commune_area = {
        code: (region, departement, epci or "")
        for code, region, departement, epci in Commune.objects.filter(
            code__in=communes
        ).values_list("code", "region_id", "departement_id", "epci_id")
    }
    epci_departements: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for siren, region, departement in (
        Commune.objects.filter(epci_id__in=epcis)
        .values_list("epci_id", "region_id", "departement_id")
        .distinct()
    ):
        epci_departements[siren].add((region, departement))
    departement_region = dict(Departement.objects.values_list("code", "region_id"))
    region_departements: dict[str, set[str]] = defaultdict(set)
    for departement, region in departement_region.items():
        region_departements[region].add(departement)
    found = {}
    for order in orders:
        regions: set[str] = set(order.perimeter_regions)
        departements: set[str] = set(order.perimeter_departements)
        epci_set: set[str] = set(order.perimeter_epcis)
        for region in order.perimeter_regions:
            departements |= region_departements.get(region, set())
        for departement in order.perimeter_departements:
            regions.add(departement_region.get(departement, ""))
        for code in order.perimeter_communes:
            region, departement, epci = commune_area.get(code, ("", "", ""))
            regions.add(region)
            departements.add(departement)
            epci_set.add(epci)
        for siren in order.perimeter_epcis:
            for region, departement in epci_departements.get(siren, set()):
                regions.add(region)
                departements.add(departement)
        single_epci = (
            not order.perimeter_departements and not order.perimeter_regions and len(epci_set) == 1
        )
        found[order.pk] = Area(
            region=regions.pop() if len(regions) == 1 else "",
            departement=departements.pop() if len(departements) == 1 else "",
            epci=epci_set.pop() if single_epci else "",
        )
    return found


def _month(name: str) -> TruncMonth:
    return TruncMonth(name, output_field=DateField())


def collect_rows() -> dict[RowKey, Figures]:
    """Every funder's figures by month and territory, from the sources: eight aggregate queries."""
    rows: dict[RowKey, Figures] = defaultdict(Figures)
    departement_region = dict(Departement.objects.values_list("code", "region_id"))

    def add(key: RowKey, **values: int) -> None:
        figures = rows[key]
        for name, value in values.items():
            setattr(figures, name, getattr(figures, name) + int(value or 0))

    orders = list(
        Order.objects.filter(status__in=ISSUED_STATUSES).only(
            "pk",
            "sponsor_id",
            "status",
            "quantity",
            "face_value_cents",
            "face_total_cents",
            "valid_until",
            "paid_at",
            "issued_at",
            "perimeter_communes",
            "perimeter_epcis",
            "perimeter_departements",
            "perimeter_regions",
        )
    )
    areas = order_areas(orders)
    by_id = {order.pk: order for order in orders}

    def order_key(order: Order, month: datetime.date) -> RowKey:
        area = areas[order.pk]
        return (month, order.sponsor_id, area.region, area.departement, area.epci)

    expired = dict(
        Pass.objects.filter(status=PassStatus.EXPIRED, order__in=by_id)
        .order_by()
        .values_list("order_id")
        .annotate(n=Count("pk"))
    )
    for order in orders:
        if order.issued_at is not None:
            add(order_key(order, month_of(order.issued_at)), issued=order.quantity)
        if order.status in PAID_STATUSES and order.paid_at is not None:
            add(order_key(order, month_of(order.paid_at)), committed_cents=order.face_total_cents)
        if expired.get(order.pk):
            add(
                order_key(order, month_of(order.valid_until)),
                expired=expired[order.pk],
                refundable_cents=expired[order.pk] * order.face_value_cents
                if order.status in PAID_STATUSES
                else 0,
            )
    for order_id, issued_at, cents in Invoice.objects.filter(
        kind=InvoiceKind.CREDIT_NOTE, order__in=by_id
    ).values_list("order_id", "issued_at", "face_total_cents"):
        add(order_key(by_id[order_id], month_of(issued_at)), refunded_cents=cents)

    size = F("booklet__last_serial") - F("booklet__first_serial") + 1
    for month, sponsor, departement, n in (
        HandOut.objects.order_by()
        .values_list(
            _month("handed_out_on"), "booklet__order__sponsor_id", "distributor__departement"
        )
        .annotate(n=Sum(size))
    ):
        region = departement_region.get(departement, "")
        add((month, sponsor, region, departement if region else "", ""), handed_out=n)

    place_area = ("redemption__place__departement", "redemption__place__epci_code")
    for month, sponsor, departement, epci, n, cents in (
        RedemptionLine.objects.filter(undone=False)
        .order_by()
        .values_list(_month("redemption__created_at"), "pass_item__order__sponsor_id", *place_area)
        .annotate(n=Count("pk"), cents=Sum("pass_item__order__face_value_cents"))
    ):
        key = (month, sponsor, departement_region.get(departement, ""), departement, epci)
        add(key, used=n, used_cents=cents)

    paid = RedemptionLine.objects.filter(
        undone=False,
        redemption__payout_lines__released=False,
        redemption__payout_lines__transfer__status=TransferStatus.EXECUTED,
    )
    for month, sponsor, departement, epci, n, cents in (
        paid.order_by()
        .values_list(
            _month("redemption__payout_lines__transfer__run__executed_on"),
            "pass_item__order__sponsor_id",
            *place_area,
        )
        .annotate(n=Count("pk"), cents=Sum("pass_item__order__face_value_cents"))
    ):
        if month is None:
            continue
        key = (month, sponsor, departement_region.get(departement, ""), departement, epci)
        add(key, paid_out=n, paid_out_cents=cents)
    return rows


def collect_active_places() -> list[ActivePlaceMonth]:
    """The places with a redemption not undone, by month: one query."""
    departement_region = dict(Departement.objects.values_list("code", "region_id"))
    return [
        ActivePlaceMonth(
            month=month,
            place_id=place_id,
            region=departement_region.get(departement, ""),
            departement=departement,
            epci=epci,
        )
        for month, place_id, departement, epci in (
            Redemption.objects.filter(undone_at__isnull=True)
            .order_by()
            .values_list(_month("created_at"), "place_id", "place__departement", "place__epci_code")
            .distinct()
        )
    ]


def refresh_territory_rollup() -> dict[str, Any]:
    """Rebuilds the rollup, the active places and the open data in one transaction (readers see
    the old figures or the new ones, never a mix); returns how many rows of each."""
    rows = collect_rows()
    active = collect_active_places()
    rollup = [
        TerritoryMonth(
            month=month,
            sponsor_id=sponsor,
            region=region,
            departement=departement,
            epci=epci,
            **vars(figures),
        )
        for (month, sponsor, region, departement, epci), figures in rows.items()
    ]
    cells = opendata.published_cells(rollup)
    with transaction.atomic():
        TerritoryMonth.objects.all().delete()
        ActivePlaceMonth.objects.all().delete()
        OpenDataCell.objects.all().delete()
        TerritoryMonth.objects.bulk_create(rollup, batch_size=2000)
        ActivePlaceMonth.objects.bulk_create(active, batch_size=2000)
        OpenDataCell.objects.bulk_create(cells, batch_size=2000)
        state = RollupState.objects.select_for_update().first() or RollupState()
        state.refreshed_at = timezone.now()
        state.save()
    return {"rows": len(rollup), "active_places": len(active), "open_data_cells": len(cells)}


def refreshed_at() -> datetime.datetime | None:
    state = RollupState.objects.first()
    return state.refreshed_at if state else None
