"""What a redemption posts to the ledger, and its undo (SPEC §2).

`redemption_postings` is shared by the ORM path (`post_redemption`) and the one-statement
PostgreSQL write (`writes.py`), so both post exactly the same lines.
"""

from collections import defaultdict
from dataclasses import dataclass

from passnum.accounts.models import User
from passnum.core.money import apply_rate
from passnum.ledger.enums import TransactionKind
from passnum.ledger.exceptions import UnbalancedTransaction
from passnum.ledger.models import LedgerTransaction
from passnum.ledger.services import (
    FEES,
    VAT,
    escrow_code,
    fund_code,
    payable_code,
    post_reversal,
    post_transaction,
)
from passnum.orders.models import Order


@dataclass(frozen=True)
class RedemptionSplit:
    """Where the face value of redeemed passes goes (SPEC §2), for one order of one redemption."""

    face_cents: int
    fee_cents: int
    vat_cents: int
    fund_cents: int

    @property
    def provider_cents(self) -> int:
        return self.face_cents - self.fee_cents - self.vat_cents

    @property
    def fee_net_cents(self) -> int:
        """The operator's fee once the territorial fund's share is set aside."""
        return self.fee_cents - self.fund_cents


def split_redemption(*, face_cents: int, order: Order) -> RedemptionSplit:
    fee = apply_rate(face_cents, order.downstream_fee_bps)
    return RedemptionSplit(
        face_cents=face_cents,
        fee_cents=fee,
        vat_cents=apply_rate(fee, order.vat_bps),
        fund_cents=apply_rate(face_cents, order.fund_bps),
    )


def redemption_postings(
    *, provider_id: int, departement: str, faces_by_order: dict[Order, int]
) -> dict[str, int]:
    """The postings of a redemption by account code, merged and balanced: escrow of each order →
    payable to the provider, fee (less the fund's share), VAT, territorial fund (SPEC §2)."""
    payable, fund = payable_code(provider_id), fund_code(departement)
    merged: dict[str, int] = defaultdict(int)
    for order, face in faces_by_order.items():
        split = split_redemption(face_cents=face, order=order)
        merged[escrow_code(order.pk)] += split.face_cents
        merged[payable] -= split.provider_cents
        merged[FEES] -= split.fee_net_cents
        merged[VAT] -= split.vat_cents
        merged[fund] -= split.fund_cents
    if sum(merged.values()) != 0:
        raise UnbalancedTransaction(f"unbalanced redemption: {dict(merged)}")
    return {code: amount for code, amount in merged.items() if amount}


def post_redemption(
    *,
    redemption_id: int,
    provider_id: int,
    departement: str,
    faces_by_order: dict[Order, int],
    actor: User,
) -> LedgerTransaction:
    """Posts `redemption_postings`; opens the département's fund account on first use."""
    return post_transaction(
        kind=TransactionKind.REDEMPTION,
        actor=actor,
        redemption_id=redemption_id,
        amounts=redemption_postings(
            provider_id=provider_id, departement=departement, faces_by_order=faces_by_order
        ),
    )


def post_redemption_undo(*, redemption_id: int, actor: User) -> LedgerTransaction:
    """The exact mirror of the redemption's postings."""
    return post_reversal(
        kind=TransactionKind.REDEMPTION_UNDO,
        reversing=TransactionKind.REDEMPTION,
        redemption_id=redemption_id,
        actor=actor,
    )
