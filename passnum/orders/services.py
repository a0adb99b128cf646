import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import InvalidInput
from passnum.core.money import format_euros
from passnum.core.services import allocate_numbers
from passnum.core.text import has_forbidden_characters
from passnum.core.transitions import check_transition
from passnum.orders.enums import ORDER_TRANSITIONS, BookletSize, OrderStatus
from passnum.orders.exceptions import InvalidOrder, PaymentsReceived
from passnum.orders.models import Order, OrderTransition
from passnum.orders.validation import (  # noqa: F401 (re-exported: callers import them from here)
    LOGO_TYPES,
    MAX_VALIDITY_YEARS,
    UsageRules,
    default_valid_until,
    latest_valid_until,
    order_values,
)


def create_order(
    *,
    acting: Acting,
    quantity: int,
    booklet_size: int = BookletSize.TEN,
    sponsor: Organisation | None = None,
    face_value_cents: int | None = None,
    valid_until: datetime.date | None = None,
    rules: UsageRules | None = None,
    label: str = "",
    draft: bool = False,
    print_text: str = "",
    logo: bytes | None = None,
    tolerance_days: int | None = None,
) -> Order:
    """A sponsor orders passes (an operator may order on a sponsor's behalf).

    Computes the quote with the instance's current rates (SPEC §2). `draft`: the order is saved
    as a draft the sponsor may still change or delete (`orders.drafts`), without its escrow
    account; otherwise it awaits payment at once and its escrow account is opened (accepting
    the quote — invoice and passes — is `orders.drafts.accept_quote` or `place_order`).
    Every field is checked before anything is written: `InvalidOrder` names the field at fault
    and lists every refusal in its `details`. `logo`: the bytes of a PNG or JPEG image.
    """
    sponsor = _ordering_sponsor(acting=acting, sponsor=sponsor)
    values = order_values(
        quantity=quantity,
        booklet_size=booklet_size,
        face_value_cents=face_value_cents,
        valid_until=valid_until,
        rules=rules or UsageRules(),
        label=label,
        print_text=print_text,
        logo=logo,
        tolerance_days=tolerance_days,
    )
    today = timezone.localdate()
    from passnum.orders.postings import open_order_accounts

    stored_logo = store_logo(logo) if logo is not None else ""
    try:
        with transaction.atomic():
            number = allocate_numbers(name=f"order-{today.year}", count=1)[0]
            order = Order.objects.create(
                reference=f"CMD-{today.year}-{number:06d}",
                sponsor=sponsor,
                status=OrderStatus.DRAFT if draft else OrderStatus.AWAITING_PAYMENT,
                logo=stored_logo,
                created_by=acting.user,
                **values,
            )
            if not draft:
                open_order_accounts(order=order)
    except BaseException:
        delete_logo(stored_logo)
        raise
    return order


def store_logo(logo: bytes) -> str:
    """Writes a checked logo under MEDIA_ROOT/logos/ (a random name); its storage name."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    extension = next(ext for magic, ext in LOGO_TYPES.items() if logo.startswith(magic))
    return default_storage.save(f"logos/{uuid.uuid4().hex}.{extension}", ContentFile(logo))


def delete_logo(name: str) -> None:
    """Removes a logo file no order uses any more (after the commit that dropped it)."""
    if name:
        from django.core.files.storage import default_storage

        default_storage.delete(name)


def record_payment(
    *,
    acting: Acting,
    order: Order,
    amount_cents: int,
    reference: str = "",
    received_on: datetime.date | None = None,
) -> Order:
    """Finance staff record money received for an order (one transfer, one mandate).

    Payments add up: each call appends a `Payment`. When their sum reaches the order's total
    due, the order becomes paid in the same transaction: the ledger posts the order payment once
    (bank, escrow, fee, VAT: partial amounts are not posted before), the passes activate. A
    payment above what remains due is refused (`Overpayment`), as is any payment on an order
    that is not awaiting payment (`InvalidTransition`).
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    _validate_reference(reference)
    from django.db.models import Sum

    from passnum.orders.exceptions import InvalidPayment, Overpayment
    from passnum.orders.models import Payment
    from passnum.orders.postings import post_expiry, post_order_payment
    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Pass
    from passnum.passes.services import activate_order_passes

    if amount_cents < 1:
        raise InvalidPayment()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        check_transition(
            ORDER_TRANSITIONS,
            current=locked.status,
            target=OrderStatus.PAID,
            label=locked.reference,
        )
        received = (
            Payment.objects.filter(order=locked).aggregate(total=Sum("amount_cents"))["total"] or 0
        )
        remaining = locked.total_due_cents - received
        if amount_cents > remaining:
            raise Overpayment(
                received=format_euros(amount_cents),
                remaining=format_euros(remaining),
                reference=locked.reference,
            )
        Payment.objects.create(
            order=locked,
            amount_cents=amount_cents,
            reference=reference,
            received_on=received_on or timezone.localdate(),
            recorded_by=acting.user,
        )
        if amount_cents < remaining:
            return locked  # still awaiting payment: nothing is posted nor activated yet
        _log(order=locked, to_status=OrderStatus.PAID, acting=acting, reason=reference)
        locked.status = OrderStatus.PAID
        locked.paid_at = timezone.now()
        locked.payment_reference = reference
        locked.save(update_fields=["status", "paid_at", "payment_reference"])
        post_order_payment(order=locked, actor=acting.user)
        activate_order_passes(order=locked, actor=acting.user)
        # Paid after its passes expired unused: their value is the sponsor's at once.
        expired = Pass.objects.filter(order=locked, status=PassStatus.EXPIRED).count()
        if expired:
            post_expiry(order=locked, pass_count=expired, actor=acting.user)
    return locked


