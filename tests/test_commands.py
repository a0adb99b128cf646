import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from passnum.accounts.models import Organisation, User
from passnum.ledger.models import LedgerTransaction, Posting
from passnum.orders.models import Order
from passnum.passes.models import Pass
from passnum.redemptions.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development_mode(settings):
    settings.DEBUG = True


def counts():
    return [
        model.objects.count()
        for model in (User, Organisation, Order, Pass, Redemption, LedgerTransaction, Posting)
    ]


def test_demo_builds_a_consistent_world_and_running_it_again_changes_nothing(capsys):
    call_command("demo")
    first = counts()
    out = capsys.readouterr().out
    assert "/connexion/" in out and "pn_demo" in out
    call_command("demo")
    assert counts() == first
    assert Redemption.objects.count() == 1
    call_command("ledger", "check")
    assert "OK" in capsys.readouterr().out


def test_ledger_check_fails_loudly_on_a_discrepancy(capsys):
    call_command("demo")
    entry = LedgerTransaction.objects.first()
    posting = entry.postings.first()
    Posting.objects.create(transaction=entry, account=posting.account, amount_cents=1)
    with pytest.raises(CommandError, match="discrepanc"):
        call_command("ledger", "check")
    assert f"transaction {entry.pk}" in capsys.readouterr().err


def test_ledger_held_lists_what_is_held_for_whom(capsys):
    call_command("demo")
    call_command("ledger", "held")
    out = capsys.readouterr().out
    assert "escrow" in out and "payable" in out and "19,04" in out


def test_demo_refuses_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("demo")
