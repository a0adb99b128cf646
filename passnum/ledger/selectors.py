from dataclasses import dataclass

from django.db.models import Sum

from passnum.accounts.models import Organisation
from passnum.ledger.enums import AccountPurpose
from passnum.ledger.models import Account, Posting


@dataclass(frozen=True)
class HeldFor:
    organisation: Organisation
    purpose: str
    amount_cents: int


def held_for_organisations() -> list[HeldFor]:
    """What the ring-fenced account holds for each sponsor (escrow, refundable) and provider
    (payable), as credit balances in cents."""
    rows = (
        Posting.objects.filter(
            account__purpose__in=[
                AccountPurpose.ESCROW,
                AccountPurpose.REFUNDABLE,
                AccountPurpose.PAYABLE,
            ]
        )
        .values("account__organisation_id", "account__purpose")
        .annotate(total=Sum("amount_cents"))
        .order_by("account__organisation_id", "account__purpose")
    )
    organisations = Organisation.objects.in_bulk({row["account__organisation_id"] for row in rows})
    return [
        HeldFor(
            organisation=organisations[row["account__organisation_id"]],
            purpose=row["account__purpose"],
            amount_cents=-row["total"],
        )
        for row in rows
    ]


def balance_of(account: Account) -> int:
    """Signed balance (debit > 0)."""
    return account.postings.aggregate(total=Sum("amount_cents"))["total"] or 0
