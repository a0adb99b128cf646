"""run_payouts: figures to the cent, idempotency, undone and young redemptions, carried providers,
rejected transfers reversed and paid again; the ledger check after every scenario."""

import datetime

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import InvalidTransition
from passnum.ledger.enums import TransactionKind
from passnum.ledger.models import Account, LedgerTransaction, Posting
from passnum.ledger.selectors import balance_of
from passnum.ledger.services import BANK, payable_code
from passnum.payouts.enums import CarriedReason, PayoutKind, RunStatus, TransferStatus
from passnum.payouts.exceptions import InvalidPeriod
from passnum.payouts.models import CarriedProvider, PayoutLine, PayoutLog, PayoutTransfer
from passnum.payouts.services import mark_run_executed, reject_transfer, run_payouts
from passnum.places.models import ProviderFile
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.services import undo_redemption
from tests.factories import (
    PlaceFactory,
    give_bank_details,
    make_acting,
    make_order,
    passes_of,
)
from tests.payouts.helpers import at, now_after, redeem_at

NOV_1, NOV_30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
DEC_1, DEC_31 = datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)


def run(operator, start=NOV_1, end=NOV_30, **kwargs):
    return run_payouts(
        acting=operator, period_start=start, period_end=end, now=now_after(end), **kwargs
    )


def payable(provider) -> int:
    return balance_of(Account.objects.get(code=payable_code(provider.organisation.pk)))


@pytest.fixture
def paid_provider(provider, operator):
    give_bank_details(provider, validated_by=operator)
    return provider


def test_figures_to_the_cent_match_what_was_posted_to_payable(
    paid_provider, place, sponsor, operator
):
    # Face values that make every rounding count: 4 % of 1 234 = 49,36 → 49; VAT 20 % of 49 = 9,8 → 10.
    order = make_order(sponsor=sponsor, operator=operator, quantity=10, face_value_cents=1234)
    other = make_order(sponsor=sponsor, operator=operator, quantity=10, face_value_cents=1000)
    a, b = passes_of(order), passes_of(other)
    redeem_at(paid_provider, place, a[:1], at(2026, 11, 3))
    redeem_at(paid_provider, place, a[1:4], at(2026, 11, 10))
    redeem_at(paid_provider, place, [a[4], b[0]], at(2026, 11, 20))  # two orders at once
    owed = payable(paid_provider)

    outcome = run(operator)

    transfer = PayoutTransfer.objects.get(run=outcome.run)
    # 1 pass of 12,34: fee 49, VAT 10 — 3 passes: face 3 702, fee 148, VAT 30 — 12,34 + 10,00:
    # fee 49 + 40, VAT 10 + 8; fund 1 % of each face (12, 37, 12 + 10)
    assert (transfer.gross_cents, transfer.fee_cents, transfer.vat_cents) == (
        1234 + 3702 + 2234,
        49 + 148 + 49 + 40,
        10 + 30 + 10 + 8,
    )
    assert transfer.net_cents == -owed == 7170 - 286 - 58
    assert transfer.fund_cents == 12 + 37 + 12 + 10
    assert (transfer.redemption_count, transfer.pass_count) == (3, 6)
    assert PayoutLine.objects.filter(transfer=transfer).count() == 3
    assert payable(paid_provider) == 0
    postings = {
        p.account.code: p.amount_cents
        for p in Posting.objects.filter(transaction=transfer.ledger_transaction).select_related(
            "account"
        )
    }
    assert postings == {
        payable_code(paid_provider.organisation.pk): transfer.net_cents,
        BANK: -transfer.net_cents,
    }
    assert transfer.iban == "FR7630006000011234567890189"
    assert transfer.status == TransferStatus.PENDING
    assert outcome.run.status == RunStatus.PREPARED
    assert check_ledger() == []


