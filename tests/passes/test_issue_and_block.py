"""Issuing booklets and passes, blocking serial ranges, and expiry at the end of validity."""

import datetime

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import InvalidInput
from passnum.ledger.models import Account
from passnum.ledger.selectors import balance_of
from passnum.ledger.services import escrow_code, refundable_code
from passnum.orders.exceptions import AlreadyIssued, InvalidOrder
from passnum.orders.services import cancel_order, record_payment
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.exceptions import InvalidRange, NoPassesChanged, NotYetExpired
from passnum.passes.models import Booklet, Pass, PassEvent
from passnum.passes.services import (
    MAX_RANGE,
    block_passes,
    expire_order_passes,
    issue_passes,
    unblock_passes,
)
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.exceptions import RedemptionRefused
from passnum.redemptions.rules import Reason
from passnum.redemptions.services import redeem_passes
from tests.factories import a_service, make_acting, make_order, offer, passes_of


def statuses(order):
    return [item.status for item in passes_of(order)]


def balance(code):
    return balance_of(Account.objects.get(code=code))


def refusal_code(provider, place, item):
    offer(place, price_cents=1000)
    with pytest.raises(RedemptionRefused) as caught:
        redeem_passes(
            acting=provider, place=place, service=a_service(), price_cents=1000, codes=[item.code]
        )
    return caught.value.details[0]["code"]


# Issuing


@pytest.mark.parametrize(("quantity", "booklet_size"), [(30, 10), (2000, 5)])
def test_issue_creates_booklets_of_consecutive_serials(sponsor, operator, quantity, booklet_size):
    order = make_order(
        sponsor=sponsor,
        operator=operator,
        quantity=quantity,
        booklet_size=booklet_size,
        paid=False,
        issued=False,
    )
    issued = issue_passes(acting=operator, order=order)
    assert issued.issued_at is not None
    items = passes_of(order)
    assert len(items) == quantity
    serials = [item.serial for item in items]
    assert serials == list(range(serials[0], serials[0] + quantity))
    booklets = list(Booklet.objects.filter(order=order).order_by("number"))
    assert len(booklets) == quantity // booklet_size
    assert [b.number for b in booklets] == list(range(booklets[0].number, booklets[-1].number + 1))
    for booklet in booklets:
        own = [item for item in items if item.booklet_id == booklet.pk]
        assert len(own) == booklet_size
        assert (own[0].serial, own[-1].serial) == (booklet.first_serial, booklet.last_serial)
    codes = [item.code for item in items]
    assert len(set(codes)) == quantity
    assert all(pass_codes.problem_with(code) is None for code in codes)
    assert set(statuses(order)) == {PassStatus.INACTIVE}
    event = PassEvent.objects.get(order=order)
    assert (event.serial_first, event.serial_last, event.pass_count) == (
        serials[0],
        serials[-1],
        quantity,
    )
    assert event.actor == operator.user


def test_passes_activate_when_the_order_is_paid(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False)
    assert set(statuses(order)) == {PassStatus.INACTIVE}
    record_payment(acting=operator, order=order, amount_cents=order.total_due_cents)
    assert set(statuses(order)) == {PassStatus.ACTIVE}
    assert check_ledger() == []


def test_passes_of_an_order_paid_before_issuing_are_active_at_once(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=True, issued=False)
    assert not passes_of(order)
    issue_passes(acting=operator, order=order)
    assert set(statuses(order)) == {PassStatus.ACTIVE}
    assert check_ledger() == []


def test_issuing_twice_is_refused(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False)
    with pytest.raises(AlreadyIssued):
        issue_passes(acting=operator, order=order)
    assert Pass.objects.filter(order=order).count() == 10


@pytest.mark.parametrize("kind", [OrganisationKind.SPONSOR, OrganisationKind.PROVIDER])
def test_only_the_operator_issues(sponsor, operator, kind):
    order = make_order(sponsor=sponsor, operator=operator, paid=False, issued=False)
    acting = sponsor if kind == OrganisationKind.SPONSOR else make_acting(kind)
    with pytest.raises(WrongOrganisationKind):
        issue_passes(acting=acting, order=order)
    assert not passes_of(order)


