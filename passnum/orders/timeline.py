"""The end of validity of an order (SPEC §3.7), run once a day (`passnum timeline run`, daily job
`timeline`), idempotent: each step is done once per order, recorded as an `OrderMilestone`.

For an order whose validity ends on V, with a tolerance of T days (passes still redeemable until
V + T, `order.expires_on`):

| step                   | due on                         | what it does                                  |
|------------------------|--------------------------------|-----------------------------------------------|
| alerted                | V − PASSNUM_VALIDITY_ALERT_DAYS (J-30) | e-mail to the sponsor's members; its pages show the alert with the booklets issued / handed out / not handed out / started |
| distribution_stopped   | V − PASSNUM_DISTRIBUTION_STOP_DAYS (J-15) | recorded (the distribution services refuse from that day on, `passes/distribution.py`) |
| confirmation_asked     | V − PASSNUM_VALIDITY_CONFIRM_DAYS (J-7) | e-mail asking the sponsor to confirm (`confirm_order_end`, a button on the order's page) |
| expired                | V + T + 1                      | unused passes expire (`expire_order_passes`: escrow → refundable to the sponsor) |
| credited               | max(V + PASSNUM_CREDIT_NOTE_DAYS (J+37), V + T + 1) | the credit note for the face value of the expired passes (`issue_credit_note`), then the order is closed |

A day missed (the worker was down) is caught up: every step due on or before `today` is done,
in order. The alert and the request for confirmation are not sent any more once the validity has
ended (they are recorded as skipped). Orders that are drafts or cancelled have no timeline; an
order still awaiting payment gets the alerts and the expiry (its passes expire unfunded) but no
credit note (it paid nothing). The sponsor's confirmation is an acknowledgement: passes expire on
their date whether or not it came, and operator staff see the orders not confirmed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.orders.enums import Milestone, OrderStatus
from passnum.orders.exceptions import ConfirmationRefused
from passnum.orders.models import Order, OrderMilestone
from passnum.passes.enums import BookletState

DAY = datetime.timedelta(days=1)
# Statuses that have a timeline (a draft has no passes yet, a cancelled order has no value).
LIVE = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.CLOSED)
SCHEDULED: tuple[str, ...] = (
    Milestone.ALERTED,
    Milestone.DISTRIBUTION_STOPPED,
    Milestone.CONFIRMATION_ASKED,
    Milestone.EXPIRED,
    Milestone.CREDITED,
)


def due_dates(order: Order) -> dict[str, datetime.date]:  # keyed by Milestone values
    """When each scheduled step of `order` is due."""
    end = order.valid_until
    expiry = order.expires_on + DAY
    return {
        Milestone.ALERTED: end - datetime.timedelta(days=settings.PASSNUM_VALIDITY_ALERT_DAYS),
        Milestone.DISTRIBUTION_STOPPED: end
        - datetime.timedelta(days=settings.PASSNUM_DISTRIBUTION_STOP_DAYS),
        Milestone.CONFIRMATION_ASKED: end
        - datetime.timedelta(days=settings.PASSNUM_VALIDITY_CONFIRM_DAYS),
        Milestone.EXPIRED: expiry,
        Milestone.CREDITED: max(
            end + datetime.timedelta(days=settings.PASSNUM_CREDIT_NOTE_DAYS), expiry
        ),
    }


@dataclass
class TimelineRun:
    """What one run did: the steps done, by step; the orders whose step failed, with why."""

    today: datetime.date
    done: dict[str, int]
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.done.values())


def run_timeline(*, acting: Acting, today: datetime.date | None = None) -> TimelineRun:
    """Do every step due on or before `today` (default: the local date) not yet done, for every
    order with a timeline. Operator staff (or the system actor) only. Each order's steps run in
    their own transaction: one order's failure never undoes another's steps."""
    acting.require_kind(OrganisationKind.OPERATOR)
    today = today or timezone.localdate()
    done: dict[str, int] = dict.fromkeys(SCHEDULED, 0)
    run = TimelineRun(today=today, done=done)
    for order in candidates(today=today):
        try:
            for step in _do_due_steps(acting=acting, order=order, today=today):
                done[step] += 1
        except DomainError as exc:  # this order's step is left for the next run; go on
            run.failed.append((order.reference, str(exc)))
    return run


def candidates(*, today: datetime.date) -> QuerySet[Order]:
    """Orders with a step due by `today` and not done: the alert window has begun and the last
    step (credited) is not recorded. The ones credited long ago are never read again."""
    horizon = today + datetime.timedelta(days=settings.PASSNUM_VALIDITY_ALERT_DAYS)
    return (
        Order.objects.filter(status__in=LIVE, valid_until__lte=horizon)
        .exclude(milestones__step=Milestone.CREDITED)
        .exclude(Q(status=OrderStatus.AWAITING_PAYMENT) & Q(milestones__step=Milestone.EXPIRED))
        .select_related("sponsor")
        .order_by("valid_until", "pk")
    )


def _do_due_steps(*, acting: Acting, order: Order, today: datetime.date) -> list[str]:
    dates = due_dates(order)
    recorded = set(order.milestones.values_list("step", flat=True))
    steps: list[str] = []
    for step in SCHEDULED:
        if step in recorded or dates[step] > today:
            continue
        if step == Milestone.CREDITED and not order.is_paid:
            continue  # unpaid: nothing to credit (an order paid later is credited then)
        if _do_step(acting=acting, order=order, step=step, due_on=dates[step], today=today):
            steps.append(step)
    return steps


def _do_step(
    *, acting: Acting, order: Order, step: str, due_on: datetime.date, today: datetime.date
) -> bool:
    """One step in its transaction; False if another run recorded it meanwhile."""
    try:
        with transaction.atomic():
            # Two runs at once: the second waits here, then finds the step done.
            Order.objects.select_for_update().filter(pk=order.pk).first()
            if OrderMilestone.objects.filter(order=order, step=step).exists():
                return False
            details = _STEPS[step](acting=acting, order=order, today=today)
            OrderMilestone.objects.create(
                order=order, step=step, due_on=due_on, actor=acting.user, details=details
            )
    except IntegrityError as exc:  # the unique pair, on a database without row locks
        if "milestone_once_per_order" in str(exc) or "orders_ordermilestone" in str(exc):
            return False
        raise
    if step in _NOTIFIED and not details.get("skipped"):
        from passnum.orders.notifications import notify_milestone

        order_id = order.pk
        # robust: a mail server that fails is logged; the step stays done, the run goes on
        transaction.on_commit(lambda: notify_milestone(order_id=order_id, step=step), robust=True)
    return True


def _nothing_to_warn_of(order: Order, today: datetime.date) -> bool:
    """Caught up after the validity end, or no pass left to use: the alert and the request to
    confirm are recorded as skipped, not sent."""
    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Pass

    if today > order.valid_until:
        return True
    left = (PassStatus.ACTIVE, PassStatus.INACTIVE, PassStatus.BLOCKED)
    return not Pass.objects.filter(order=order, status__in=left).exists()


def _alert(*, acting: Acting, order: Order, today: datetime.date) -> dict:
    if _nothing_to_warn_of(order, today):
        return {"skipped": True}
    from passnum.passes.models import Booklet
    from passnum.passes.states import state_counts

    states = state_counts(Booklet.objects.filter(order=order))
    return {"booklets": sum(states.values()), "states": {str(k): v for k, v in states.items()}}


def _stop(*, acting: Acting, order: Order, today: datetime.date) -> dict:
    return {}


def _ask_confirmation(*, acting: Acting, order: Order, today: datetime.date) -> dict:
    if _nothing_to_warn_of(order, today):
        return {"skipped": True}
    return {}


def _expire(*, acting: Acting, order: Order, today: datetime.date) -> dict:
    from passnum.passes.services import expire_order_passes

    return {"passes": expire_order_passes(actor=acting.user, order=order, today=today)}


def _credit(*, acting: Acting, order: Order, today: datetime.date) -> dict:
    """The credit note for the expired passes not yet credited, then the order is closed. An
    order without an invoice (placed through the API, which issues none) gets it first: a
    credit note corrects an invoice."""
    from passnum.orders.invoicing import credited_pass_count, issue_credit_note, issue_invoice
    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Pass

    expired = Pass.objects.filter(order=order, status=PassStatus.EXPIRED).count()
    uncredited = expired - credited_pass_count(order=order)
    details: dict = {"passes": uncredited}
    if uncredited > 0:
        issue_invoice(acting=acting, order=order)  # returns the existing one if any
        note = issue_credit_note(acting=acting, order=order, pass_count=uncredited)
        details["credit_note"] = note.number
    if Order.objects.get(pk=order.pk).status == OrderStatus.PAID:
        from passnum.orders.services import close_order

        close_order(acting=acting, order=order, reason=str(Milestone.CREDITED.label))
    return details


_STEPS: dict[str, Callable[..., dict]] = {
    Milestone.ALERTED: _alert,
    Milestone.DISTRIBUTION_STOPPED: _stop,
    Milestone.CONFIRMATION_ASKED: _ask_confirmation,
    Milestone.EXPIRED: _expire,
    Milestone.CREDITED: _credit,
}
_NOTIFIED = {Milestone.ALERTED, Milestone.CONFIRMATION_ASKED, Milestone.CREDITED}


def confirm_order_end(*, acting: Acting, order: Order) -> OrderMilestone:
    """The sponsor confirms the end of validity of its order (from J-7 until the passes expire).
    Idempotent: a second confirmation returns the first."""
    if acting.organisation.kind != OrganisationKind.SPONSOR or acting.organisation.pk != (
        order.sponsor_id
    ):
        raise WrongOrganisationKind()
    today = timezone.localdate()
    dates = due_dates(order)
    existing = OrderMilestone.objects.filter(order=order, step=Milestone.CONFIRMED).first()
    if existing is not None:
        return existing
    if order.status not in LIVE or not (
        dates[Milestone.CONFIRMATION_ASKED] <= today <= order.expires_on
    ):
        raise ConfirmationRefused(
            date=dates[Milestone.CONFIRMATION_ASKED].strftime("%d/%m/%Y"),
            last=order.expires_on.strftime("%d/%m/%Y"),
            reference=order.reference,
        )
    try:
        with transaction.atomic():
            return OrderMilestone.objects.create(
                order=order,
                step=Milestone.CONFIRMED,
                due_on=dates[Milestone.CONFIRMATION_ASKED],
                actor=acting.user,
            )
    except IntegrityError:
        return OrderMilestone.objects.get(order=order, step=Milestone.CONFIRMED)


@dataclass(frozen=True)
class TimelineLine:
    """One step of an order's timeline as a page shows it."""

    step: str
    label: str
    due_on: datetime.date
    done: OrderMilestone | None