def test_running_a_period_twice_pays_nothing_twice(paid_provider, place, paid_order, operator):
    items = passes_of(paid_order)
    redeem_at(paid_provider, place, items[:2], at(2026, 11, 5))
    first = run(operator)
    redeem_at(paid_provider, place, items[2:3], at(2026, 11, 6))  # late entry: next run's
    again = run(operator)
    assert (first.created, again.created) == (True, False)
    assert again.run.pk == first.run.pk
    assert PayoutTransfer.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1
    assert check_ledger() == []
    december = run(operator, DEC_1, DEC_31)
    assert PayoutLine.objects.filter(transfer__run=december.run).count() == 1
    assert payable(paid_provider) == 0
    assert check_ledger() == []


def test_undone_and_young_redemptions_are_not_paid(paid_provider, place, paid_order, operator):
    items = passes_of(paid_order)
    kept = redeem_at(paid_provider, place, items[:1], at(2026, 11, 5))
    undone = redeem_at(paid_provider, place, items[1:2], at(2026, 11, 5))
    # undone at once (the service checks its 15 minutes against created_at)
    undone.created_at = datetime.datetime.now(datetime.UTC)
    undo_redemption(acting=paid_provider, redemption=undone)
    young = redeem_at(paid_provider, place, items[2:3], at(2026, 11, 30, 23))
    # on demand, run ten minutes after the young one: still within its undo window
    outcome = run_payouts(
        acting=operator,
        period_start=NOV_1,
        period_end=NOV_30,
        kind=PayoutKind.ON_DEMAND,
        now=young.created_at + datetime.timedelta(minutes=10),
    )
    paid = set(
        PayoutLine.objects.filter(transfer__run=outcome.run).values_list("redemption", flat=True)
    )
    assert paid == {kept.pk}
    assert check_ledger() == []
    later = run(operator, DEC_1, DEC_31)
    paid = set(
        PayoutLine.objects.filter(transfer__run=later.run).values_list("redemption", flat=True)
    )
    assert paid == {young.pk}
    assert payable(paid_provider) == 0
    assert check_ledger() == []


def test_provider_without_validated_bank_details_is_carried_with_the_reason(
    provider, place, paid_order, operator
):
    redeem_at(provider, place, passes_of(paid_order)[:2], at(2026, 11, 5))
    owed = payable(provider)
    first = run(operator)
    carried = CarriedProvider.objects.get(run=first.run)
    assert (carried.reason, carried.redemption_count, carried.net_cents) == (
        CarriedReason.NO_BANK_DETAILS,
        1,
        -owed,
    )
    assert not PayoutTransfer.objects.exists()
    assert check_ledger() == []

    give_bank_details(provider)  # entered, not validated yet
    second = run(operator, DEC_1, DEC_31)
    assert CarriedProvider.objects.get(run=second.run).reason == CarriedReason.NOT_VALIDATED

    file = ProviderFile.objects.get(organisation=provider.organisation)
    from passnum.places.services.review import validate_bank_details

    validate_bank_details(acting=operator, file=file)
    third = run(operator, datetime.date(2027, 1, 1), datetime.date(2027, 1, 31))
    transfer = PayoutTransfer.objects.get(run=third.run)
    assert transfer.net_cents == -owed
    assert payable(provider) == 0
    assert check_ledger() == []


def test_an_invalid_iban_never_reaches_a_transfer(provider, place, paid_order, operator):
    file = give_bank_details(provider, validated_by=operator)
    ProviderFile.objects.filter(pk=file.pk).update(iban="FR7630006000011234567890188")  # bad key
    redeem_at(provider, place, passes_of(paid_order)[:1], at(2026, 11, 5))
    outcome = run(operator)
    assert CarriedProvider.objects.get(run=outcome.run).reason == CarriedReason.INVALID_IBAN
    assert not PayoutTransfer.objects.exists()
    assert check_ledger() == []


