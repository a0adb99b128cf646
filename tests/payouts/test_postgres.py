"""PostgreSQL only: two simultaneous runs of the same period pay once; the money rows of payouts
are kept as written (triggers)."""

import datetime

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from passnum.accounts.enums import OrganisationKind
from passnum.ledger.enums import TransactionKind
from passnum.ledger.models import LedgerTransaction
from passnum.payouts.models import PayoutLine, PayoutLog, PayoutRun, PayoutTransfer
from passnum.payouts.services import run_payouts
from passnum.reconciliation.checks import check_ledger
from tests.factories import PlaceFactory, give_bank_details, make_acting, make_order, passes_of
from tests.payouts.helpers import at, now_after, redeem_at
from tests.redemptions.test_concurrency import race

pytestmark = [pytest.mark.postgres]

NOV_1, NOV_30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def november(operator):
    return run_payouts(
        acting=operator, period_start=NOV_1, period_end=NOV_30, now=now_after(NOV_30)
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_simultaneous_runs_of_a_period_pay_once():
    operator = make_acting(OrganisationKind.OPERATOR)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    order = make_order(sponsor=sponsor, operator=operator, quantity=20)
    items = passes_of(order)
    for index in range(4):
        provider = make_acting(OrganisationKind.PROVIDER)
        give_bank_details(provider, validated_by=operator)
        place = PlaceFactory(organisation=provider.organisation)
        for number in range(3):
            redeem_at(provider, place, [items[index * 3 + number]], at(2026, 11, 2 + number))
    outcomes = race([lambda: november(operator) for _ in range(4)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(o.created for o in outcomes) == [False, False, False, True]
    assert len({o.run.pk for o in outcomes}) == 1
    assert PayoutRun.objects.count() == 1
    assert PayoutTransfer.objects.count() == 4
    assert PayoutLine.objects.count() == 12
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 4
    assert check_ledger() == []


@pytest.mark.django_db
def test_amounts_and_lines_cannot_be_changed_nor_deleted(provider, place, paid_order, operator):
    give_bank_details(provider, validated_by=operator)
    redeem_at(provider, place, passes_of(paid_order)[:2], at(2026, 11, 5))
    november(operator)
    transfer = PayoutTransfer.objects.get()
    forbidden = [
        lambda: PayoutTransfer.objects.filter(pk=transfer.pk).update(net_cents=1),
        lambda: PayoutTransfer.objects.filter(pk=transfer.pk).update(
            iban="FR7630006000011234567890189 "
        ),
        lambda: PayoutTransfer.objects.filter(pk=transfer.pk).delete(),
        lambda: PayoutLine.objects.filter(transfer=transfer).update(gross_cents=1),
        lambda: PayoutLine.objects.filter(transfer=transfer).delete(),
        lambda: PayoutLog.objects.update(reason="rewritten"),
        lambda: PayoutRun.objects.update(period_start=datetime.date(2026, 10, 1)),
    ]
    for change in forbidden:
        with pytest.raises((IntegrityError, InternalError, ProgrammingError)), transaction.atomic():
            change()
    # the status columns may change (through the services)
    with transaction.atomic():
        assert PayoutLine.objects.filter(transfer=transfer).update(released=True) == 1
    assert connection.vendor == "postgresql"
