"""End of validity (SPEC §3.7, orders/timeline.py) driven by a controlled clock through a whole
year: J-30 alert, J-15 distribution stop, J-7 confirmation, expiry after the tolerance, J+37
credit note — each once, the ledger balanced every day."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.services.system import system_acting
from passnum.jobs.registry import daily_jobs
from passnum.ledger.models import Account
from passnum.ledger.selectors import balance_of
from passnum.ledger.services import escrow_code, refundable_code
from passnum.orders.enums import InvoiceKind, Milestone, OrderStatus
from passnum.orders.exceptions import ConfirmationRefused
from passnum.orders.models import Invoice, OrderMilestone
from passnum.orders.timeline import (
    confirm_order_end,
    due_dates,
    end_alert,
    order_timeline,
    run_timeline,
)
from passnum.passes.distribution import NextInStock, assign_booklets, record_handout
from passnum.passes.enums import PassStatus
from passnum.passes.exceptions import HandOutRefused
from passnum.passes.models import Booklet, Pass
from passnum.reconciliation.checks import check_ledger
from tests.factories import make_acting, make_distributor, make_order, passes_of
from tests.redemptions.test_redeem import redeem

pytestmark = pytest.mark.django_db

START = datetime.date(2027, 1, 4)
END = datetime.date(2027, 6, 30)  # validity end of the paid order; tolerance 31 days


def at(day: datetime.date):
    """The clock at noon (Paris) on `day`, standing still."""
    moment = datetime.datetime.combine(
        day, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )
    return time_machine.travel(moment, tick=False)


def steps_of(order) -> dict[str, OrderMilestone]:
    return {m.step: m for m in OrderMilestone.objects.filter(order=order)}


def balance(code: str) -> int:
    return balance_of(Account.objects.get(code=code))


def test_a_whole_year_day_by_day(
    sponsor, operator, provider, place, settings, django_capture_on_commit_callbacks
):
    settings.PASSNUM_VALIDITY_TOLERANCE_DAYS = 31
    system = system_acting()
    with at(START):
        paid = make_order(sponsor=sponsor, operator=operator, quantity=30, valid_until=END)
        unpaid = make_order(
            sponsor=sponsor,
            operator=operator,
            quantity=10,
            paid=False,
            valid_until=datetime.date(2027, 3, 31),
        )
        distributor = make_distributor(sponsor)
        assign_booklets(
            acting=sponsor,
            order=paid,
            distributor=distributor.organisation,
            selection=NextInStock(2),
        )
    dates = due_dates(paid)
    assert dates == {
        Milestone.ALERTED: datetime.date(2027, 5, 31),
        Milestone.DISTRIBUTION_STOPPED: datetime.date(2027, 6, 15),
        Milestone.CONFIRMATION_ASKED: datetime.date(2027, 6, 23),
        Milestone.EXPIRED: datetime.date(2027, 8, 1),  # the day after 30/06 + 31 days
        Milestone.CREDITED: datetime.date(2027, 8, 6),  # J+37
    }
    first_booklet = Booklet.objects.filter(order=paid, distributor__isnull=False).order_by(
        "number"
    )[0]
    used = passes_of(paid)[:3]
    blocked = passes_of(paid)[-1]
    mails_on: dict[datetime.date, list[str]] = {}

    day = START
    while day <= datetime.date(2027, 12, 31):
        with at(day):
            if day == datetime.date(2027, 2, 1):
                record_handout(
                    acting=distributor,
                    booklet_number=first_booklet.number,
                    handed_out_on=day,
                    public="senior",
                )
            if day == datetime.date(2027, 3, 1):
                redeem(provider, place, used)
            if day == datetime.date(2027, 4, 1):
                from passnum.passes.services import block_passes

                block_passes(
                    acting=sponsor,
                    serial_first=blocked.serial,
                    serial_last=blocked.serial,
                    reason="perdu",
                )
            if day == datetime.date(2027, 6, 16):  # J-15 has passed: no more hand-outs
                with pytest.raises(HandOutRefused) as refused:
                    record_handout(
                        acting=distributor,
                        booklet_number=first_booklet.number + 1,
                        handed_out_on=day,
                        public="senior",
                    )
                assert refused.value.details[0]["code"] == "distribution_stopped"
            if day == datetime.date(2027, 6, 24):
                assert end_alert(paid) == "confirm"
                confirm_order_end(acting=sponsor, order=paid)
                assert end_alert(paid) == "confirmed"
            before = len(mail.outbox)
            with django_capture_on_commit_callbacks(execute=True):
                run = run_timeline(acting=system)
            assert run.failed == []
            if len(mail.outbox) > before:
                mails_on[day] = [message.subject for message in mail.outbox[before:]]
            assert check_ledger() == [], day
        day += datetime.timedelta(days=1)

    done = steps_of(paid)
    # Each step done once, on the day it was due.
    for step, due in dates.items():
        assert done[step].due_on == due
        assert timezone.localdate(done[step].done_at) == due, step
        assert done[step].actor == system.user
    assert done[Milestone.CONFIRMED].actor == sponsor.user
    assert done[Milestone.ALERTED].details["booklets"] == 3
    assert done[Milestone.ALERTED].details["states"]["started"] == 1
    # 30 passes: 3 used, 1 blocked (expires too), 26 unused → 27 expired and credited.
    assert done[Milestone.EXPIRED].details == {"passes": 27}
    assert Pass.objects.filter(order=paid, status=PassStatus.EXPIRED).count() == 27
    note = Invoice.objects.get(order=paid, kind=InvoiceKind.CREDIT_NOTE)
    assert note.pass_count == 27 and note.total_cents == 27 * paid.face_value_cents
    assert done[Milestone.CREDITED].details == {"passes": 27, "credit_note": note.number}
    assert balance(escrow_code(paid.pk)) == 0
    assert balance(refundable_code(paid.sponsor_id)) == -27 * paid.face_value_cents
    paid.refresh_from_db()
    assert paid.status == OrderStatus.CLOSED
    assert paid.transitions.filter(to_status=OrderStatus.CLOSED).count() == 1
    # E-mails to the sponsor: the alert, the request to confirm, the closing (credit note).
    assert sorted(mails_on) == [
        datetime.date(2027, 3, 1),
        datetime.date(2027, 3, 24),  # the unpaid order (no credit)
        dates[Milestone.ALERTED],
        dates[Milestone.CONFIRMATION_ASKED],
        dates[Milestone.CREDITED],
    ]
    assert "fin de validité" in mails_on[dates[Milestone.ALERTED]][0]
    alert = next(m for m in mail.outbox if m.subject == mails_on[dates[Milestone.ALERTED]][0])
    assert "Carnets émis : 3 ; remis : 1 ; pas encore remis : 2 ; entamés : 1." in alert.body
    # The unpaid order: alerted, stopped, asked, expired unfunded, never credited.
    unpaid_steps = steps_of(unpaid)
    assert set(unpaid_steps) == {
        Milestone.ALERTED,
        Milestone.DISTRIBUTION_STOPPED,
        Milestone.CONFIRMATION_ASKED,
        Milestone.EXPIRED,
    }
    assert unpaid_steps[Milestone.EXPIRED].details == {"passes": 10}
    assert not Invoice.objects.filter(order=unpaid, kind=InvoiceKind.CREDIT_NOTE).exists()


def test_running_again_the_same_day_does_nothing(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    system = system_acting()
    late = datetime.date(2027, 9, 1)
    with at(late):
        first = run_timeline(acting=system)
        again = run_timeline(acting=system)
    assert first.done[Milestone.EXPIRED] == 1 and first.done[Milestone.CREDITED] == 1
    assert again.total == 0
    assert OrderMilestone.objects.filter(order=order).count() == 5
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert check_ledger() == []


def test_a_missed_month_is_caught_up_without_late_alerts(
    sponsor, operator, django_capture_on_commit_callbacks
):
    """The worker was down from J-31 to J+40: every step is done at once, in order, and the
    alerts that no longer make sense are recorded as skipped, not sent."""
    order = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    with at(datetime.date(2027, 8, 9)), django_capture_on_commit_callbacks(execute=True):
        run = run_timeline(acting=system_acting())
    assert run.total == 5
    done = steps_of(order)
    assert done[Milestone.ALERTED].details == {"skipped": True}
    assert done[Milestone.CONFIRMATION_ASKED].details == {"skipped": True}
    assert done[Milestone.CREDITED].details["passes"] == 10
    # The skipped alert and request to confirm send nothing: one e-mail, the closing one.
    assert [message.subject for message in mail.outbox] == [f"Commande {order.reference} : clôture"]


def test_an_order_paid_after_its_expiry_is_credited_then(sponsor, operator):
    order = make_order(
        sponsor=sponsor, operator=operator, paid=False, valid_until=datetime.date(2027, 6, 30)
    )
    system = system_acting()
    with at(datetime.date(2027, 9, 1)):
        run_timeline(acting=system)
        assert Milestone.CREDITED not in steps_of(order)
        from passnum.orders.services import record_payment

        record_payment(acting=operator, order=order, amount_cents=order.total_due_cents)
        assert balance(refundable_code(order.sponsor_id)) == -10 * order.face_value_cents
        run_timeline(acting=system)
    assert steps_of(order)[Milestone.CREDITED].details["passes"] == 10
    assert check_ledger() == []


def test_confirmation_rules(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    late = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    with at(datetime.date(2027, 6, 1)):
        assert end_alert(order) == "soon"
        with pytest.raises(ConfirmationRefused):
            confirm_order_end(acting=sponsor, order=order)
    with at(datetime.date(2027, 6, 23)):
        with pytest.raises(WrongOrganisationKind):
            confirm_order_end(acting=operator, order=order)
        first = confirm_order_end(acting=sponsor, order=order)
        assert confirm_order_end(acting=sponsor, order=order) == first
    with at(datetime.date(2027, 7, 15)):
        assert end_alert(order) == "ended"
    with at(datetime.date(2027, 8, 1)):
        assert end_alert(order) == ""
        with pytest.raises(ConfirmationRefused):  # its passes expired: too late to confirm
            confirm_order_end(acting=sponsor, order=late)


def test_another_sponsor_cannot_confirm(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    stranger = make_acting(OrganisationKind.SPONSOR)
    with at(datetime.date(2027, 6, 25)), pytest.raises(WrongOrganisationKind):
        confirm_order_end(acting=stranger, order=order)


def test_only_the_operator_runs_the_timeline(sponsor):
    with pytest.raises(WrongOrganisationKind):
        run_timeline(acting=sponsor)


def test_the_timeline_of_an_order_for_its_page(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    with at(datetime.date(2027, 6, 24)):
        run_timeline(acting=system_acting())
        confirm_order_end(acting=sponsor, order=order)
    lines = order_timeline(order)
    assert [line.step for line in lines] == [
        Milestone.ALERTED,
        Milestone.DISTRIBUTION_STOPPED,
        Milestone.CONFIRMATION_ASKED,
        Milestone.CONFIRMED,
        Milestone.EXPIRED,
        Milestone.CREDITED,
    ]
    assert [bool(line.done) for line in lines] == [True, True, True, True, False, False]


def test_command_and_daily_job(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    out = StringIO()
    call_command("timeline", "run", "--today", "2027-06-01", stdout=out)
    assert "1 étape(s) faite(s)" in out.getvalue()
    assert set(steps_of(order)) == {Milestone.ALERTED}
    with pytest.raises(CommandError):
        call_command("timeline", "run", "--as", sponsor.user.email, stdout=StringIO())
    assert "timeline" in daily_jobs()
    with at(datetime.date(2027, 6, 16)):
        summary = daily_jobs()["timeline"]()
    assert "1 étape" in summary
    assert set(steps_of(order)) == {Milestone.ALERTED, Milestone.DISTRIBUTION_STOPPED}


def test_the_system_user_cannot_log_in_and_is_made_once(client):
    first = system_acting()
    again = system_acting()
    assert first.user.pk == again.user.pk and first.organisation.pk == again.organisation.pk
    assert not first.user.has_usable_password() and not first.user.is_staff
    assert first.organisation.kind == "operator"


@pytest.mark.postgres
def test_milestones_are_append_only_on_postgresql(sponsor, operator):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL triggers")
    order = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    call_command("timeline", "run", "--today", "2027-06-01", stdout=StringIO())
    milestone = OrderMilestone.objects.get(order=order)
    for sql in (
        "UPDATE orders_ordermilestone SET details = '{}' WHERE id = %s",
        "DELETE FROM orders_ordermilestone WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [milestone.pk])


@pytest.mark.parametrize(
    ("today", "default"),
    [
        (datetime.date(2027, 1, 2), datetime.date(2027, 12, 31)),
        (datetime.date(2027, 9, 30), datetime.date(2027, 12, 31)),
        (datetime.date(2027, 10, 1), datetime.date(2028, 12, 31)),
        (datetime.date(2026, 12, 20), datetime.date(2027, 12, 31)),
    ],
)
def test_an_order_placed_late_in_the_year_is_valid_until_the_next_one(today, default):
    """Ordered in December, a validity end of 31/12 would stop the distribution (J-15) before
    the booklets are printed."""
    from passnum.orders.validation import default_valid_until

    assert default_valid_until(today) == default


def test_no_alert_for_an_order_whose_passes_are_all_used(sponsor, operator, provider, place):
    order = make_order(
        sponsor=sponsor, operator=operator, quantity=10, valid_until=datetime.date(2027, 6, 30)
    )
    redeem(provider, place, passes_of(order)[:5])
    redeem(provider, place, passes_of(order)[5:])
    with at(datetime.date(2027, 6, 24)):
        run_timeline(acting=system_acting())
    done = steps_of(order)
    assert done[Milestone.ALERTED].details == {"skipped": True}
    assert done[Milestone.CONFIRMATION_ASKED].details == {"skipped": True}


def test_a_failing_mail_server_never_stops_the_timeline(
    sponsor, operator, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.failing_mail.FailingBackend"}}
    first = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    second = make_order(sponsor=sponsor, operator=operator, valid_until=datetime.date(2027, 6, 30))
    with at(datetime.date(2027, 6, 2)), django_capture_on_commit_callbacks(execute=True):
        run = run_timeline(acting=system_acting())
    assert run.done[Milestone.ALERTED] == 2 and run.failed == []
    assert set(steps_of(first)) == set(steps_of(second)) == {Milestone.ALERTED}