def order_timeline(order: Order) -> list[TimelineLine]:
    """The scheduled steps of `order` with their dates and what was done (2 queries at most)."""
    if order.status not in LIVE:
        return []
    dates = due_dates(order)
    done = {milestone.step: milestone for milestone in order.milestones.select_related("actor")}
    lines = [
        TimelineLine(
            step=step, label=str(Milestone(step).label), due_on=dates[step], done=done.get(step)
        )
        for step in SCHEDULED
    ]
    if Milestone.CONFIRMED in done:
        confirmed = done[Milestone.CONFIRMED]
        lines.insert(
            3,
            TimelineLine(
                step=Milestone.CONFIRMED,
                label=str(Milestone.CONFIRMED.label),
                due_on=confirmed.due_on,
                done=confirmed,
            ),
        )
    return lines


def end_alert(order: Order, *, today: datetime.date | None = None) -> str:
    """What the sponsor's pages say of the end of validity: '' outside the window, else
    'soon' (from J-30), 'confirm' (from J-7, not confirmed; 'confirmed' once it is), 'ended'
    (after the validity end, until the passes expire)."""
    if order.status not in LIVE:
        return ""
    today = today or timezone.localdate()
    dates = due_dates(order)
    if today < dates[Milestone.ALERTED] or today > order.expires_on:
        return ""
    if today > order.valid_until:
        return "ended"
    if today >= dates[Milestone.CONFIRMATION_ASKED]:
        confirmed = OrderMilestone.objects.filter(order=order, step=Milestone.CONFIRMED).exists()
        return "confirmed" if confirmed else "confirm"
    return "soon"


