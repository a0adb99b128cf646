import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import User
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import InvalidInput
from passnum.core.services import allocate_numbers
from passnum.core.text import has_forbidden_characters
from passnum.orders.enums import OrderStatus
from passnum.orders.exceptions import AlreadyIssued, InvalidOrder
from passnum.orders.models import Order
from passnum.passes import codes as pass_codes
from passnum.passes.enums import AssignmentKind, PassStatus
from passnum.passes.exceptions import CodeCollision, InvalidRange, NoPassesChanged, NotYetExpired
from passnum.passes.issuing import insert_booklets, insert_passes
from passnum.passes.models import Booklet, BookletAssignment, Pass, PassEvent, PassReplacement

MAX_RANGE = 100_000


def issue_passes(*, acting: Acting, order: Order) -> Order:
    """Create the order's booklets and passes, with serials and fresh codes, in one transaction.

    Passes are inactive until the order is paid (active at once if it already is). Operator
    staff only; the sponsor's acceptance of its quote issues them through `issue_order_passes`.
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    return issue_order_passes(order=order, actor=acting.user)


def issue_order_passes(*, order: Order, actor: User) -> Order:
    """The work of `issue_passes`, for the services that checked who acts: `issue_passes`, and
    the acceptance of a quote (`orders.drafts.accept_quote`, inline or in its background job).
    A draft has no passes (`InvalidOrder`); a second call raises `AlreadyIssued`."""
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
            if locked.status == OrderStatus.DRAFT:
                raise InvalidOrder(
                    _("Un brouillon n'a pas de pass : ils sont émis quand le devis est accepté.")
                )
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
                actor=actor,
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


def _checked_reason(reason: str) -> str:
    """A (un)block's reason as stored: stripped, without control characters (the API's and the
    pages' rule, so every way in, the back-office included, refuses the same text)."""
    reason = reason.strip()
    if has_forbidden_characters(reason, multiline=True):
        raise InvalidInput(_("Le motif contient un caractère de contrôle : retirez-le."))
    return reason


def block_passes(*, acting: Acting, serial_first: int, serial_last: int, reason: str) -> int:
    """Block a lost or stolen pass or serial range; returns how many passes were blocked.

    A sponsor blocks only passes of its own orders, a distributor only passes of the booklets
    it holds; the operator any. Redeemed and expired passes are left as they are. Blocking
    moves no money: the escrow still holds the value.
    """
    reason = _checked_reason(reason)
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
    """Undo a block: passes return to active (order paid) or inactive (not yet paid). The
    operator or the sponsor only (a distributor cannot lift a block)."""
    acting.require_kind(OrganisationKind.OPERATOR, OrganisationKind.SPONSOR)
    reason = _checked_reason(reason)
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
    from passnum.orders.postings import post_expiry

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


@dataclass(frozen=True)
class Reissue:
    """What `reissue_passes` did: how many passes it replaced, and the new booklets."""

    count: int
    booklets: list[Booklet]


