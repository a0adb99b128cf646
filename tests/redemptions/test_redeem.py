"""redeem_passes and undo_redemption: idempotency, undo, and the ledger they write (SPEC §2)."""

import datetime
from unittest import mock

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import NotFound
from passnum.ledger.enums import TransactionKind
from passnum.ledger.models import Account, LedgerTransaction, Posting
from passnum.ledger.selectors import balance_of
from passnum.ledger.services import FEES, VAT, escrow_code, fund_code, payable_code
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.exceptions import AlreadyUndone, IdempotencyKeyReused, UndoTooLate
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.services import redeem_passes, undo_redemption
from tests.factories import PlaceFactory, a_service, make_acting, make_order, offer, passes_of


def redeem(provider, place, items, *, price_cents=None, key=None, codes=None):
    """Redeem at `place`, which first offers `a_service()` at this price."""
    price_cents = price_cents or 1000 * len(items)
    offer(place, price_cents=price_cents)
    return redeem_passes(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=price_cents,
        codes=codes or [item.code for item in items],
        idempotency_key=key,
    )


def balance(code):
    return balance_of(Account.objects.get(code=code))


def balances():
    """Every non-zero account balance, by account code."""
    found = {account.code: balance_of(account) for account in Account.objects.all()}
    return {code: amount for code, amount in found.items() if amount}


def postings_of(redemption, kind=TransactionKind.REDEMPTION):
    entry = LedgerTransaction.objects.get(redemption=redemption, kind=kind)
    return {p.account.code: p.amount_cents for p in entry.postings.select_related("account")}


# Idempotency


def test_same_key_and_request_replays_the_first_answer(provider, place, paid_order):
    items = passes_of(paid_order)[:2]
    first = redeem(provider, place, items, price_cents=1500, key="k-1")
    entries = LedgerTransaction.objects.count()
    retyped = [pass_codes.display(item.code).lower() for item in reversed(items)]
    again = redeem(provider, place, items, price_cents=1500, key="k-1", codes=retyped)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.redemption.pk == first.redemption.pk
    assert Redemption.objects.count() == 1
    assert LedgerTransaction.objects.count() == entries
    assert check_ledger() == []


def test_same_key_for_another_request_is_refused(provider, place, paid_order):
    first, second = passes_of(paid_order)[:2]
    redeem(provider, place, [first], key="k-1")
    entries = LedgerTransaction.objects.count()
    with pytest.raises(IdempotencyKeyReused):
        redeem(provider, place, [first], price_cents=1200, key="k-1")
    with pytest.raises(IdempotencyKeyReused):
        redeem(provider, place, [second], key="k-1")
    second.refresh_from_db()
    assert second.status == PassStatus.ACTIVE
    assert (Redemption.objects.count(), LedgerTransaction.objects.count()) == (1, entries)


def test_a_retry_replays_even_after_the_place_changed_its_offer(provider, place, paid_order):
    item = passes_of(paid_order)[0]
    first = redeem(provider, place, [item], price_cents=1000, key="k-2")
    offer(place, price_cents=1200)  # the same request would now be refused: price_not_offered
    again = redeem_passes(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=1000,
        codes=[item.code],
        idempotency_key="k-2",
    )
    assert again.replayed and again.redemption.pk == first.redemption.pk
    assert Redemption.objects.count() == 1


def test_idempotency_keys_are_per_organisation(provider, place, paid_order):
    other = make_acting(OrganisationKind.PROVIDER)
    other_place = PlaceFactory(organisation=other.organisation)
    first, second = passes_of(paid_order)[:2]
    mine = redeem(provider, place, [first], key="same-key")
    theirs = redeem(other, other_place, [second], key="same-key")
    assert not theirs.replayed
    assert theirs.redemption.pk != mine.redemption.pk
    assert theirs.redemption.organisation == other.organisation
    assert check_ledger() == []


# Undo


def test_undo_reverses_the_ledger_exactly(provider, place, paid_order):
    before = balances()
    items = passes_of(paid_order)[:2]
    redemption = redeem(provider, place, items, price_cents=1800).redemption
    payable = payable_code(provider.organisation.pk)
    assert balance(payable) == -1904
    undone = undo_redemption(acting=provider, redemption=redemption)
    assert undone.undone_at is not None and undone.undone_by == provider.user
    assert balance(payable) == 0
    assert balances() == before
    undo = postings_of(redemption, TransactionKind.REDEMPTION_UNDO)
    assert undo == {code: -amount for code, amount in postings_of(redemption).items()}
    assert {item.status for item in passes_of(paid_order)[:2]} == {PassStatus.ACTIVE}
    assert not RedemptionLine.objects.filter(redemption=redemption, undone=False).exists()
    assert check_ledger() == []


def test_undo_twice_is_refused(provider, place, paid_order):
    redemption = redeem(provider, place, passes_of(paid_order)[:1]).redemption
    undo_redemption(acting=provider, redemption=redemption)
    entries = LedgerTransaction.objects.count()
    with pytest.raises(AlreadyUndone):
        undo_redemption(acting=provider, redemption=redemption)
    assert LedgerTransaction.objects.count() == entries


def test_undo_within_the_delay_only(provider, place, paid_order, settings):
    late, in_time = (redeem(provider, place, [i]).redemption for i in passes_of(paid_order)[:2])
    delay = datetime.timedelta(minutes=settings.PASSNUM_UNDO_MINUTES)
    too_late = late.created_at + delay + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=too_late), pytest.raises(UndoTooLate):
        undo_redemption(acting=provider, redemption=late)
    late.refresh_from_db()
    assert late.undone_at is None
    assert passes_of(paid_order)[0].status == PassStatus.REDEEMED
    with mock.patch("django.utils.timezone.now", return_value=in_time.created_at + delay):
        undo_redemption(acting=provider, redemption=in_time)
    assert passes_of(paid_order)[1].status == PassStatus.ACTIVE
    assert check_ledger() == []