def test_rejected_transfer_is_reversed_and_paid_again_by_the_next_run(
    paid_provider, place, paid_order, operator
):
    items = passes_of(paid_order)
    first_redemption = redeem_at(paid_provider, place, items[:2], at(2026, 11, 5))
    first = run(operator)
    mark_run_executed(acting=operator, run=first.run)
    transfer = PayoutTransfer.objects.get(run=first.run)
    assert transfer.status == TransferStatus.EXECUTED
    bank_before = balance_of(Account.objects.get(code=BANK))

    rejected = reject_transfer(acting=operator, transfer=transfer, reason="Compte clos")

    assert rejected.status == TransferStatus.REJECTED
    assert payable(paid_provider) == -transfer.net_cents  # owed again
    assert balance_of(Account.objects.get(code=BANK)) == bank_before + transfer.net_cents
    assert check_ledger() == []
    with pytest.raises(InvalidTransition):
        reject_transfer(acting=operator, transfer=rejected, reason="encore")

    second_redemption = redeem_at(paid_provider, place, items[2:3], at(2026, 12, 5))
    second = run(operator, DEC_1, DEC_31)
    again = PayoutTransfer.objects.get(run=second.run)
    paid = set(PayoutLine.objects.filter(transfer=again).values_list("redemption", flat=True))
    assert paid == {first_redemption.pk, second_redemption.pk}
    assert again.end_to_end_id != transfer.end_to_end_id
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CARRIED
    assert payable(paid_provider) == 0
    assert list(
        PayoutLog.objects.filter(transfer=transfer).values_list("from_status", "to_status")
    ) == [("pending", "executed"), ("executed", "rejected"), ("rejected", "carried")]
    assert check_ledger() == []


def test_run_is_executed_once(paid_provider, place, paid_order, operator):
    redeem_at(paid_provider, place, passes_of(paid_order)[:1], at(2026, 11, 5))
    outcome = run(operator)
    executed = mark_run_executed(acting=operator, run=outcome.run)
    assert executed.status == RunStatus.EXECUTED and executed.executed_on is not None
    with pytest.raises(InvalidTransition):
        mark_run_executed(acting=operator, run=outcome.run)


def test_only_operator_staff_run_payouts(provider, paid_order):
    from passnum.accounts.exceptions import WrongOrganisationKind

    with pytest.raises(WrongOrganisationKind):
        run(provider)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    with pytest.raises(WrongOrganisationKind):
        run(sponsor)


def test_a_period_must_be_over(operator):
    with pytest.raises(InvalidPeriod):
        run_payouts(
            acting=operator,
            period_start=NOV_1,
            period_end=NOV_30,
            now=now_after(NOV_30) - datetime.timedelta(days=10),
        )
    with pytest.raises(InvalidPeriod):
        run_payouts(acting=operator, period_start=NOV_30, period_end=NOV_1, now=now_after(NOV_30))


def test_several_providers_each_get_their_own_transfer(sponsor, operator, paid_order):
    items = passes_of(paid_order)
    providers = []
    for index in range(3):
        provider = make_acting(OrganisationKind.PROVIDER)
        give_bank_details(provider, validated_by=operator)
        place = PlaceFactory(organisation=provider.organisation)
        redeem_at(provider, place, items[index * 2 : index * 2 + index + 1], at(2026, 11, 5))
        providers.append(provider)
    outcome = run(operator)
    transfers = {t.provider_id: t for t in PayoutTransfer.objects.filter(run=outcome.run)}
    assert [transfers[p.organisation.pk].pass_count for p in providers] == [1, 2, 3]
    assert len({t.end_to_end_id for t in transfers.values()}) == 3
    assert all(payable(p) == 0 for p in providers)
    assert check_ledger() == []


def test_a_carried_provider_is_told_why_by_mail_and_on_its_page(
    provider, place, paid_order, operator, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django.urls import reverse

    from tests.www.test_pages import logged_in

    redeem_at(provider, place, passes_of(paid_order)[:1], at(2026, 11, 5))
    with django_capture_on_commit_callbacks(execute=True):
        run(operator)
    (message,) = mail.outbox
    assert message.to == [provider.user.email]
    assert "Aucune coordonnée bancaire enregistrée" in message.body
    page = logged_in(provider).get(reverse("payouts:mine")).text
    assert 'id="carried-alert"' in page and "Aucune coordonnée bancaire enregistrée" in page


def test_a_failing_mail_server_never_fails_the_committed_run(
    provider, place, paid_order, operator, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.failing_mail.FailingBackend"}}
    redeem_at(provider, place, passes_of(paid_order)[:1], at(2026, 11, 5))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run(operator)
    assert CarriedProvider.objects.filter(run=outcome.run).count() == 1
