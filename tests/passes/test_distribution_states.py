"""Booklet states derived from passes and hand-outs: each of the seven, the Python rule and
the SQL annotation agreeing, and the counts in one query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passnum.passes.distribution import (
    BookletNumbers,
    assign_booklets,
    record_handout,
)
from passnum.passes.enums import BookletState, PassStatus
from passnum.passes.models import Booklet, Pass
from passnum.passes.services import block_passes, expire_order_passes
from passnum.passes.states import (
    PassCounts,
    booklet_state,
    state_counts,
    state_from_counts,
    with_pass_counts,
    with_states,
)
from tests.factories import make_distributor, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, quantity=100)
    distributor = make_distributor(sponsor)
    return order, distributor


def booklets(order):
    return list(Booklet.objects.filter(order=order).order_by("number"))


def sql_states(order):
    return dict(with_states(Booklet.objects.filter(order=order)).values_list("number", "state"))


def test_each_of_the_seven_states_in_python_and_in_sql(world, sponsor, operator):
    order, distributor = world
    b = booklets(order)
    # b[0] in stock; b[1] at distributor; b[2] handed out; b[3] started; b[4] finished;
    # b[5] blocked (all unused passes blocked); b[6..9] at distributor
    assign_booklets(
        acting=sponsor,
        order=order,
        distributor=distributor.organisation,
        selection=BookletNumbers(b[1].number, b[9].number),
    )
    today = timezone.localdate()
    record_handout(
        acting=distributor, booklet_number=b[2].number, handed_out_on=today, public="senior"
    )
    Pass.objects.filter(serial=b[3].first_serial).update(status=PassStatus.REDEEMED)
    Pass.objects.filter(serial__gte=b[4].first_serial, serial__lte=b[4].last_serial).update(
        status=PassStatus.REDEEMED
    )
    Pass.objects.filter(serial=b[5].first_serial).update(status=PassStatus.REDEEMED)
    block_passes(
        acting=sponsor,
        serial_first=b[5].first_serial,
        serial_last=b[5].last_serial,
        reason="perdu",
    )
    expected = {
        b[0].number: BookletState.IN_STOCK,
        b[1].number: BookletState.AT_DISTRIBUTOR,
        b[2].number: BookletState.HANDED_OUT,
        b[3].number: BookletState.STARTED,
        b[4].number: BookletState.FINISHED,
        b[5].number: BookletState.BLOCKED,
    }
    states = sql_states(order)
    for number, state in expected.items():
        assert states[number] == state
        booklet = Booklet.objects.get(number=number)
        assert booklet_state(booklet) == state
    # expired: past validity, the daily expiry turns unused passes expired
    expire_order_passes(
        actor=operator.user, order=order, today=order.expires_on + datetime.timedelta(days=1)
    )
    states = sql_states(order)
    assert states[b[0].number] == BookletState.EXPIRED
    assert states[b[3].number] == BookletState.EXPIRED
    assert states[b[4].number] == BookletState.FINISHED
    assert booklet_state(b[0]) == BookletState.EXPIRED
    assert set(BookletState.values) == set(expected.values()) | {BookletState.EXPIRED}


@pytest.mark.parametrize("total", [5, 10])
def test_python_rule_and_sql_agree_on_every_combination(sponsor, operator, settings, total):
    """Every mix of pass statuses in one booklet: the SQL annotation says what the rule says."""
    settings.PASSNUM_SMALL_BOOKLET_MIN_PASSES = 5
    order = make_order(sponsor=sponsor, operator=operator, quantity=total, booklet_size=total)
    booklet = booklets(order)[0]
    serials = list(range(booklet.first_serial, booklet.last_serial + 1))
    assert len(serials) == total
    mixes = [
        {},
        {PassStatus.REDEEMED: total},
        {PassStatus.REDEEMED: 1},
        {PassStatus.BLOCKED: total},
        {PassStatus.REDEEMED: 2, PassStatus.BLOCKED: total - 2},
        {PassStatus.REPLACED: total},
        {PassStatus.BLOCKED: 1},
        {PassStatus.EXPIRED: total},
        {PassStatus.REDEEMED: 3, PassStatus.EXPIRED: total - 3},
        {PassStatus.REDEEMED: 1, PassStatus.REPLACED: 1},
    ]
    for mix in mixes:
        Pass.objects.filter(serial__in=serials).update(status=PassStatus.ACTIVE)
        position = 0
        for status, count in mix.items():
            Pass.objects.filter(serial__in=serials[position : position + count]).update(
                status=status
            )
            position += count
        counts = PassCounts(
            total=total,
            redeemed=mix.get(PassStatus.REDEEMED, 0),
            blocked=mix.get(PassStatus.BLOCKED, 0) + mix.get(PassStatus.REPLACED, 0),
            expired=mix.get(PassStatus.EXPIRED, 0),
        )
        expected = state_from_counts(counts, handed_out=False, held_by_distributor=False)
        fresh = Booklet.objects.get(pk=booklet.pk)
        assert sql_states(order)[booklet.number] == expected, mix
        assert booklet_state(fresh) == expected, mix
        row = with_pass_counts(Booklet.objects.filter(pk=booklet.pk)).get()
        assert (row.redeemed_count, row.blocked_count, row.expired_count, row.pass_total) == (
            counts.redeemed,
            counts.blocked,
            counts.expired,
            total,
        )


def test_state_counts_is_one_query(world, sponsor):
    order, distributor = world
    b = booklets(order)
    assign_booklets(
        acting=sponsor,
        order=order,
        distributor=distributor.organisation,
        selection=BookletNumbers(b[0].number, b[3].number),
    )
    with CaptureQueriesContext(connection) as queries:
        counts = state_counts(Booklet.objects.filter(order=order))
    reads = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1  # (on PostgreSQL, around it: a savepoint and SET LOCAL jit = off)
    assert counts[BookletState.AT_DISTRIBUTOR] == 4
    assert counts[BookletState.IN_STOCK] == 6
    assert sum(counts.values()) == 10
