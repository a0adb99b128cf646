"""Drafts and the acceptance of a quote (SPEC §3.1).

A sponsor saves its order as a draft (`create_order(draft=True)`), changes it (`update_draft`) or
deletes it (`delete_draft`: drafts are the only orders ever deleted, PostgreSQL refuses the
others) and reads its quote at any time. Accepting the quote (`accept_quote`) turns the draft
into a contract: the order awaits payment (logged), its escrow account opens, its invoice is
issued and its passes are issued, inactive until the payment — at once for an order of up to
`PASSNUM_ISSUE_INLINE_MAX_PASSES` passes, otherwise by the background job
`issue_order_passes` (orders/jobs.py). `place_order` does both steps in one transaction (the
API's `POST /orders`).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.core.transitions import check_transition
from passnum.orders.enums import ORDER_TRANSITIONS, OrderStatus
from passnum.orders.exceptions import NotADraft
from passnum.orders.models import Order
from passnum.orders.services import _log, create_order, delete_logo, store_logo
from passnum.orders.validation import UsageRules, order_values

ISSUE_JOB = "issue_order_passes"


def require_order_owner(*, acting: Acting, order: Order) -> None:
    """The order's sponsor, or operator staff (who may order on a sponsor's behalf)."""
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return
    if (
        acting.organisation.kind == OrganisationKind.SPONSOR
        and acting.organisation.pk == order.sponsor_id
    ):
        return
    raise WrongOrganisationKind()


def update_draft(
    *,
    acting: Acting,
    order: Order,
    quantity: int,
    booklet_size: int,
    face_value_cents: int | None,
    valid_until: datetime.date | None,
    rules: UsageRules,
    label: str = "",
    print_text: str = "",
    tolerance_days: int | None = None,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> Order:
    """Changes every field of a draft, the quote recomputed at the rates in force. `logo`: a new
    logo (bytes of a PNG or JPEG image); `remove_logo`: none any more; neither: unchanged.
    Everything is checked before anything is written (`InvalidOrder`, as `create_order`)."""
    require_order_owner(acting=acting, order=order)
    values = order_values(
        quantity=quantity,
        booklet_size=booklet_size,
        face_value_cents=face_value_cents,
        valid_until=valid_until,
        rules=rules,
        label=label,
        print_text=print_text,
        logo=logo,
        tolerance_days=tolerance_days,
    )
    stored_logo = store_logo(logo) if logo is not None else ""
    try:
        with transaction.atomic():
            locked = _locked_draft(order)
            old_logo = locked.logo.name or ""
            for name, value in values.items():
                setattr(locked, name, value)
            if logo is not None or remove_logo:
                locked.logo.name = stored_logo
            locked.save()
            if old_logo and old_logo != (locked.logo.name or ""):
                transaction.on_commit(lambda: delete_logo(old_logo))
    except BaseException:
        delete_logo(stored_logo)
        raise
    return locked


def delete_draft(*, acting: Acting, order: Order) -> None:
    """Deletes a draft (and its logo, after the commit). Any other order is kept (`NotADraft`)."""
    require_order_owner(acting=acting, order=order)
    with transaction.atomic():
        locked = _locked_draft(order)
        logo = locked.logo.name or ""
        locked.delete()
        if logo:
            transaction.on_commit(lambda: delete_logo(logo))


def accept_quote(*, acting: Acting, order: Order) -> Order:
    """The sponsor accepts the quote of its draft: the order awaits payment (logged), its escrow
    account opens, its invoice is issued, its passes are issued (inactive) — inline up to
    `PASSNUM_ISSUE_INLINE_MAX_PASSES` passes, else by a background job (`ISSUE_JOB`), started
    once the transaction commits. A second acceptance is refused (`InvalidTransition`)."""
    require_order_owner(acting=acting, order=order)
    from passnum.jobs.services import start_job
    from passnum.orders.invoicing import issue_invoice
    from passnum.orders.postings import open_order_accounts
    from passnum.passes.services import issue_order_passes

    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("sponsor").get(pk=order.pk)
        check_transition(
            ORDER_TRANSITIONS,
            current=locked.status,
            target=OrderStatus.AWAITING_PAYMENT,
            label=locked.reference,
        )
        _log(
            order=locked,
            to_status=OrderStatus.AWAITING_PAYMENT,
            acting=acting,
            reason=_("Devis accepté"),
        )
        locked.status = OrderStatus.AWAITING_PAYMENT
        locked.save(update_fields=["status"])
        open_order_accounts(order=locked)
        issue_invoice(acting=acting, order=locked)
        if locked.quantity <= settings.PASSNUM_ISSUE_INLINE_MAX_PASSES:
            locked = issue_order_passes(order=locked, actor=acting.user)
        else:
            start_job(
                acting=acting,
                kind=ISSUE_JOB,
                label=_("Émission des %(count)s pass de la commande %(reference)s")
                % {"count": locked.quantity, "reference": locked.reference},
                params={"order_id": locked.pk},
            )
    return locked


def place_order(
    *,
    acting: Acting,
    draft: bool,
    quantity: int,
    booklet_size: int = 10,
    sponsor: Organisation | None = None,
    face_value_cents: int | None = None,
    valid_until: datetime.date | None = None,
    rules: UsageRules | None = None,
    label: str = "",
    print_text: str = "",
    logo: bytes | None = None,
    tolerance_days: int | None = None,
) -> Order:
    """Creates an order and, unless `draft`, accepts its quote in the same transaction: it
    awaits payment with its invoice issued and its passes issued (or being issued)."""
    with transaction.atomic():
        order = create_order(
            acting=acting,
            draft=True,
            quantity=quantity,
            booklet_size=booklet_size,
            sponsor=sponsor,
            face_value_cents=face_value_cents,
            valid_until=valid_until,
            rules=rules,
            label=label,
            print_text=print_text,
            logo=logo,
            tolerance_days=tolerance_days,
        )
        if not draft:
            order = accept_quote(acting=acting, order=order)
    return order


def _locked_draft(order: Order) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.DRAFT:
        raise NotADraft(reference=locked.reference, status=locked.get_status_display())
    return locked