def test_another_organisation_cannot_undo(provider, place, paid_order):
    redemption = redeem(provider, place, passes_of(paid_order)[:1]).redemption
    with pytest.raises(NotFound):
        undo_redemption(acting=make_acting(OrganisationKind.PROVIDER), redemption=redemption)
    redemption.refresh_from_db()
    assert redemption.undone_at is None


def test_an_undone_pass_can_be_redeemed_again(provider, place, paid_order):
    item = passes_of(paid_order)[0]
    undo_redemption(acting=provider, redemption=redeem(provider, place, [item]).redemption)
    again = redeem(provider, place, [item]).redemption
    lines = RedemptionLine.objects.filter(pass_item=item)
    assert lines.count() == 2
    assert list(lines.filter(undone=False).values_list("redemption", flat=True)) == [again.pk]
    assert passes_of(paid_order)[0].status == PassStatus.REDEEMED
    assert check_ledger() == []


# Ledger amounts (SPEC §2: 4 % fee, 20 % VAT on the fee, 1 % of face value to the fund)


def test_one_pass_pays_the_provider_face_value_less_fee_and_vat(provider, place, paid_order):
    redemption = redeem(provider, place, passes_of(paid_order)[:1]).redemption
    assert postings_of(redemption) == {
        escrow_code(paid_order.pk): 1000,
        payable_code(provider.organisation.pk): -952,
        fund_code(place.departement): -10,
        FEES: -30,
        VAT: -8,
    }
    assert balance(payable_code(provider.organisation.pk)) == -952
    assert balance(escrow_code(paid_order.pk)) == -19 * 1000
    assert check_ledger() == []


def test_the_fund_share_goes_to_the_places_departement(provider, paid_order):
    ajaccio = PlaceFactory(
        organisation=provider.organisation,
        commune_name="Ajaccio",
        commune_code="2A004",
        postcode="20000",
        epci_code="242010056",
        departement="2A",
        region="94",
    )
    redemption = redeem(provider, ajaccio, passes_of(paid_order)[:1]).redemption
    postings = postings_of(redemption)
    assert postings[fund_code("2A")] == -10
    assert fund_code("33") not in postings


@pytest.mark.parametrize(
    ("face", "count", "fee", "vat", "fund"),
    [
        (1234, 1, 49, 10, 12),  # fee 49.36 → 49, VAT 9.8 → 10, fund 12.34 → 12
        (1234, 3, 148, 30, 37),  # rounded once on 37.02 €, not per pass (3 × 49 = 147)
        (1050, 1, 42, 8, 11),  # fund 10.5 → 11: half up, not half even
    ],
)
def test_rounding_half_up_to_the_cent(
    provider, place, sponsor, operator, face, count, fee, vat, fund
):
    order = make_order(sponsor=sponsor, operator=operator, face_value_cents=face)
    items = passes_of(order)[:count]
    redemption = redeem(provider, place, items, price_cents=face * count).redemption
    assert postings_of(redemption) == {
        escrow_code(order.pk): face * count,
        payable_code(provider.organisation.pk): -(face * count - fee - vat),
        fund_code(place.departement): -fund,
        FEES: -(fee - fund),
        VAT: -vat,
    }
    assert check_ledger() == []


def test_passes_of_two_sponsors_post_against_both_escrows(provider, place, paid_order, operator):
    other = make_order(sponsor=make_acting(OrganisationKind.SPONSOR), operator=operator)
    items = [passes_of(paid_order)[0], passes_of(other)[0]]
    redemption = redeem(provider, place, items, price_cents=2000).redemption
    assert postings_of(redemption) == {
        escrow_code(paid_order.pk): 1000,
        escrow_code(other.pk): 1000,
        payable_code(provider.organisation.pk): -1904,
        fund_code(place.departement): -20,
        FEES: -60,
        VAT: -16,
    }
    assert balance(escrow_code(paid_order.pk)) == -19 * 1000
    assert balance(escrow_code(other.pk)) == -9 * 1000
    assert check_ledger() == []


# The ledger check sees corruption


def test_check_ledger_reports_an_unbalanced_transaction(provider, place, paid_order):
    redemption = redeem(provider, place, passes_of(paid_order)[:1]).redemption
    entry = LedgerTransaction.objects.get(redemption=redemption, kind=TransactionKind.REDEMPTION)
    Posting.objects.create(
        transaction=entry, account=Account.objects.get(code=FEES), amount_cents=-1
    )
    problems = check_ledger()
    assert [(p.check, p.subject) for p in problems] == [("balanced", f"transaction {entry.pk}")]
    assert "-1" in problems[0].detail


def test_check_ledger_reports_escrow_differing_from_the_passes(provider, place, paid_order):
    redemption = redeem(provider, place, passes_of(paid_order)[:1]).redemption
    entry = LedgerTransaction.objects.get(redemption=redemption, kind=TransactionKind.REDEMPTION)
    escrow = Account.objects.get(code=escrow_code(paid_order.pk))
    Posting.objects.create(transaction=entry, account=escrow, amount_cents=100)
    Posting.objects.create(
        transaction=entry, account=Account.objects.get(code=FEES), amount_cents=-100
    )
    problems = check_ledger()
    assert [(p.check, p.subject) for p in problems] == [("escrow", paid_order.reference)]