def orders_ending(*, acting: Acting, today: datetime.date | None = None) -> list[tuple[Order, str]]:
    """The acting sponsor's orders between their J-30 alert and their expiry, with what to say
    of each (`end_alert`), soonest end first: the alerts of its pages and dashboard."""
    if acting.organisation.kind != OrganisationKind.SPONSOR:
        return []
    from passnum.orders.models import MAX_TOLERANCE_DAYS

    today = today or timezone.localdate()
    window = Order.objects.filter(
        sponsor=acting.organisation,
        status__in=LIVE,
        valid_until__lte=today + datetime.timedelta(days=settings.PASSNUM_VALIDITY_ALERT_DAYS),
        valid_until__gte=today - datetime.timedelta(days=MAX_TOLERANCE_DAYS),
    ).order_by("valid_until", "pk")
    found = [(order, end_alert(order, today=today)) for order in window[:50]]
    return [(order, alert) for order, alert in found if alert]


@dataclass(frozen=True)
class BookletFigures:
    """An order's booklets by state as its J-30 step counted them (`OrderMilestone.details`),
    in the words of SPEC §3.7: issued, handed out, not yet handed out, started."""

    states: dict[str, int]

    @property
    def issued(self) -> int:
        return sum(self.states.values())

    @property
    def handed_out(self) -> int:
        handed = (BookletState.HANDED_OUT, BookletState.STARTED, BookletState.FINISHED)
        return sum(self.states.get(state, 0) for state in handed)

    @property
    def not_handed_out(self) -> int:
        waiting = (BookletState.IN_STOCK, BookletState.AT_DISTRIBUTOR)
        return sum(self.states.get(state, 0) for state in waiting)

    @property
    def started(self) -> int:
        return self.states.get(BookletState.STARTED, 0)


@dataclass(frozen=True)
class EndingAlert:
    """An order's end-of-validity alert as the sponsor dashboard shows it, with its booklets as
    counted by the J-30 step (None before that step ran)."""

    order: Order
    alert: str
    booklets: BookletFigures | None


def ending_alerts(*, acting: Acting, order: Order | None = None) -> list[EndingAlert]:
    """The dashboard's J-30 alerts: the acting sponsor's orders in their end-of-validity window
    (or just `order`), with the booklet figures of their J-30 step. Two queries."""
    if order is not None:
        alert = end_alert(order)
        found = [(order, alert)] if alert else []
    else:
        found = orders_ending(acting=acting)
    if not found:
        return []
    details = dict(
        OrderMilestone.objects.filter(
            order__in=[o for o, _a in found], step=Milestone.ALERTED
        ).values_list("order_id", "details")
    )
    return [
        EndingAlert(
            order=o,
            alert=a,
            booklets=_figures(details.get(o.pk)),
        )
        for o, a in found
    ]


def _figures(details: dict | None) -> BookletFigures | None:
    states = (details or {}).get("states")
    return BookletFigures(states) if states is not None else None
