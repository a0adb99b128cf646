import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import User
from passnum.accounts.selectors import Acting
from passnum.core.services import allocate_numbers
from passnum.orders.enums import OrderStatus
from passnum.orders.exceptions import AlreadyIssued, InvalidOrder
from passnum.orders.models import Order
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.exceptions import CodeCollision, InvalidRange, NoPassesChanged, NotYetExpired
from passnum.passes.issuing import insert_booklets, insert_passes
from passnum.passes.models import Pass, PassEvent

MAX_RANGE = 100_000


def issue_passes(*, acting: Acting, order: Order) -> Order:
    """Create the order's booklets and passes, with serials and fresh codes, in one transaction.

    Passes are inactive until the order is paid (active at once if it already is).
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    codes = pass_codes.new_codes(order.quantity)
    if len(set(codes)) != len(codes):
        raise CodeCollision()
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.issued_at is not None:
                raise AlreadyIssued()
            if locked.status == OrderStatus.CANCELLED:
                raise InvalidOrder(_("Une commande annulée ne peut pas être émise."))
            booklet_numbers = allocate_numbers(name="booklet", count=locked.booklet_count)
            serials = allocate_numbers(name="pass-serial", count=locked.quantity)
            booklet_ids = insert_booklets(
                order=locked, first_number=booklet_numbers[0], first_serial=serials[0]
            )
            status = PassStatus.ACTIVE if locked.is_paid else PassStatus.INACTIVE
            insert_passes(
                order=locked,
                booklet_ids=booklet_ids,
                first_serial=serials[0],
                codes=codes,
                status=status,
            )
            locked.issued_at = timezone.now()
            locked.save(update_fields=["issued_at"])
            PassEvent.objects.create(
                order=locked,
                from_statuses=[],
                to_status=status,
                serial_first=serials[0],
                serial_last=serials[-1],
                pass_count=locked.quantity,
                actor=acting.user,
                reason=str(_("Émission")),
            )
    except IntegrityError as exc:
        if "pass_code_unique" in str(exc):
            raise CodeCollision() from exc
        raise
    return locked


def activate_order_passes(*, order: Order, actor: User) -> int:
    """Called by record_payment, inside its transaction: the order's passes become usable."""
    count = Pass.objects.filter(order=order, status=PassStatus.INACTIVE).update(
        status=PassStatus.ACTIVE
    )
    if count:
        PassEvent.objects.create(
            order=order,
            from_statuses=[PassStatus.INACTIVE],
            to_status=PassStatus.ACTIVE,
            pass_count=count,
            actor=actor,
            reason=str(_("Paiement reçu")),
        )
    return count


def block_order_passes(*, order: Order, actor: User, reason: str) -> int:
    """Called by cancel_order, inside its transaction."""
    count = Pass.objects.filter(order=order, status=PassStatus.INACTIVE).update(
        status=PassStatus.BLOCKED
    )
    if count:
        PassEvent.objects.create(
            order=order,
            from_statuses=[PassStatus.INACTIVE],
            to_status=PassStatus.BLOCKED,
            pass_count=count,
            actor=actor,
            reason=reason,
        )
    return count


def block_passes(*, acting: Acting, serial_first: int, serial_last: int, reason: str) -> int:
    """Block a lost or stolen pass or serial range; returns how many passes were blocked.

    A sponsor blocks only passes of its own orders; the operator any. Redeemed and expired
    passes are left as they are. Blocking moves no money: the escrow still holds the value.
    """
    passes = _range_for(acting=acting, serial_first=serial_first, serial_last=serial_last)
    with transaction.atomic():
        count = passes.filter(status__in=[PassStatus.INACTIVE, PassStatus.ACTIVE]).update(
            status=PassStatus.BLOCKED
        )
        if not count:
            raise NoPassesChanged()
        PassEvent.objects.create(
            from_statuses=[PassStatus.INACTIVE, PassStatus.ACTIVE],
            to_status=PassStatus.BLOCKED,
            serial_first=serial_first,
            serial_last=serial_last,
            pass_count=count,
            actor=acting.user,
            reason=reason,
        )
    return count


def unblock_passes(*, acting: Acting, serial_first: int, serial_last: int, reason: str) -> int:
    """Undo a block: passes return to active (order paid) or inactive (not yet paid)."""
    passes = _range_for(acting=acting, serial_first=serial_first, serial_last=serial_last)
    with transaction.atomic():
        blocked = passes.filter(status=PassStatus.BLOCKED).exclude(
            order__status=OrderStatus.CANCELLED
        )
        active = blocked.filter(order__status=OrderStatus.PAID).update(status=PassStatus.ACTIVE)
        inactive = blocked.filter(order__status=OrderStatus.AWAITING_PAYMENT).update(
            status=PassStatus.INACTIVE
        )
        if not active + inactive:
            raise NoPassesChanged()
        for to_status, count in ((PassStatus.ACTIVE, active), (PassStatus.INACTIVE, inactive)):
            if count:
                PassEvent.objects.create(
                    from_statuses=[PassStatus.BLOCKED],
                    to_status=to_status,
                    serial_first=serial_first,
                    serial_last=serial_last,
                    pass_count=count,
                    actor=acting.user,
                    reason=reason,
                )
    return active + inactive


def expire_order_passes(*, actor: User, order: Order, today: datetime.date | None = None) -> int:
    """At validity end + tolerance, unused passes expire; their face value becomes refundable
    to the sponsor (the credit note is issued from that account). Fees are not refunded."""
    from passnum.ledger.services import post_expiry

    today = today or timezone.localdate()
    if today <= order.expires_on:
        raise NotYetExpired(date=order.expires_on.strftime("%d/%m/%Y"))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        funded = locked.status in (OrderStatus.PAID, OrderStatus.CLOSED)
        outstanding = [PassStatus.ACTIVE, PassStatus.BLOCKED]
        count = Pass.objects.filter(order=locked, status__in=outstanding).update(
            status=PassStatus.EXPIRED
        )
        unfunded = Pass.objects.filter(order=locked, status=PassStatus.INACTIVE).update(
            status=PassStatus.EXPIRED
        )
        if count and funded:
            post_expiry(order=locked, pass_count=count, actor=actor)
        if count + unfunded:
            PassEvent.objects.create(
                order=locked,
                from_statuses=[*outstanding, PassStatus.INACTIVE],
                to_status=PassStatus.EXPIRED,
                pass_count=count + unfunded,
                actor=actor,
                reason=str(_("Fin de validité")),
            )
    return count + unfunded


def _range_for(*, acting: Acting, serial_first: int, serial_last: int) -> QuerySet[Pass]:
    if serial_first < 1 or serial_last < serial_first or serial_last - serial_first >= MAX_RANGE:
        raise InvalidRange(max=MAX_RANGE)
    passes = Pass.objects.filter(serial__gte=serial_first, serial__lte=serial_last)
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return passes
    if acting.organisation.kind == OrganisationKind.SPONSOR:
        return passes.filter(order__sponsor=acting.organisation)
    raise WrongOrganisationKind()
