"""Use of passes by day, place, service and public category: pre-aggregated tallies up to a
watermark, plus what the ledger recorded after it, counted live.

Where the figures come from. Every redemption and every undo appends a ledger transaction
(kinds `redemption` and `redemption_undo`, append-only, ids increasing). Folding the
transactions after the watermark into `UsageTally` (+1 per line of a redemption, -1 per line of
an undone one, on the redemption's day, place, service and the public of the pass's hand-out)
keeps the tallies exact without touching the scan path. A transaction is folded in only once
it is PASSNUM_DASHBOARD_LAG_SECONDS old, so one still being committed (its id taken earlier)
cannot be skipped; the pages add the newer ones live (`usage_of`), so their figures are exact
at the time of the page.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from passnum.dashboards.enums import UsageAxis
from passnum.dashboards.models import UsageTally, UsageWatermark
from passnum.ledger.enums import TransactionKind
from passnum.ledger.models import LedgerTransaction
from passnum.orders.models import Order
from passnum.passes.models import HandOut
from passnum.redemptions.models import RedemptionLine

USAGE_KINDS = (TransactionKind.REDEMPTION, TransactionKind.REDEMPTION_UNDO)

Key = tuple[int, str, str]  # (order id, axis, key)


@dataclass
class Usage:
    """Passes used (net) and their face value by axis and key; `watermark` is the moment up to
    which the figures come from the tallies (None before the first refresh)."""

    passes: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    cents: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    by_order: dict[int, tuple[int, int]] = field(default_factory=dict)
    watermark: datetime.datetime | None = None

    def add(self, order_id: int, axis: str, key: str, passes: int, cents: int) -> None:
        self.passes[axis][key] = self.passes[axis].get(key, 0) + passes
        self.cents[axis][key] = self.cents[axis].get(key, 0) + cents
        if axis == UsageAxis.DAY:
            old_passes, old_cents = self.by_order.get(order_id, (0, 0))
            self.by_order[order_id] = (old_passes + passes, old_cents + cents)

    @property
    def total_passes(self) -> int:
        return sum(self.passes[UsageAxis.DAY].values())

    @property
    def total_cents(self) -> int:
        return sum(self.cents[UsageAxis.DAY].values())


def _lines_after(
    *, after_id: int, up_to_id: int | None, orders: QuerySet[Order] | None
) -> Iterable[dict[str, object]]:
    """Redemption lines of the usage transactions in (after_id, up_to_id], grouped by what the
    tallies count: one query."""
    # One filter() call: every condition on the same join of the ledger transactions.
    conditions: dict[str, object] = {
        "redemption__ledger_transactions__pk__gt": after_id,
        "redemption__ledger_transactions__kind__in": USAGE_KINDS,
    }
    if up_to_id is not None:
        conditions["redemption__ledger_transactions__pk__lte"] = up_to_id
    lines = RedemptionLine.objects.filter(**conditions)
    if orders is not None:
        lines = lines.filter(pass_item__order__in=orders)
    rows = (
        lines.order_by()
        .values(
            kind=F("redemption__ledger_transactions__kind"),
            order_id=F("pass_item__order_id"),
            day=TruncDate("redemption__created_at"),
            place_id=F("redemption__place_id"),
            service_id=F("redemption__service_id"),
            public=F("pass_item__booklet__handout__public"),
        )
        .annotate(n=Count("pk"), cents=Sum("pass_item__order__face_value_cents"))
    )
    return [dict(row) for row in rows]


def _deltas(rows: Iterable[dict[str, object]]) -> dict[Key, list[int]]:
    """(order, axis, key) → [passes, cents], signed: an undo counts against its redemption."""
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        sign = -1 if row["kind"] == TransactionKind.REDEMPTION_UNDO else 1
        n, cents = sign * int(row["n"]), sign * int(row["cents"])  # type: ignore[call-overload]
        order_id = int(row["order_id"])  # type: ignore[call-overload]
        day = row["day"]
        assert isinstance(day, datetime.date)
        for axis, key in (
            (UsageAxis.DAY, day.isoformat()),
            (UsageAxis.PLACE, str(row["place_id"])),
            (UsageAxis.SERVICE, str(row["service_id"])),
            (UsageAxis.PUBLIC, str(row["public"] or "")),
        ):
            delta = deltas[(order_id, axis.value, key)]
            delta[0] += n
            delta[1] += cents
    return deltas


# --- Refresh (the daily job, `passnum dashboards refresh`, and every dashboard page load) ----


def _ready(
    model: type[LedgerTransaction] | type[HandOut],
    *,
    after: int,
    cutoff: datetime.datetime,
    batch: int,
) -> dict[str, Any]:
    """The next `batch` rows of `model` after id `after`, stopping before the first one younger
    than the lag (any row older than it is committed): their last id, last date and number."""
    newer = model.objects.filter(pk__gt=after)
    first_fresh = newer.filter(created_at__gte=cutoff).aggregate(first=Min("pk"))["first"]
    ready = newer.order_by("pk")
    if first_fresh is not None:
        ready = ready.filter(pk__lt=first_fresh)
    return model.objects.filter(pk__in=ready.values("pk")[:batch]).aggregate(  # type: ignore[misc]
        last=Max("pk"), at=Max("created_at"), n=Count("pk")
    )


def refresh_usage_tallies(*, batch: int | None = None) -> int | None:
    """Folds the next `batch` usage transactions (and hand-outs) older than the lag into the
    tallies, in one transaction holding the watermark row. Returns how many rows it went past,
    or None when another refresh holds the watermark (nothing done). A bounded number of
    queries, whatever the backlog."""
    batch = batch or settings.PASSNUM_DASHBOARD_REFRESH_BATCH
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.PASSNUM_DASHBOARD_LAG_SECONDS)
    with transaction.atomic():
        watermark = UsageWatermark.objects.select_for_update(skip_locked=True).first()
        if watermark is None:
            if UsageWatermark.objects.exists():
                return None  # another refresh holds it
            watermark = UsageWatermark.objects.create()
        deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
        transactions = _ready(
            LedgerTransaction, after=watermark.last_transaction_id, cutoff=cutoff, batch=batch
        )
        if transactions["last"] is not None:
            rows = _lines_after(
                after_id=watermark.last_transaction_id,
                up_to_id=transactions["last"],
                orders=None,
            )
            _merge(deltas, _deltas(rows))
            watermark.last_transaction_id = transactions["last"]
            watermark.last_transaction_at = transactions["at"]
        handouts = _ready(HandOut, after=watermark.last_handout_id, cutoff=cutoff, batch=batch)
        if handouts["last"] is not None:
            _merge(
                deltas,
                _handout_deltas(
                    after_id=watermark.last_handout_id, up_to_id=handouts["last"], orders=None
                ),
            )
            watermark.last_handout_id = handouts["last"]
        _apply(deltas)
        watermark.refreshed_at = timezone.now()
        watermark.save()
        return int(transactions["n"]) + int(handouts["n"])


def _merge(into: dict[Key, list[int]], deltas: dict[Key, list[int]]) -> None:
    for key, (passes, cents) in deltas.items():
        into[key][0] += passes
        into[key][1] += cents


def _handout_deltas(
    *, after_id: int, up_to_id: int | None, orders: QuerySet[Order] | None
) -> dict[Key, list[int]]:
    """Passes handed out (and their face value) by order and public, for the hand-outs in
    (after_id, up_to_id]: one query."""
    handouts = HandOut.objects.filter(pk__gt=after_id)
    if up_to_id is not None:
        handouts = handouts.filter(pk__lte=up_to_id)
    if orders is not None:
        handouts = handouts.filter(booklet__order__in=orders)
    size = F("booklet__last_serial") - F("booklet__first_serial") + 1
    rows = (
        handouts.order_by()
        .values_list("booklet__order_id", "public")
        .annotate(n=Sum(size), cents=Sum(size * F("booklet__order__face_value_cents")))
    )
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for order_id, public, n, cents in rows:
        deltas[(order_id, UsageAxis.HANDED_OUT.value, public)] = [n, cents]
    return deltas


def refresh_all_usage_tallies() -> int:
    """Refreshes until nothing older than the lag is left; returns the transactions folded."""
    done = 0
    while True:
        step = refresh_usage_tallies()
        if not step:
            return done
        done += step


def refresh_quietly() -> None:
    """A page's refresh: skipped, never failing the page, if the database refuses it (another
    writer on SQLite); the page counts the rest live anyway."""
    with suppress(DatabaseError):
        refresh_usage_tallies()


def _apply(deltas: dict[Key, list[int]]) -> None:
    """Adds `deltas` to the tallies: one read of the rows concerned, one upsert."""
    if not deltas:
        return
    order_ids = {order_id for order_id, _, _ in deltas}
    keys_by_axis: dict[str, set[str]] = defaultdict(set)
    for _, axis, key in deltas:
        keys_by_axis[axis].add(key)
    existing = {
        (row.order_id, row.axis, row.key): row
        for row in UsageTally.objects.filter(
            order_id__in=order_ids, key__in={k for keys in keys_by_axis.values() for k in keys}
        )
    }
    rows = []
    for (order_id, axis, key), (passes, cents) in deltas.items():
        old = existing.get((order_id, axis, key))
        if old is not None:
            passes += old.passes
            cents += old.amount_cents
        rows.append(
            UsageTally(order_id=order_id, axis=axis, key=key, passes=passes, amount_cents=cents)
        )
    UsageTally.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["order", "axis", "key"],
        update_fields=["passes", "amount_cents"],
        batch_size=1000,
    )


# --- Reading -------------------------------------------------------------------------------------


@contextmanager
def one_snapshot() -> Iterator[None]:
    """Every read inside sees the same committed state (PostgreSQL: REPEATABLE READ, no JIT),
    so tallies, watermark and the live remainder never overlap nor leave a gap. Inside a
    transaction already begun (the tests' own), that transaction's isolation applies."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET LOCAL jit = off")
        yield


def usage_of(orders: QuerySet[Order]) -> Usage:
    """Use of the passes of `orders`: the tallies plus the transactions and hand-outs after
    the watermark, four queries (call inside `one_snapshot`)."""
    usage = Usage()
    watermark = UsageWatermark.objects.first()
    after = watermark.last_transaction_id if watermark else 0
    after_handout = watermark.last_handout_id if watermark else 0
    usage.watermark = watermark.last_transaction_at if watermark else None
    tallies = UsageTally.objects.filter(order__in=orders).values_list(
        "order_id", "axis", "key", "passes", "amount_cents"
    )
    for order_id, axis, key, passes, cents in tallies:
        usage.add(order_id, axis, key, passes, cents)
    live = _deltas(_lines_after(after_id=after, up_to_id=None, orders=orders))
    _merge(live, _handout_deltas(after_id=after_handout, up_to_id=None, orders=orders))
    for (order_id, axis, key), (passes, cents) in live.items():
        usage.add(order_id, axis, key, passes, cents)
    for axis in UsageAxis.values:  # keys netted to nothing (a redemption and its undo) go
        for key in [k for k, n in usage.passes[axis].items() if n == 0]:
            del usage.passes[axis][key]
            usage.cents[axis].pop(key, None)
    return usage
