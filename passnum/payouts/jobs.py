"""The daily payout job (passnum/jobs/registry.py): PASSNUM_PAYOUT_FREQUENCY says when.

monthly: from day PASSNUM_PAYOUT_DAY of a month on, the month before is paid (a missed day is
caught up the next day: running a period twice pays nothing twice); weekly: the week before
(Monday to Sunday); manual: never by itself."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.jobs.registry import daily_job


def due_period(today: datetime.date):
    """The period the job pays today, or None."""
    from passnum.payouts.periods import previous_month, previous_week

    frequency = settings.PASSNUM_PAYOUT_FREQUENCY
    if frequency == "monthly" and today.day >= settings.PASSNUM_PAYOUT_DAY:
        return previous_month(today)
    if frequency == "weekly":
        return previous_week(today)
    return None


@daily_job("payouts")
def run_payouts_daily() -> str:
    from passnum.accounts.services.system import system_acting
    from passnum.payouts.models import PayoutTransfer
    from passnum.payouts.services import run_payouts

    period = due_period(timezone.localdate())
    if period is None:
        return _("Aucun paiement prévu aujourd'hui")
    outcome = run_payouts(
        acting=system_acting(),
        period_start=period.start,
        period_end=period.end,
        kind=period.kind,
    )
    if not outcome.created:
        return _("Paiement %(run)s déjà fait") % {"run": outcome.run.reference}
    return _("Paiement %(run)s : %(count)s virement(s)") % {
        "run": outcome.run.reference,
        "count": PayoutTransfer.objects.filter(run=outcome.run).count(),
    }
