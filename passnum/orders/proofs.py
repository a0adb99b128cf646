"""What the booklets of an order print, its print proof (BAT) and the print itself (SPEC §3.3).

Once the quote is accepted, the sponsor may still change the text and logo of its covers
(`update_print_content`) until it approves a proof. `request_proof` starts the background job
`print_proof` (orders/jobs.py: `render_booklets(proof=True)`, sample codes, every page marked);
when it has rendered the order's current text and logo it records it (`record_proof`, a
conditional UPDATE: a change made meanwhile leaves no proof to approve). The sponsor then approves
it (`approve_proof`), and only then may the booklets be printed (`request_print`: the job
`print_booklets`, the whole order in one PDF).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import InvalidTransition
from passnum.jobs.models import Job
from passnum.orders.drafts import require_order_owner
from passnum.orders.enums import OrderStatus
from passnum.orders.exceptions import (
    InvalidOrder,
    ProofAlreadyApproved,
    ProofNotApproved,
    ProofNotReady,
)
from passnum.orders.models import Order
from passnum.orders.services import delete_logo, store_logo
from passnum.orders.validation import print_errors

PROOF_JOB = "print_proof"
PRINT_JOB = "print_booklets"
# Orders whose booklets may be proofed and printed: accepted, not cancelled.
PRINTABLE_STATUSES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID)


def update_print_content(
    *,
    acting: Acting,
    order: Order,
    print_text: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> Order:
    """The text and logo of the covers of an accepted order, until its proof is approved
    (`ProofAlreadyApproved`); a proof generated before no longer counts. A draft changes them
    with the rest of its fields (`orders.drafts.update_draft`)."""
    require_order_owner(acting=acting, order=order)
    errors = print_errors(print_text=print_text, logo=logo)
    if errors:
        raise InvalidOrder.of(errors)
    stored_logo = store_logo(logo) if logo is not None else ""
    try:
        with transaction.atomic():
            locked = _locked_printable(order)
            if locked.proof_approved_at is not None:
                raise ProofAlreadyApproved(reference=locked.reference)
            old_logo = locked.logo.name or ""
            locked.print_text = print_text
            if logo is not None or remove_logo:
                locked.logo.name = stored_logo
            locked.proof_generated_at = None
            locked.save(update_fields=["print_text", "logo", "proof_generated_at"])
            if old_logo and old_logo != (locked.logo.name or ""):
                transaction.on_commit(lambda: delete_logo(old_logo))
    except BaseException:
        delete_logo(stored_logo)
        raise
    return locked


def request_proof(*, acting: Acting, order: Order) -> Job:
    """Starts the job that renders the print proof of an accepted order (its sponsor, or operator
    staff). Refused once a proof is approved: what is approved does not change."""
    require_order_owner(acting=acting, order=order)
    from passnum.jobs.services import start_job

    with transaction.atomic():
        locked = _locked_printable(order)
        if locked.proof_approved_at is not None:
            raise ProofAlreadyApproved(reference=locked.reference)
        return start_job(
            acting=acting,
            kind=PROOF_JOB,
            label=_("Épreuve (BAT) de la commande %(reference)s") % {"reference": locked.reference},
            params={"order_id": locked.pk},
        )


def record_proof(*, order: Order, print_text: str, logo_name: str) -> bool:
    """The proof job rendered `print_text` and the logo `logo_name`: the order has a proof to
    approve if they are still its own and nothing is approved yet (one conditional UPDATE).
    False otherwise: the sponsor changed them while the proof was being made."""
    updated = Order.objects.filter(
        pk=order.pk,
        status__in=PRINTABLE_STATUSES,
        print_text=print_text,
        logo=logo_name,
        proof_approved_at__isnull=True,
    ).update(proof_generated_at=timezone.now())
    return bool(updated)


def approve_proof(*, acting: Acting, order: Order) -> Order:
    """The sponsor of the order approves its proof (bon à tirer), once one has been generated for
    its current text and logo (`ProofNotReady`). Approving again changes nothing."""
    if (
        acting.organisation.kind != OrganisationKind.SPONSOR
        or acting.organisation.pk != order.sponsor_id
    ):
        raise WrongOrganisationKind()
    with transaction.atomic():
        locked = _locked_printable(order)
        if locked.proof_approved_at is not None:
            return locked
        if locked.proof_generated_at is None:
            raise ProofNotReady(reference=locked.reference)
        locked.proof_approved_at = timezone.now()
        locked.proof_approved_by = acting.user
        locked.save(update_fields=["proof_approved_at", "proof_approved_by"])
    return locked


def request_print(*, acting: Acting, order: Order) -> Job:
    """Starts the job that prints every booklet of the order (its sponsor, or operator staff):
    only once the proof is approved (`ProofNotApproved`) and the passes are issued."""
    require_order_owner(acting=acting, order=order)
    from passnum.jobs.services import start_job
    from passnum.passes.printing.exceptions import NothingToPrint

    with transaction.atomic():
        locked = _locked_printable(order)
        require_printable(locked)
        if locked.issued_at is None:
            raise NothingToPrint(reference=locked.reference)
        return start_job(
            acting=acting,
            kind=PRINT_JOB,
            label=_("Carnets de la commande %(reference)s") % {"reference": locked.reference},
            params={"order_id": locked.pk},
        )


def require_printable(order: Order) -> None:
    """Printing needs an accepted order, not cancelled, whose proof is approved."""
    if order.status not in PRINTABLE_STATUSES:
        raise _not_printable(order)
    if order.proof_approved_at is None:
        raise ProofNotApproved(reference=order.reference)


def _locked_printable(order: Order) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status not in PRINTABLE_STATUSES:
        raise _not_printable(locked)
    return locked


def _not_printable(order: Order) -> InvalidTransition:
    return InvalidTransition(
        _("La commande %(reference)s est « %(status)s » : ses carnets ne s'impriment pas."),
        reference=order.reference,
        status=order.get_status_display(),
    )
