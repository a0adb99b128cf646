"""Distribution services: a sponsor assigns booklets to its distributors and takes them back; a
distributor records hand-outs (one, a range, a CSV file); references are purged."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import NotFound
from passnum.jobs.registry import daily_jobs
from passnum.passes.distribution import (
    BookletNumbers,
    NextInStock,
    SerialRange,
    assign_booklets,
    distribution_stop_date,
    purge_handout_references,
    record_handout,
    record_handouts,
    withdraw_booklets,
)
from passnum.passes.enums import AssignmentKind, BookletState, PassStatus
from passnum.passes.exceptions import (
    BookletsHandedOut,
    BookletsNotInStock,
    DistributionStopped,
    HandOutRefused,
    InvalidBookletRange,
    NotDistributable,
    NotEnoughStock,
    NothingToWithdraw,
)
from passnum.passes.models import Booklet, BookletAssignment, HandOut, Pass
from passnum.passes.services import block_passes
from passnum.passes.states import booklet_state
from tests.factories import make_acting, make_distributor, make_order

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def later(days: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=days)


@pytest.fixture
def order(sponsor, operator):
    return make_order(sponsor=sponsor, operator=operator, quantity=200, valid_until=later(200))


@pytest.fixture
def distributor(sponsor):
    return make_distributor(sponsor)


def numbers(order):
    return list(
        Booklet.objects.filter(order=order).order_by("number").values_list("number", flat=True)
    )


def holders(order):
    return dict(Booklet.objects.filter(order=order).values_list("number", "distributor_id"))


def assign(sponsor, order, distributor, selection):
    return assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=selection
    )


def backdate_assignment(order, days: int) -> None:
    """As if the booklets had been assigned `days` ago (hand-outs cannot predate it)."""
    Booklet.objects.filter(order=order, distributor__isnull=False).update(
        assigned_at=timezone.now() - datetime.timedelta(days=days)
    )


# --- Assignment ----------------------------------------------------------------------------------


def test_assign_a_range_of_booklet_numbers_and_log_it(sponsor, order, distributor):
    n = numbers(order)
    assert assign(sponsor, order, distributor, BookletNumbers(n[2], n[6])) == 5
    held = holders(order)
    assert [held[x] for x in n[2:7]] == [distributor.organisation.pk] * 5
    assert held[n[1]] is None and held[n[7]] is None
    log = BookletAssignment.objects.get(order=order)
    assert (log.kind, log.first_number, log.last_number, log.booklet_count) == (
        AssignmentKind.ASSIGN,
        n[2],
        n[6],
        5,
    )
    assert (log.from_distributor, log.to_distributor) == (None, distributor.organisation)
    assert (log.actor, log.acting_organisation) == (sponsor.user, sponsor.organisation)
    assert booklet_state(Booklet.objects.get(number=n[2])) == BookletState.AT_DISTRIBUTOR


def test_assign_by_serial_range_needs_whole_booklets(sponsor, order, distributor):
    booklets = list(Booklet.objects.filter(order=order).order_by("number"))
    first, last = booklets[1].first_serial, booklets[3].last_serial
    assert assign(sponsor, order, distributor, SerialRange(first, last)) == 3
    with pytest.raises(InvalidBookletRange):
        assign(sponsor, order, distributor, SerialRange(first + 30, last + 31))
    with pytest.raises(InvalidBookletRange):
        assign(
            sponsor,
            order,
            distributor,
            SerialRange(booklets[5].first_serial + 1, booklets[6].last_serial),
        )
    assert BookletAssignment.objects.count() == 1


def test_assign_the_next_n_booklets_in_stock_skips_assigned_and_blocked_ones(
    sponsor, order, distributor
):
    n = numbers(order)
    other = make_distributor(sponsor)
    assign(sponsor, order, other, BookletNumbers(n[1], n[2]))
    blocked = Booklet.objects.get(number=n[4])
    block_passes(
        acting=sponsor,
        serial_first=blocked.first_serial,
        serial_last=blocked.first_serial,
        reason="perdu",
    )
    assert assign(sponsor, order, distributor, NextInStock(4)) == 4
    mine = [
        x for x, holder in sorted(holders(order).items()) if holder == distributor.organisation.pk
    ]
    assert mine == [n[0], n[3], n[5], n[6]]
    runs = list(
        BookletAssignment.objects.filter(to_distributor=distributor.organisation)
        .order_by("first_number")
        .values_list("first_number", "last_number")
    )
    assert runs == [(n[0], n[0]), (n[3], n[3]), (n[5], n[6])]
    with pytest.raises(NotEnoughStock):
        assign(sponsor, order, distributor, NextInStock(100))


def test_assigning_booklets_already_assigned_writes_nothing(sponsor, order, distributor):
    n = numbers(order)
    assign(sponsor, order, distributor, BookletNumbers(n[3], n[4]))
    other = make_distributor(sponsor)
    with pytest.raises(BookletsNotInStock) as caught:
        assign(sponsor, order, other, BookletNumbers(n[0], n[5]))
    assert caught.value.params["count"] == 2
    assert holders(order)[n[0]] is None
    assert BookletAssignment.objects.count() == 1


def test_a_range_must_be_booklets_of_that_order(sponsor, operator, order, distributor):
    second = make_order(sponsor=sponsor, operator=operator, quantity=20, valid_until=later(200))
    first_of_second = numbers(second)[0]
    with pytest.raises(InvalidBookletRange):
        assign(sponsor, order, distributor, BookletNumbers(numbers(order)[-1], first_of_second))
    with pytest.raises(InvalidBookletRange):
        assign(sponsor, order, distributor, BookletNumbers(5, 4))
    assert not Booklet.objects.filter(distributor__isnull=False).exists()


def test_only_paid_orders_before_the_stop_date_are_distributed(
    sponsor, operator, distributor, settings
):
    unpaid = make_order(
        sponsor=sponsor, operator=operator, quantity=10, paid=False, valid_until=later(200)
    )
    with pytest.raises(NotDistributable):
        assign(sponsor, unpaid, distributor, NextInStock(1))
    settings.PASSNUM_DISTRIBUTION_STOP_DAYS = 15
    soon = make_order(sponsor=sponsor, operator=operator, quantity=10, valid_until=later(14))
    assert distribution_stop_date(soon) == later(-1)
    with pytest.raises(DistributionStopped):
        assign(sponsor, soon, distributor, NextInStock(1))
    settings.PASSNUM_DISTRIBUTION_STOP_DAYS = 10
    assert assign(sponsor, soon, distributor, NextInStock(1)) == 1


def test_a_sponsor_assigns_only_its_own_orders_to_its_own_distributors(sponsor, order, distributor):
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    theirs = make_distributor(other_sponsor)
    with pytest.raises(NotFound):  # another sponsor's order
        assign(other_sponsor, order, theirs, NextInStock(1))
    with pytest.raises(NotFound):  # a distributor that does not work for this sponsor
        assign(sponsor, order, theirs, NextInStock(1))
    colleague_of_distributor = make_acting(
        OrganisationKind.DISTRIBUTOR, organisation=distributor.organisation
    )
    with pytest.raises(WrongOrganisationKind):
        assign(colleague_of_distributor, order, distributor, NextInStock(1))
    assert not Booklet.objects.filter(distributor__isnull=False).exists()


def test_assigning_many_booklets_costs_the_same_few_queries(sponsor, operator, distributor):
    small = make_order(sponsor=sponsor, operator=operator, quantity=100, valid_until=later(200))
    big = make_order(sponsor=sponsor, operator=operator, quantity=10_000, valid_until=later(200))
    counts = []
    for order, count in ((small, 5), (big, 500)):
        n = numbers(order)
        with CaptureQueriesContext(connection) as queries:
            assert assign(sponsor, order, distributor, BookletNumbers(n[0], n[count - 1])) == count
        counts.append(len(queries))
    for order, count in ((small, 5), (big, 500)):
        with CaptureQueriesContext(connection) as queries:
            assert assign(sponsor, order, distributor, NextInStock(count - 2)) == count - 2
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12
    assert counts[2] == counts[3] <= 12


# --- Withdrawal ----------------------------------------------------------------------------------


def test_withdraw_brings_booklets_back_to_stock_logged_per_holder(sponsor, order, distributor):
    n = numbers(order)
    other = make_distributor(sponsor)
    assign(sponsor, order, distributor, BookletNumbers(n[0], n[2]))
    assign(sponsor, order, other, BookletNumbers(n[3], n[4]))
    assert withdraw_booklets(acting=sponsor, order=order, selection=BookletNumbers(n[1], n[4])) == 4
    held = holders(order)
    assert held[n[0]] == distributor.organisation.pk
    assert all(held[x] is None for x in n[1:5])
    logs = list(
        BookletAssignment.objects.filter(kind=AssignmentKind.WITHDRAW)
        .order_by("first_number")
        .values_list("first_number", "last_number", "from_distributor", "to_distributor")
    )
    assert logs == [
        (n[1], n[2], distributor.organisation.pk, None),
        (n[3], n[4], other.organisation.pk, None),
    ]
    assert Booklet.objects.get(number=n[1]).assigned_at is None


def test_withdraw_only_from_one_distributor(sponsor, order, distributor):
    n = numbers(order)
    other = make_distributor(sponsor)
    assign(sponsor, order, distributor, BookletNumbers(n[0], n[1]))
    assign(sponsor, order, other, BookletNumbers(n[2], n[3]))
    count = withdraw_booklets(
        acting=sponsor,
        order=order,
        selection=BookletNumbers(n[0], n[3]),
        distributor=other.organisation,
    )
    assert count == 2
    assert holders(order)[n[0]] == distributor.organisation.pk


def test_nothing_is_withdrawn_once_a_booklet_of_the_range_is_handed_out(
    sponsor, order, distributor
):
    n = numbers(order)
    assign(sponsor, order, distributor, BookletNumbers(n[0], n[3]))
    record_handout(acting=distributor, booklet_number=n[2], handed_out_on=TODAY(), public="senior")
    with pytest.raises(BookletsHandedOut) as caught:
        withdraw_booklets(acting=sponsor, order=order, selection=BookletNumbers(n[0], n[3]))
    assert str(n[2]) in str(caught.value)
    assert all(holders(order)[x] == distributor.organisation.pk for x in n[0:4])
    with pytest.raises(NothingToWithdraw):
        withdraw_booklets(acting=sponsor, order=order, selection=BookletNumbers(n[5], n[6]))


def test_another_sponsor_cannot_withdraw(sponsor, order, distributor):
    n = numbers(order)
    assign(sponsor, order, distributor, BookletNumbers(n[0], n[0]))
    with pytest.raises(NotFound):
        withdraw_booklets(
            acting=make_acting(OrganisationKind.SPONSOR),
            order=order,
            selection=BookletNumbers(n[0], n[0]),
        )
    assert holders(order)[n[0]] == distributor.organisation.pk


# --- Hand-outs -----------------------------------------------------------------------------------


@pytest.fixture
def stocked(sponsor, order, distributor):
    n = numbers(order)
    assign(sponsor, order, distributor, BookletNumbers(n[0], n[9]))
    backdate_assignment(order, 10)
    return n


def refusal(call):
    with pytest.raises(HandOutRefused) as caught:
        call()
    return caught.value


def test_record_one_handout(distributor, stocked):
    handout = record_handout(
        acting=distributor,
        booklet_number=stocked[0],
        handed_out_on=later(-3),
        public="job_seeker",
        reference="  DOS-2027-17 ",
    )
    assert (handout.handed_out_on, handout.public, handout.reference) == (
        later(-3),
        "job_seeker",
        "DOS-2027-17",
    )
    assert handout.recorded_by == distributor.user
    assert booklet_state(handout.booklet) == BookletState.HANDED_OUT
    error = refusal(
        lambda: record_handout(
            acting=distributor, booklet_number=stocked[0], handed_out_on=TODAY(), public="senior"
        )
    )
    assert error.details[0]["code"] == "already_handed_out"
    assert HandOut.objects.count() == 1


@pytest.mark.parametrize(
    ("days", "public", "reference", "code"),
    [
        (1, "senior", "", "handout_in_future"),
        (-11, "senior", "", "handout_before_assignment"),
        (0, "all", "", "invalid_public"),
        (0, "nobody", "", "invalid_public"),
        (0, "senior", "x" * 41, "invalid_reference"),
        (0, "senior", "abc\x00def", "invalid_reference"),
    ],
)
def test_handout_rules(distributor, stocked, days, public, reference, code):
    error = refusal(
        lambda: record_handout(
            acting=distributor,
            booklet_number=stocked[1],
            handed_out_on=later(days),
            public=public,
            reference=reference,
        )
    )
    assert error.details[0]["code"] == code
    assert not HandOut.objects.exists()


def test_no_handout_after_the_distribution_stop_date(sponsor, operator, distributor, settings):
    order = make_order(sponsor=sponsor, operator=operator, quantity=10, valid_until=later(40))
    assign(sponsor, order, distributor, NextInStock(1))
    backdate_assignment(order, 30)
    number = numbers(order)[0]
    settings.PASSNUM_DISTRIBUTION_STOP_DAYS = 45  # the stop date was 5 days ago
    error = refusal(
        lambda: record_handout(
            acting=distributor, booklet_number=number, handed_out_on=TODAY(), public="rsa"
        )
    )
    assert error.details[0]["code"] == "distribution_stopped"
    # handed out before the stop date, recorded late: accepted
    record_handout(acting=distributor, booklet_number=number, handed_out_on=later(-6), public="rsa")


def test_no_handout_of_a_blocked_or_expired_booklet(sponsor, operator, distributor, stocked, order):
    blocked = Booklet.objects.get(number=stocked[2])
    block_passes(
        acting=distributor,
        serial_first=blocked.first_serial,
        serial_last=blocked.last_serial,
        reason="volé",
    )
    error = refusal(
        lambda: record_handout(
            acting=distributor, booklet_number=stocked[2], handed_out_on=TODAY(), public="rsa"
        )
    )
    assert error.details[0]["code"] == "booklet_blocked"
    expired = Booklet.objects.get(number=stocked[3])
    Pass.objects.filter(serial__gte=expired.first_serial, serial__lte=expired.last_serial).update(
        status=PassStatus.EXPIRED
    )
    error = refusal(
        lambda: record_handout(
            acting=distributor, booklet_number=stocked[3], handed_out_on=TODAY(), public="rsa"
        )
    )
    assert error.details[0]["code"] == "booklet_expired"


def test_a_distributor_hands_out_only_its_own_booklets(sponsor, order, distributor, stocked):
    other = make_distributor(sponsor)
    n = numbers(order)
    assign(sponsor, order, other, BookletNumbers(n[15], n[15]))
    for number in (stocked[0], n[18]):  # another distributor's booklet, one still in stock
        error = refusal(
            lambda number=number: record_handout(
                acting=other, booklet_number=number, handed_out_on=TODAY(), public="rsa"
            )
        )
        assert error.details[0]["code"] == "booklet_not_held"
    with pytest.raises(WrongOrganisationKind):
        record_handout(
            acting=sponsor, booklet_number=stocked[0], handed_out_on=TODAY(), public="rsa"
        )
    assert not HandOut.objects.exists()


def test_a_range_of_handouts_is_all_or_nothing(distributor, stocked):
    record_handout(
        acting=distributor, booklet_number=stocked[5], handed_out_on=TODAY(), public="rsa"
    )
    error = refusal(
        lambda: record_handouts(
            acting=distributor,
            first_number=stocked[3],
            last_number=stocked[7],
            handed_out_on=TODAY(),
            public="young_16_25",
        )
    )
    assert [d["booklet"] for d in error.details] == [stocked[5]]
    assert HandOut.objects.count() == 1
    count = record_handouts(
        acting=distributor,
        first_number=stocked[0],
        last_number=stocked[4],
        handed_out_on=later(-2),
        public="young_16_25",
    )
    assert count == 5
    assert set(
        HandOut.objects.filter(public="young_16_25").values_list("booklet__number", flat=True)
    ) == set(stocked[0:5])


def test_handing_out_thousands_of_booklets_is_a_few_queries(sponsor, operator, distributor):
    order = make_order(sponsor=sponsor, operator=operator, quantity=10_000, valid_until=later(200))
    n = numbers(order)
    assign(sponsor, order, distributor, NextInStock(1000))
    with CaptureQueriesContext(connection) as queries:
        count = record_handouts(
            acting=distributor,
            first_number=n[0],
            last_number=n[999],
            handed_out_on=TODAY(),
            public="senior",
        )
    assert count == 1000
    assert len(queries) <= 8


# --- Purge of references -------------------------------------------------------------------------


def test_references_are_purged_after_the_retention_period(distributor, stocked, settings, order):
    settings.PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS = 5
    backdate_assignment(order, 30)
    record_handout(
        acting=distributor,
        booklet_number=stocked[0],
        handed_out_on=later(-6),
        public="rsa",
        reference="A-1",
    )
    record_handout(
        acting=distributor,
        booklet_number=stocked[1],
        handed_out_on=later(-5),
        public="rsa",
        reference="A-2",
    )
    record_handout(
        acting=distributor, booklet_number=stocked[2], handed_out_on=later(-20), public="rsa"
    )
    now = timezone.now()
    assert purge_handout_references(now=now) == 1
    old = HandOut.objects.get(booklet__number=stocked[0])
    assert (old.reference, old.reference_purged_at) == ("", now)
    assert old.public == "rsa" and old.handed_out_on == later(-6)  # the hand-out itself stays
    assert HandOut.objects.get(booklet__number=stocked[1]).reference == "A-2"
    assert purge_handout_references(now=now) == 0  # idempotent
    settings.PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS = 1
    call_command("distribution", "purge-references")
    assert HandOut.objects.get(booklet__number=stocked[1]).reference == ""


def test_the_purge_is_a_daily_job(distributor, stocked, settings, order):
    settings.PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS = 0
    backdate_assignment(order, 30)
    record_handout(
        acting=distributor,
        booklet_number=stocked[0],
        handed_out_on=later(-1),
        public="rsa",
        reference="B-1",
    )
    summary = daily_jobs()["purge_handout_references"]()
    assert "1" in summary
    assert HandOut.objects.get().reference == ""
