"""Blocking by a distributor (within the booklets it holds) and reissue of blocked unused passes
by the operator: new codes, same order and escrow, logged, and `passnum ledger check` holds."""

import datetime

import pytest
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.ledger.models import Account
from passnum.ledger.selectors import balance_of
from passnum.ledger.services import escrow_code
from passnum.orders.services import cancel_order
from passnum.passes import codes as pass_codes
from passnum.passes.distribution import BookletNumbers, assign_booklets, record_handout
from passnum.passes.enums import AssignmentKind, BookletState, PassStatus
from passnum.passes.exceptions import NoPassesChanged
from passnum.passes.models import Booklet, BookletAssignment, Pass, PassEvent, PassReplacement
from passnum.passes.services import (
    block_passes,
    expire_order_passes,
    reissue_passes,
    unblock_passes,
)
from passnum.passes.states import booklet_state
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.exceptions import RedemptionRefused
from passnum.redemptions.services import redeem_passes
from tests.factories import a_service, make_acting, make_distributor, make_order, offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sponsor, operator):
    order = make_order(
        sponsor=sponsor,
        operator=operator,
        quantity=50,
        valid_until=timezone.localdate() + datetime.timedelta(days=200),
    )
    distributor = make_distributor(sponsor)
    booklets = list(Booklet.objects.filter(order=order).order_by("number"))
    assign_booklets(
        acting=sponsor,
        order=order,
        distributor=distributor.organisation,
        selection=BookletNumbers(booklets[0].number, booklets[1].number),
    )
    return order, distributor, booklets


def statuses(first, last):
    return list(
        Pass.objects.filter(serial__gte=first, serial__lte=last)
        .order_by("serial")
        .values_list("status", flat=True)
    )


def escrow(order):
    return -balance_of(Account.objects.get(code=escrow_code(order.pk)))


# --- Blocking by a distributor -------------------------------------------------------------------


def test_a_distributor_blocks_only_passes_of_booklets_it_holds(world):
    _order, distributor, booklets = world
    held, other = booklets[1], booklets[2]
    count = block_passes(
        acting=distributor,
        serial_first=held.first_serial + 3,
        serial_last=other.last_serial,
        reason="Carnet perdu",
    )
    assert count == 7
    assert (
        statuses(held.first_serial, held.last_serial)
        == [PassStatus.ACTIVE] * 3 + [PassStatus.BLOCKED] * 7
    )
    assert set(statuses(other.first_serial, other.last_serial)) == {PassStatus.ACTIVE}
    with pytest.raises(NoPassesChanged):
        block_passes(
            acting=distributor,
            serial_first=other.first_serial,
            serial_last=other.last_serial,
            reason="pas à moi",
        )
    with pytest.raises(WrongOrganisationKind):  # a distributor cannot lift a block
        unblock_passes(
            acting=distributor,
            serial_first=held.first_serial,
            serial_last=held.last_serial,
            reason="retrouvé",
        )


def test_another_distributor_blocks_nothing_of_this_stock(world, sponsor):
    _order, _distributor, booklets = world
    stranger = make_distributor(make_acting(OrganisationKind.SPONSOR))
    with pytest.raises(NoPassesChanged):
        block_passes(
            acting=stranger,
            serial_first=booklets[0].first_serial,
            serial_last=booklets[1].last_serial,
            reason="?",
        )
    assert set(statuses(booklets[0].first_serial, booklets[1].last_serial)) == {PassStatus.ACTIVE}


# --- Reissue -------------------------------------------------------------------------------------