def reissue_passes(*, acting: Acting, serial_first: int, serial_last: int, reason: str) -> Reissue:
    """The operator replaces the blocked (hence unused) passes of a serial range by new passes
    with new codes and serials, of the same orders, in new booklets given to the holders of the
    old ones (one new booklet per old booklet). The old passes become REPLACED.

    The ledger does not move: each order's escrow holds face value × its passes active or
    blocked (`reconciliation.checks`), and every blocked pass that leaves that count becomes a
    new active pass (inactive if the order is not yet paid, like its other passes). Passes of a
    cancelled order are never reissued. Logged: a PassEvent per order for each side, a
    PassReplacement per pass, a BookletAssignment for each new booklet given to a distributor.
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    reason = reason.strip()
    if not reason or has_forbidden_characters(reason, multiline=True):
        raise InvalidInput(_("Indiquez le motif du remplacement."))
    passes = _range_for(acting=acting, serial_first=serial_first, serial_last=serial_last)
    replaceable = passes.filter(status=PassStatus.BLOCKED).exclude(
        order__status=OrderStatus.CANCELLED
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            old = list(
                replaceable.select_for_update(of=("self",))
                .order_by("serial")
                .values_list("pk", "serial", "order_id", "booklet_id")
            )
            if not old:
                raise NoPassesChanged()
            replaced = replaceable.update(status=PassStatus.REPLACED)
            assert replaced == len(old)
            booklets = _replacement_booklets(acting=acting, old=old, now=now, reason=reason)
    except IntegrityError as exc:
        if "pass_code_unique" in str(exc):
            raise CodeCollision() from exc
        raise
    return Reissue(count=len(old), booklets=booklets)


def _replacement_booklets(
    *, acting: Acting, old: list[tuple[int, int, int, int]], now, reason: str
) -> list[Booklet]:
    """Inside reissue_passes' transaction: the new booklets, passes and their logs."""
    by_order: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for row in old:
        by_order[row[2]].append(row)
    orders = Order.objects.in_bulk(list(by_order))
    holders = dict(
        Booklet.objects.filter(pk__in={row[3] for row in old}).values_list("pk", "distributor_id")
    )
    created: list[Booklet] = []
    for order_id, rows in sorted(by_order.items()):
        order = orders[order_id]
        groups: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        for row in rows:  # by serial: one new booklet per old booklet, in the same order
            groups[row[3]].append(row)
        numbers = allocate_numbers(name="booklet", count=len(groups))
        serials = allocate_numbers(name="pass-serial", count=len(rows))
        codes = pass_codes.new_codes(len(rows))
        if len(set(codes)) != len(codes):
            raise CodeCollision()
        status = PassStatus.ACTIVE if order.is_paid else PassStatus.INACTIVE
        new_booklets, new_passes, pairs = [], [], []
        position = 0
        for number, (old_booklet, members) in zip(numbers, groups.items(), strict=True):
            first = serials[position]
            booklet = Booklet(
                order=order,
                number=number,
                first_serial=first,
                last_serial=first + len(members) - 1,
                distributor_id=holders.get(old_booklet),
                assigned_at=now if holders.get(old_booklet) else None,
            )
            new_booklets.append(booklet)
            for old_pk, _serial, _order, _booklet in members:
                new_passes.append((booklet, serials[position], codes[position]))
                pairs.append((old_pk, serials[position]))
                position += 1
        Booklet.objects.bulk_create(new_booklets, batch_size=2000)
        Pass.objects.bulk_create(
            [
                Pass(order=order, booklet=booklet, serial=serial, code=code, status=status)
                for booklet, serial, code in new_passes
            ],
            batch_size=5000,
        )
        new_ids = dict(
            Pass.objects.filter(serial__gte=serials[0], serial__lte=serials[-1]).values_list(
                "serial", "pk"
            )
        )
        PassReplacement.objects.bulk_create(
            [
                PassReplacement(
                    old_pass_id=old_pk,
                    new_pass_id=new_ids[serial],
                    actor=acting.user,
                    reason=reason,
                )
                for old_pk, serial in pairs
            ],
            batch_size=5000,
        )
        PassEvent.objects.bulk_create(
            [
                PassEvent(
                    order=order,
                    from_statuses=[PassStatus.BLOCKED],
                    to_status=PassStatus.REPLACED,
                    serial_first=rows[0][1],
                    serial_last=rows[-1][1],
                    pass_count=len(rows),
                    actor=acting.user,
                    reason=reason,
                ),
                PassEvent(
                    order=order,
                    from_statuses=[],
                    to_status=status,
                    serial_first=serials[0],
                    serial_last=serials[-1],
                    pass_count=len(rows),
                    actor=acting.user,
                    reason=str(
                        _("Remplacement des pass bloqués %(first)s à %(last)s : %(reason)s")
                        % {"first": rows[0][1], "last": rows[-1][1], "reason": reason}
                    ),
                ),
            ]
        )
        given = [booklet for booklet in new_booklets if booklet.distributor_id]
        BookletAssignment.objects.bulk_create(
            [
                BookletAssignment(
                    order=order,
                    kind=AssignmentKind.REISSUE,
                    first_number=booklet.number,
                    last_number=booklet.number,
                    booklet_count=1,
                    from_distributor=None,
                    to_distributor_id=booklet.distributor_id,
                    actor=acting.user,
                    acting_organisation=acting.organisation,
                )
                for booklet in given
            ],
            batch_size=2000,
        )
        created.extend(new_booklets)
    return created


def _range_for(*, acting: Acting, serial_first: int, serial_last: int) -> QuerySet[Pass]:
    if serial_first < 1 or serial_last < serial_first or serial_last - serial_first >= MAX_RANGE:
        raise InvalidRange(max=MAX_RANGE)
    passes = Pass.objects.filter(serial__gte=serial_first, serial__lte=serial_last)
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return passes
    if acting.organisation.kind == OrganisationKind.SPONSOR:
        return passes.filter(order__sponsor=acting.organisation)
    if acting.organisation.kind == OrganisationKind.DISTRIBUTOR:
        # Within the booklets it holds (handed out or not), nothing else.
        return passes.filter(booklet__distributor=acting.organisation)
    raise WrongOrganisationKind()
