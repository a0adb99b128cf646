"""The ledger's own invariants, checked from the raw rows: every transaction sums to zero and has
two lines or more, every account's balance is on its normal side.

What ties the ledger to the business rows (escrows against passes, redemptions against their
transactions) is checked above it, in `passnum.reconciliation.checks`.
"""

from dataclasses import dataclass

from django.db.models import Count, Sum

from passnum.ledger.enums import AccountKind
from passnum.ledger.models import Account, LedgerTransaction, Posting


@dataclass(frozen=True)
class Discrepancy:
    check: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.detail}"


def account_balances() -> dict[int, int]:
    """Signed balance (debit > 0) of every account that has postings."""
    return {
        row["account_id"]: row["total"]
        for row in Posting.objects.values("account_id").annotate(total=Sum("amount_cents"))
    }


def check_ledger_invariants(*, balances: dict[int, int] | None = None) -> list[Discrepancy]:
    """Balanced transactions of two lines or more, balances on their normal side. `balances`
    (from `account_balances`) may be given by a caller that needs them too."""
    if balances is None:
        balances = account_balances()
    return _unbalanced_transactions() + _negative_balances(balances)


def _unbalanced_transactions() -> list[Discrepancy]:
    rows = (
        Posting.objects.values("transaction_id")
        .annotate(total=Sum("amount_cents"), lines=Count("id"))
        .exclude(total=0)
    )
    problems = [
        Discrepancy(
            "balanced",
            f"transaction {row['transaction_id']}",
            f"sum of postings is {row['total']} cents",
        )
        for row in rows
    ]
    empty = LedgerTransaction.objects.annotate(lines=Count("postings")).filter(lines__lt=2)
    problems += [
        Discrepancy("balanced", f"transaction {entry.pk}", "fewer than two postings")
        for entry in empty
    ]
    return problems


def _negative_balances(balances: dict[int, int]) -> list[Discrepancy]:
    problems = []
    for account in Account.objects.filter(pk__in=balances):
        balance = balances[account.pk]
        normal = balance if account.kind == AccountKind.ASSET else -balance
        if normal < 0:
            problems.append(
                Discrepancy(
                    "non_negative", account.code, f"balance on its normal side is {normal} cents"
                )
            )
    return problems
