"""Booklet states (SPEC §3.4), derived from the passes and the hand-out, never stored beside them.

One rule, written twice and tested to agree: `state_from_counts` in Python (`booklet_state`
for one booklet) and `with_states` in SQL (any number of booklets, one query). A booklet's
passes are found by serial range (`first_serial`…`last_serial`, the unique index on the pass
serial), not through the pass→booklet foreign key, which is not indexed.

The first state that applies, in this order:

- finished: every pass used;
- expired: a pass expired (expiry takes every unused pass at once);
- blocked: no pass left to use, some blocked (or blocked then replaced);
- started: at least one pass used;
- handed out: recorded as given to a beneficiary;
- at distributor: held by a distributor;
- in stock: in the sponsor's stock.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan

from passnum.passes.enums import BookletState, PassStatus
from passnum.passes.models import Booklet, HandOut, Pass

UNUSED_STATUSES = (PassStatus.ACTIVE, PassStatus.INACTIVE)
BLOCKED_STATUSES = (PassStatus.BLOCKED, PassStatus.REPLACED)


@dataclass(frozen=True)
class PassCounts:
    total: int
    redeemed: int
    blocked: int  # blocked or replaced
    expired: int

    @property
    def unused(self) -> int:
        return self.total - self.redeemed - self.blocked - self.expired


def state_from_counts(
    counts: PassCounts, *, handed_out: bool, held_by_distributor: bool
) -> BookletState:
    """The rule itself (module docstring)."""
    if counts.total and counts.redeemed == counts.total:
        return BookletState.FINISHED
    if counts.expired:
        return BookletState.EXPIRED
    if counts.total and counts.unused == 0:
        return BookletState.BLOCKED
    if counts.redeemed:
        return BookletState.STARTED
    if handed_out:
        return BookletState.HANDED_OUT
    if held_by_distributor:
        return BookletState.AT_DISTRIBUTOR
    return BookletState.IN_STOCK


def pass_counts(booklet: Booklet) -> PassCounts:
    """Its passes counted by status: one query on the serial range."""
    rows = dict(
        Pass.objects.filter(serial__gte=booklet.first_serial, serial__lte=booklet.last_serial)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return PassCounts(
        total=sum(rows.values()),
        redeemed=rows.get(PassStatus.REDEEMED, 0),
        blocked=sum(rows.get(status, 0) for status in BLOCKED_STATUSES),
        expired=rows.get(PassStatus.EXPIRED, 0),
    )


def booklet_state(booklet: Booklet) -> BookletState:
    """The state of one booklet: two queries (its passes, its hand-out)."""
    return state_from_counts(
        pass_counts(booklet),
        handed_out=HandOut.objects.filter(booklet_id=booklet.pk).exists(),
        held_by_distributor=booklet.distributor_id is not None,
    )


class _Sum(Func):
    """SUM() that Django does not take for an aggregate, so it adds no GROUP BY: inside a
    subquery of its own it makes one plain aggregate over the booklet's passes, read through
    the serial index."""

    function = "SUM"
    output_field = IntegerField()


def _counted(*statuses: str) -> _Sum:
    """How many of the booklet's passes have one of `statuses` (all of them if none given)."""
    if not statuses:
        return _Sum(Value(1))
    return _Sum(Case(When(status__in=statuses, then=Value(1)), default=Value(0)))


def _passes_of_booklet() -> QuerySet[Pass]:
    """The passes of the outer booklet, by serial range."""
    return Pass.objects.filter(
        serial__gte=OuterRef("first_serial"), serial__lte=OuterRef("last_serial")
    ).order_by()


def _pass_state() -> Subquery:
    """The state the passes alone decide (finished, expired, blocked, started), else NULL."""
    states = _passes_of_booklet().annotate(
        state=Case(
            When(
                Exact(_counted(PassStatus.REDEEMED), _counted()),
                then=Value(BookletState.FINISHED.value),
            ),
            When(
                GreaterThan(_counted(PassStatus.EXPIRED), 0),
                then=Value(BookletState.EXPIRED.value),
            ),
            When(
                Exact(_counted(*UNUSED_STATUSES), 0),
                then=Value(BookletState.BLOCKED.value),
            ),
            When(
                GreaterThan(_counted(PassStatus.REDEEMED), 0),
                then=Value(BookletState.STARTED.value),
            ),
            default=Value(None),
            output_field=CharField(),
        )
    )
    return Subquery(states.values("state"), output_field=CharField())


def _pass_count(*statuses: str) -> Subquery:
    counted = _passes_of_booklet().annotate(n=_counted(*statuses)).values("n")
    return Subquery(counted, output_field=IntegerField())


def with_states(booklets: QuerySet[Booklet]) -> QuerySet[Any]:
    """`booklets` annotated with `state` (a BookletState value), computed in SQL: one
    correlated subquery on the pass serial index and one EXISTS on the hand-out per booklet."""
    return booklets.annotate(
        state=Coalesce(
            _pass_state(),
            Case(
                When(
                    Exists(HandOut.objects.filter(booklet_id=OuterRef("pk"))),
                    then=Value(BookletState.HANDED_OUT.value),
                ),
                When(distributor__isnull=False, then=Value(BookletState.AT_DISTRIBUTOR.value)),
                default=Value(BookletState.IN_STOCK.value),
                output_field=CharField(),
            ),
            output_field=CharField(),
        )
    )


def with_pass_counts(booklets: QuerySet[Booklet]) -> QuerySet[Any]:
    """`booklets` annotated with `redeemed_count`, `blocked_count` (blocked or replaced) and
    `expired_count`: for a page of booklets (three subqueries per booklet)."""
    return booklets.annotate(
        redeemed_count=Coalesce(_pass_count(PassStatus.REDEEMED), 0),
        blocked_count=Coalesce(_pass_count(*BLOCKED_STATUSES), 0),
        expired_count=Coalesce(_pass_count(PassStatus.EXPIRED), 0),
        pass_total=F("last_serial") - F("first_serial") + 1,
    )


def state_counts(booklets: QuerySet[Booklet]) -> dict[str, int]:
    """How many of `booklets` are in each state (every state present, 0 if none): one query."""
    counts = dict.fromkeys(BookletState.values, 0)
    with without_jit():
        rows = list(with_states(booklets).order_by().values("state").annotate(n=Count("pk")))
    for row in rows:
        counts[row["state"]] = row["n"]
    return counts


@contextmanager
def without_jit() -> Iterator[None]:
    """PostgreSQL: no JIT compilation for the reads inside (in a transaction of their own).

    The planner cannot know that a booklet's serial range holds 5 or 10 passes (it guesses
    hundreds), so a query deriving thousands of states looks expensive enough to compile: on
    10,000 booklets the compilation took longer (over a second) than the query itself."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