def test_a_cancelled_order_is_not_issued(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False, issued=False)
    cancel_order(acting=sponsor, order=order, reason="")
    with pytest.raises(InvalidOrder):
        issue_passes(acting=operator, order=order)
    assert not passes_of(order)


def test_serials_of_two_orders_do_not_overlap(sponsor, operator):
    first, second = (make_order(sponsor=sponsor, operator=operator) for _ in range(2))
    a, b = [item.serial for item in passes_of(first)], [item.serial for item in passes_of(second)]
    assert max(a) < min(b) or max(b) < min(a)
    numbers = Booklet.objects.values_list("number", flat=True)
    assert len(set(numbers)) == len(numbers) == 2


# Blocking


def test_a_sponsor_blocks_a_range_of_its_own_passes(sponsor, operator, provider, place):
    order = make_order(sponsor=sponsor, operator=operator)
    items = passes_of(order)
    first, last = items[2].serial, items[4].serial
    assert block_passes(acting=sponsor, serial_first=first, serial_last=last, reason="vol") == 3
    assert (
        statuses(order)
        == [PassStatus.ACTIVE] * 2 + [PassStatus.BLOCKED] * 3 + [PassStatus.ACTIVE] * 5
    )
    event = PassEvent.objects.get(to_status=PassStatus.BLOCKED)
    assert (event.serial_first, event.serial_last, event.pass_count) == (first, last, 3)
    assert (event.actor, event.reason) == (sponsor.user, "vol")
    assert refusal_code(provider, place, items[3]) == Reason.BLOCKED
    assert check_ledger() == []  # blocking moves no money


@pytest.mark.parametrize("service", [block_passes, unblock_passes])
def test_a_reason_with_a_control_character_is_refused(sponsor, operator, service):
    item = passes_of(make_order(sponsor=sponsor, operator=operator, quantity=10))[0]
    events = PassEvent.objects.count()
    with pytest.raises(InvalidInput):
        service(acting=sponsor, serial_first=item.serial, serial_last=item.serial, reason="a\x00b")
    assert Pass.objects.get(pk=item.pk).status == item.status
    assert PassEvent.objects.count() == events


def test_a_sponsor_cannot_block_another_sponsors_passes(sponsor, operator):
    other = make_order(sponsor=make_acting(OrganisationKind.SPONSOR), operator=operator)
    items = passes_of(other)
    with pytest.raises(NoPassesChanged):
        block_passes(
            acting=sponsor, serial_first=items[0].serial, serial_last=items[-1].serial, reason=""
        )
    assert set(statuses(other)) == {PassStatus.ACTIVE}
    mine = make_order(sponsor=sponsor, operator=operator)
    both = block_passes(
        acting=sponsor,
        serial_first=items[0].serial,
        serial_last=passes_of(mine)[-1].serial,
        reason="",
    )
    assert both == 10
    assert set(statuses(other)) == {PassStatus.ACTIVE}


def test_the_operator_blocks_any_pass_and_a_provider_none(sponsor, operator, provider):
    item = passes_of(make_order(sponsor=sponsor, operator=operator))[0]
    with pytest.raises(WrongOrganisationKind):
        block_passes(acting=provider, serial_first=item.serial, serial_last=item.serial, reason="")
    assert block_passes(
        acting=operator, serial_first=item.serial, serial_last=item.serial, reason=""
    )
    with pytest.raises(NoPassesChanged):  # already blocked
        block_passes(acting=operator, serial_first=item.serial, serial_last=item.serial, reason="")