def test_reissue_replaces_blocked_unused_passes_in_a_new_booklet_for_the_same_holder(
    world, operator, sponsor, provider, place
):
    order, distributor, booklets = world
    lost = booklets[0]
    record_handout(
        acting=distributor,
        booklet_number=lost.number,
        handed_out_on=timezone.localdate(),
        public="senior",
    )
    offer(place, price_cents=1000)
    first = Pass.objects.get(serial=lost.first_serial)
    redeem_passes(
        acting=provider, place=place, service=a_service(), price_cents=1000, codes=[first.code]
    )
    block_passes(
        acting=distributor,
        serial_first=lost.first_serial,
        serial_last=lost.last_serial,
        reason="volé",
    )
    before = escrow(order)
    assert before == 49 * order.face_value_cents
    assert check_ledger() == []

    result = reissue_passes(
        acting=operator,
        serial_first=lost.first_serial,
        serial_last=lost.last_serial,
        reason="Vol déclaré",
    )

    assert result.count == 9
    (new,) = result.booklets
    new.refresh_from_db()
    assert (new.order, new.distributor) == (order, distributor.organisation)
    assert (
        new.last_serial - new.first_serial + 1 == 9 and new.first_serial > booklets[-1].last_serial
    )
    assert (
        statuses(lost.first_serial, lost.last_serial)
        == [PassStatus.REDEEMED] + [PassStatus.REPLACED] * 9
    )
    fresh = list(Pass.objects.filter(booklet=new).order_by("serial"))
    assert {item.status for item in fresh} == {PassStatus.ACTIVE}
    assert all(pass_codes.problem_with(item.code) is None for item in fresh)
    old_codes = set(Pass.objects.filter(booklet=lost).values_list("code", flat=True))
    assert not old_codes & {item.code for item in fresh}
    pairs = list(
        PassReplacement.objects.order_by("new_pass__serial").values_list(
            "old_pass__serial", "new_pass__serial"
        )
    )
    assert pairs == list(
        zip(
            range(lost.first_serial + 1, lost.last_serial + 1),
            [p.serial for p in fresh],
            strict=True,
        )
    )
    events = list(
        PassEvent.objects.filter(
            order=order, to_status__in=[PassStatus.REPLACED, PassStatus.ACTIVE]
        ).order_by("pk")
    )[-2:]
    assert [(e.to_status, e.pass_count, e.actor) for e in events] == [
        (PassStatus.REPLACED, 9, operator.user),
        (PassStatus.ACTIVE, 9, operator.user),
    ]
    log = BookletAssignment.objects.get(kind=AssignmentKind.REISSUE)
    assert (log.first_number, log.to_distributor) == (new.number, distributor.organisation)
    # the ledger did not move and still ties to the passes
    assert escrow(order) == before
    assert check_ledger() == []
    assert booklet_state(lost) == BookletState.BLOCKED
    assert booklet_state(new) == BookletState.AT_DISTRIBUTOR
    # the old codes are refused, the new ones pay
    old = Pass.objects.get(serial=lost.first_serial + 1)
    with pytest.raises(RedemptionRefused) as caught:
        redeem_passes(
            acting=provider, place=place, service=a_service(), price_cents=1000, codes=[old.code]
        )
    assert caught.value.details[0]["code"] == "blocked"
    redeem_passes(
        acting=provider, place=place, service=a_service(), price_cents=1000, codes=[fresh[0].code]
    )
    assert check_ledger() == []
    with pytest.raises(NoPassesChanged):  # nothing left to replace
        reissue_passes(
            acting=operator,
            serial_first=lost.first_serial,
            serial_last=lost.last_serial,
            reason="encore",
        )


def test_the_ledger_check_holds_through_expiry_after_a_reissue(world, operator, sponsor):
    order, _distributor, booklets = world
    block_passes(
        acting=sponsor,
        serial_first=booklets[3].first_serial,
        serial_last=booklets[4].last_serial,
        reason="perdus",
    )
    result = reissue_passes(
        acting=operator,
        serial_first=booklets[3].first_serial,
        serial_last=booklets[4].last_serial,
        reason="r",
    )
    assert result.count == 20 and len(result.booklets) == 2
    assert all(b.distributor_id is None for b in result.booklets)  # they came from stock
    assert check_ledger() == []
    expired = expire_order_passes(
        actor=operator.user, order=order, today=order.expires_on + datetime.timedelta(days=1)
    )
    assert expired == 50  # 30 untouched + 20 replacements; the 20 replaced stay replaced
    assert Pass.objects.filter(order=order, status=PassStatus.REPLACED).count() == 20
    assert escrow(order) == 0
    assert check_ledger() == []


def test_reissue_of_an_unpaid_order_gives_inactive_passes(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, quantity=20, paid=False)
    first = Booklet.objects.filter(order=order).order_by("number").first()
    block_passes(
        acting=sponsor,
        serial_first=first.first_serial,
        serial_last=first.first_serial + 1,
        reason="x",
    )
    result = reissue_passes(
        acting=operator, serial_first=first.first_serial, serial_last=first.last_serial, reason="x"
    )
    assert set(
        Pass.objects.filter(booklet=result.booklets[0]).values_list("status", flat=True)
    ) == {PassStatus.INACTIVE}
    assert check_ledger() == []


def test_passes_of_a_cancelled_order_are_never_reissued(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, quantity=10, paid=False)
    cancel_order(acting=operator, order=order, reason="annulée")
    first = Booklet.objects.get(order=order)
    with pytest.raises(NoPassesChanged):
        reissue_passes(
            acting=operator,
            serial_first=first.first_serial,
            serial_last=first.last_serial,
            reason="x",
        )


@pytest.mark.parametrize("kind", [OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR])
def test_only_the_operator_reissues(world, kind, sponsor):
    _order, distributor, booklets = world
    acting = sponsor if kind == OrganisationKind.SPONSOR else distributor
    block_passes(
        acting=sponsor,
        serial_first=booklets[0].first_serial,
        serial_last=booklets[0].last_serial,
        reason="x",
    )
    with pytest.raises(WrongOrganisationKind):
        reissue_passes(
            acting=acting,
            serial_first=booklets[0].first_serial,
            serial_last=booklets[0].last_serial,
            reason="x",
        )
    assert not PassReplacement.objects.exists()
