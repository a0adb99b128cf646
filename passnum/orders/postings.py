"""What an order posts to the ledger: its escrow account, its payment, the expiry of its passes.

Called inside the order's (or the passes') business transaction; the ledger's primitives check
that every transaction balances.
"""

from django.utils.translation import gettext as _

from passnum.accounts.models import User
from passnum.ledger.enums import AccountPurpose, TransactionKind
from passnum.ledger.models import Account, LedgerTransaction
from passnum.ledger.services import (
    BANK,
    FEES,
    VAT,
    escrow_code,
    open_account,
    post_transaction,
    refundable_code,
)
from passnum.orders.models import Order


def open_order_accounts(*, order: Order) -> Account:
    return open_account(
        code=escrow_code(order.pk),
        purpose=AccountPurpose.ESCROW,
        name=_("Séquestre de la commande %(ref)s") % {"ref": order.reference},
        organisation=order.sponsor,
        order_id=order.pk,
    )


def post_order_payment(*, order: Order, actor: User) -> LedgerTransaction:
    """Sponsor's money arrives: face value into the order's escrow, fee and VAT to the operator."""
    return post_transaction(
        kind=TransactionKind.ORDER_PAYMENT,
        actor=actor,
        order_id=order.pk,
        memo=order.reference,
        amounts={
            BANK: order.total_due_cents,
            escrow_code(order.pk): -order.face_total_cents,
            FEES: -order.upstream_fee_cents,
            VAT: -order.upstream_vat_cents,
        },
    )


def post_expiry(*, order: Order, pass_count: int, actor: User) -> LedgerTransaction:
    """Unused passes expire: their face value moves from escrow to refundable to the sponsor."""
    amount = pass_count * order.face_value_cents
    return post_transaction(
        kind=TransactionKind.EXPIRY,
        actor=actor,
        order_id=order.pk,
        memo=order.reference,
        amounts={escrow_code(order.pk): amount, refundable_code(order.sponsor_id): -amount},
    )
