import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation, Partnership, User
from passnum.demo import PAID_LABEL
from passnum.jobs.enums import JobStatus
from passnum.jobs.models import Job
from passnum.ledger.models import LedgerTransaction, Posting
from passnum.orders.enums import InvoiceKind, OrderStatus
from passnum.orders.models import Invoice, Order
from passnum.orders.selectors import amount_received_cents
from passnum.passes.enums import BookletState, PassStatus
from passnum.passes.models import Booklet, Pass
from passnum.passes.states import state_counts
from passnum.payouts.enums import RunStatus, TransferStatus
from passnum.payouts.models import CarriedProvider, PayoutRun, PayoutTransfer
from passnum.payouts.periods import previous_month
from passnum.payouts.sepa import build_sepa_file
from passnum.payouts.statements import statement_csv
from passnum.redemptions.models import Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development_mode(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path  # the demo prints its booklets (job files)


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
    assert Redemption.objects.count() == 15
    call_command("ledger", "check")
    assert "OK" in capsys.readouterr().out


def test_the_demo_has_an_executed_payout_run_with_statements_and_pending_scans():
    """Issue #9: an executed run two months back, with its SEPA file and statements, and
    redemptions of the previous month waiting for the next run."""
    call_command("demo")
    today = timezone.localdate()
    last_month = previous_month(today)
    two_back = previous_month(last_month.start)
    run = PayoutRun.objects.get()
    assert (run.period_start, run.period_end, run.status) == (
        two_back.start,
        two_back.end,
        RunStatus.EXECUTED,
    )
    assert last_month.start <= run.executed_on <= last_month.end
    transfer = PayoutTransfer.objects.get(run=run)
    assert transfer.provider.kind == OrganisationKind.PROVIDER
    assert transfer.status == TransferStatus.EXECUTED
    assert (transfer.redemption_count, transfer.pass_count) == (4, 6)
    paid = Redemption.objects.filter(payout_lines__transfer=transfer)
    assert all(two_back.start <= timezone.localdate(r.created_at) <= two_back.end for r in paid)
    rows = statement_csv(transfer).decode().splitlines()
    assert len(rows) == 1 + 4 + 1  # header, redemptions, totals
    build_sepa_file(run=run)  # valid against its XSD, or it raises
    pending = Redemption.objects.filter(
        created_at__date__gte=last_month.start,
        created_at__date__lte=last_month.end,
        payout_lines__isnull=True,
    )
    assert pending.count() == 3
    assert not CarriedProvider.objects.exists()


def test_the_demo_shows_every_order_and_booklet_state(capsys):
    """A newcomer clicks through each state (issue #8): the orders, the print, the booklets at
    the partner distributor, the replaced pass, the expired order and its credit note."""
    call_command("demo")
    sponsor = Organisation.objects.get(kind=OrganisationKind.SPONSOR)
    distributor = Organisation.objects.get(kind=OrganisationKind.DISTRIBUTOR)
    assert Partnership.objects.filter(sponsor=sponsor, distributor=distributor).exists()
    assert "distributeur@demo.passnum.fr" in capsys.readouterr().out
    orders = Order.objects.filter(sponsor=sponsor)
    assert {order.status for order in orders} == {
        OrderStatus.DRAFT,
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.PAID,
    }
    waiting = orders.get(status=OrderStatus.AWAITING_PAYMENT)
    assert 0 < amount_received_cents(order=waiting) < waiting.total_due_cents
    printed = orders.get(label=PAID_LABEL)
    assert printed.proof_approved_at is not None
    jobs = Job.objects.filter(params__order_id=printed.pk, status=JobStatus.SUCCEEDED)
    assert set(jobs.values_list("kind", flat=True)) == {"print_proof", "print_booklets"}
    states = state_counts(Booklet.objects.filter(order__sponsor=sponsor))
    assert all(states[state] > 0 for state in BookletState.values), states
    assert state_counts(Booklet.objects.filter(order=printed, distributor=distributor))[
        BookletState.AT_DISTRIBUTOR
    ]
    assert Pass.objects.filter(order=printed, status=PassStatus.REPLACED).count() == 1
    expired = orders.filter(passes__status=PassStatus.EXPIRED).distinct().get()
    credit = Invoice.objects.get(order=expired, kind=InvoiceKind.CREDIT_NOTE)
    assert credit.pass_count == expired.passes.filter(status=PassStatus.EXPIRED).count() > 0


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
    # owed to the demo place: 142,80 € of today's scans + 38,08 € of last month's (4 passes)
    assert "escrow" in out and "payable" in out and "180,88" in out and "refundable" in out


def test_demo_refuses_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("demo")