def close_order(*, acting: Acting, order: Order, reason: str) -> Order:
    """A paid order whose passes all ended (used, or expired and credited) is closed by operator
    staff or the end-of-validity timeline (`orders/timeline.py`); logged like every transition."""
    acting.require_kind(OrganisationKind.OPERATOR)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        check_transition(
            ORDER_TRANSITIONS,
            current=locked.status,
            target=OrderStatus.CLOSED,
            label=locked.reference,
        )
        _log(order=locked, to_status=OrderStatus.CLOSED, acting=acting, reason=reason)
        locked.status = OrderStatus.CLOSED
        locked.save(update_fields=["status"])
    return locked


def cancel_order(*, acting: Acting, order: Order, reason: str) -> Order:
    """An unpaid order is cancelled by its sponsor or the operator; its passes are blocked.

    Refused (`PaymentsReceived`) once part of its total has been received: that money is
    accounted for in its payments, and giving it back is the operator's business.
    """
    is_operator = acting.organisation.kind == OrganisationKind.OPERATOR
    if not is_operator and acting.organisation.pk != order.sponsor_id:
        raise WrongOrganisationKind()
    from passnum.passes.services import block_order_passes

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        check_transition(
            ORDER_TRANSITIONS,
            current=locked.status,
            target=OrderStatus.CANCELLED,
            label=locked.reference,
        )
        from passnum.orders.selectors import amount_received_cents

        received = amount_received_cents(order=locked)
        if received:
            raise PaymentsReceived(reference=locked.reference, received=format_euros(received))
        _log(order=locked, to_status=OrderStatus.CANCELLED, acting=acting, reason=reason)
        locked.status = OrderStatus.CANCELLED
        locked.save(update_fields=["status"])
        block_order_passes(order=locked, actor=acting.user, reason=reason)
    return locked


def _log(*, order: Order, to_status: str, acting: Acting, reason: str) -> None:
    OrderTransition.objects.create(
        order=order,
        from_status=order.status,
        to_status=to_status,
        actor=acting.user,
        reason=reason,
    )


def _ordering_sponsor(*, acting: Acting, sponsor: Organisation | None) -> Organisation:
    if acting.organisation.kind == OrganisationKind.SPONSOR:
        if sponsor is not None and sponsor.pk != acting.organisation.pk:
            raise WrongOrganisationKind()
        return acting.organisation
    if acting.organisation.kind == OrganisationKind.OPERATOR and sponsor is not None:
        if sponsor.kind != OrganisationKind.SPONSOR:
            raise InvalidOrder(_("Seul un commanditaire peut commander des pass."))
        return sponsor
    raise WrongOrganisationKind()


def _validate_reference(reference: str) -> None:
    limit = Order._meta.get_field("payment_reference").max_length or 0
    if len(reference) > limit or has_forbidden_characters(reference):
        raise InvalidInput(
            _(
                "La référence du paiement tient sur une ligne de %(max)s caractères au plus, "
                "sans caractère de contrôle."
            ),
            max=limit,
        )