@pytest.mark.parametrize(
    ("paid", "back_to"), [(True, PassStatus.ACTIVE), (False, PassStatus.INACTIVE)]
)
def test_unblock_returns_to_active_or_inactive(sponsor, operator, paid, back_to):
    order = make_order(sponsor=sponsor, operator=operator, paid=paid)
    items = passes_of(order)
    first, last = items[0].serial, items[-1].serial
    block_passes(acting=sponsor, serial_first=first, serial_last=last, reason="perte")
    count = unblock_passes(acting=sponsor, serial_first=first, serial_last=last, reason="retrouvé")
    assert count == 10
    assert set(statuses(order)) == {back_to}
    event = PassEvent.objects.get(from_statuses=[PassStatus.BLOCKED])
    assert (event.to_status, event.actor, event.reason) == (back_to, sponsor.user, "retrouvé")
    with pytest.raises(NoPassesChanged):
        unblock_passes(acting=sponsor, serial_first=first, serial_last=last, reason="")
    assert check_ledger() == []


def test_unblocking_paid_and_unpaid_passes_logs_each_new_state(sponsor, operator):
    paid = make_order(sponsor=sponsor, operator=operator)
    unpaid = make_order(sponsor=sponsor, operator=operator, paid=False)
    first, last = passes_of(paid)[0].serial, passes_of(unpaid)[-1].serial
    block_passes(acting=operator, serial_first=first, serial_last=last, reason="")
    assert unblock_passes(acting=operator, serial_first=first, serial_last=last, reason="") == 20
    assert (set(statuses(paid)), set(statuses(unpaid))) == (
        {PassStatus.ACTIVE},
        {PassStatus.INACTIVE},
    )
    events = PassEvent.objects.filter(from_statuses=[PassStatus.BLOCKED])
    assert sorted(events.values_list("to_status", "pass_count")) == [
        (PassStatus.ACTIVE, 10),
        (PassStatus.INACTIVE, 10),
    ]


@pytest.mark.parametrize(
    ("first", "last"), [(10, 9), (0, 5), (1, MAX_RANGE + 1), (5, 5 + MAX_RANGE)]
)
def test_invalid_ranges(operator, first, last):
    for change in (block_passes, unblock_passes):
        with pytest.raises(InvalidRange):
            change(acting=operator, serial_first=first, serial_last=last, reason="")


def test_the_largest_range_is_accepted(operator):
    with pytest.raises(NoPassesChanged):  # valid, but there is nothing in it
        block_passes(acting=operator, serial_first=1, serial_last=MAX_RANGE, reason="")


# Expiry


def test_nothing_expires_before_the_end_of_validity_plus_tolerance(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator)
    with pytest.raises(NotYetExpired):
        expire_order_passes(actor=operator.user, order=order, today=order.expires_on)
    assert set(statuses(order)) == {PassStatus.ACTIVE}


def test_expiry_moves_the_unused_value_to_the_sponsor(sponsor, operator, provider, place):
    order = make_order(sponsor=sponsor, operator=operator)
    items = passes_of(order)
    offer(place, price_cents=2000)
    redeem_passes(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=2000,
        codes=[item.code for item in items[:2]],
    )
    block_passes(
        acting=sponsor, serial_first=items[2].serial, serial_last=items[2].serial, reason=""
    )
    later = order.expires_on + datetime.timedelta(days=1)
    assert expire_order_passes(actor=operator.user, order=order, today=later) == 8
    assert statuses(order) == [PassStatus.REDEEMED] * 2 + [PassStatus.EXPIRED] * 8
    assert balance(escrow_code(order.pk)) == 0
    assert balance(refundable_code(sponsor.organisation.pk)) == -8000
    assert check_ledger() == []
    assert refusal_code(provider, place, items[3]) == Reason.EXPIRED
    assert expire_order_passes(actor=operator.user, order=order, today=later) == 0
    assert balance(refundable_code(sponsor.organisation.pk)) == -8000


def test_unpaid_passes_expire_without_moving_money(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False)
    later = order.expires_on + datetime.timedelta(days=1)
    assert expire_order_passes(actor=operator.user, order=order, today=later) == 10
    assert set(statuses(order)) == {PassStatus.EXPIRED}
    assert balance(refundable_code(sponsor.organisation.pk)) == 0
    assert check_ledger() == []
