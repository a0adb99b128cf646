"""`passnum payouts run|files`, the daily job, and who may read which statement."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import NotFound
from passnum.jobs.registry import daily_jobs
from passnum.payouts.enums import PayoutKind
from passnum.payouts.jobs import due_period
from passnum.payouts.models import PayoutRun, PayoutTransfer
from passnum.payouts.periods import parse_period
from passnum.payouts.selectors import transfer_of_provider, transfers_of_provider
from passnum.reconciliation.checks import check_ledger
from tests.factories import PlaceFactory, give_bank_details, make_acting, passes_of
from tests.payouts.helpers import redeem_at


def last_month_moment() -> datetime.datetime:
    first = timezone.localdate().replace(day=1)
    day = first - datetime.timedelta(days=20)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(11)))


def test_run_then_files_writes_sepa_and_statements(provider, place, paid_order, operator, tmp_path):
    give_bank_details(provider, validated_by=operator)
    when = last_month_moment()
    redeem_at(provider, place, passes_of(paid_order)[:2], when)
    period = when.strftime("%Y-%m")
    out = StringIO()
    call_command("payouts", "run", "--period", period, "--as", operator.user.email, stdout=out)
    assert "1 virement(s), 19,04" in out.getvalue()
    out = StringIO()
    call_command("payouts", "run", "--period", period, stdout=out)  # default: operator admin
    assert "rien n'a été payé une seconde fois" in out.getvalue()
    assert PayoutRun.objects.count() == 1

    call_command("payouts", "files", "--period", period, "--output-dir", str(tmp_path), stdout=out)
    transfer = PayoutTransfer.objects.get()
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == sorted(
        [
            f"releve-{transfer.statement_number}.csv",
            f"releve-{transfer.statement_number}.pdf",
            f"virements-{transfer.run.reference}-pain.001.001.09.xml",
        ]
    )
    assert transfer.end_to_end_id in (tmp_path / names[-1]).read_text()
    assert check_ledger() == []


def test_command_refuses_bad_periods_and_unknown_staff(operator, tmp_path):
    with pytest.raises(CommandError):
        call_command("payouts", "run", "--period", "2026-13")
    with pytest.raises(CommandError):
        call_command("payouts", "run", "--period", "2026-10", "--as", "nobody@example.org")
    with pytest.raises(CommandError):
        call_command("payouts", "files", "--period", "2020-01", "--output-dir", str(tmp_path))


def test_periods():
    assert parse_period("2026-02").end == datetime.date(2026, 2, 28)
    week = parse_period("2026-W48")
    assert (week.start, week.end, week.kind) == (
        datetime.date(2026, 11, 23),
        datetime.date(2026, 11, 29),
        PayoutKind.WEEKLY,
    )


def test_daily_job_pays_the_month_before_from_the_payout_day(settings):
    assert "payouts" in daily_jobs()
    settings.PASSNUM_PAYOUT_FREQUENCY = "monthly"
    settings.PASSNUM_PAYOUT_DAY = 5
    assert due_period(datetime.date(2026, 12, 4)) is None
    period = due_period(datetime.date(2026, 12, 5))
    assert (period.start, period.end) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert due_period(datetime.date(2027, 1, 9)).start == datetime.date(2026, 12, 1)
    settings.PASSNUM_PAYOUT_FREQUENCY = "weekly"
    period = due_period(datetime.date(2026, 12, 2))  # a Wednesday
    assert (period.start, period.end) == (datetime.date(2026, 11, 23), datetime.date(2026, 11, 29))
    settings.PASSNUM_PAYOUT_FREQUENCY = "manual"
    assert due_period(datetime.date(2026, 12, 5)) is None


def test_daily_job_runs_payouts_once(provider, place, paid_order, operator, settings):
    give_bank_details(provider, validated_by=operator)
    redeem_at(provider, place, passes_of(paid_order)[:1], last_month_moment())
    settings.PASSNUM_PAYOUT_FREQUENCY = "monthly"
    settings.PASSNUM_PAYOUT_DAY = 1
    job = daily_jobs()["payouts"]
    assert "1 virement(s)" in job()
    assert "déjà fait" in job()
    assert PayoutTransfer.objects.count() == 1


def test_a_provider_reaches_only_its_own_statements(operator, paid_order):
    items = passes_of(paid_order)
    providers = []
    for index in range(2):
        provider = make_acting(OrganisationKind.PROVIDER)
        give_bank_details(provider, validated_by=operator)
        place = PlaceFactory(organisation=provider.organisation)
        redeem_at(provider, place, items[index : index + 1], last_month_moment())
        providers.append(provider)
    call_command(
        "payouts", "run", "--period", last_month_moment().strftime("%Y-%m"), stdout=StringIO()
    )
    mine, theirs = (transfers_of_provider(acting=p).get() for p in providers)
    assert mine.provider_id == providers[0].organisation.pk
    assert transfer_of_provider(acting=providers[0], transfer_id=mine.pk) == mine
    with pytest.raises(NotFound):
        transfer_of_provider(acting=providers[0], transfer_id=theirs.pk)
