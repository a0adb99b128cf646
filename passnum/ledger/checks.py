"""The ledger's invariants, checked from the raw rows (`passnum ledger check`)."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum

from passnum.core.money import format_euros
from passnum.ledger.enums import AccountKind, AccountPurpose, TransactionKind
from passnum.ledger.models import Account, LedgerTransaction, Posting
from passnum.orders.models import Order
from passnum.passes.enums import OUTSTANDING_STATUSES, PassStatus
from passnum.passes.models import Pass


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


def check_ledger() -> list[Discrepancy]:
    problems: list[Discrepancy] = []
    problems += _unbalanced_transactions()
    balances = account_balances()
    problems += _negative_balances(balances)
    problems += _escrow_mismatches(balances)
    problems += _redemptions_without_postings()
    return problems


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


def _escrow_mismatches(balances: dict[int, int]) -> list[Discrepancy]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in Pass.objects.values("order_id", "status").annotate(n=Count("id")):
        counts[row["order_id"]][row["status"]] = row["n"]
    escrow_of = dict(
        Account.objects.filter(purpose=AccountPurpose.ESCROW).values_list("order_id", "pk")
    )
    problems = []
    fields = ("pk", "reference", "status", "face_value_cents", "quantity", "issued_at")
    for order in Order.objects.only(*fields):
        by_status = counts.get(order.pk, {})
        held = -balances.get(escrow_of.get(order.pk, -1), 0)
        if order.is_paid and order.issued_at is None:  # paid first, passes to come
            expected = order.quantity * order.face_value_cents
        elif order.is_paid:
            outstanding = sum(by_status.get(status, 0) for status in OUTSTANDING_STATUSES)
            expected = outstanding * order.face_value_cents
        else:
            expected = 0
            live = by_status.get(PassStatus.ACTIVE, 0) + by_status.get(PassStatus.REDEEMED, 0)
            if live:
                problems.append(
                    Discrepancy(
                        "escrow", order.reference, f"{live} active or redeemed passes but not paid"
                    )
                )
        if held != expected:
            problems.append(
                Discrepancy(
                    "escrow",
                    order.reference,
                    f"escrow holds {format_euros(held)}, unredeemed passes are worth "
                    f"{format_euros(expected)}",
                )
            )
    return problems


def _redemptions_without_postings() -> list[Discrepancy]:
    from passnum.redemptions.models import Redemption

    problems = []
    expected = {
        TransactionKind.REDEMPTION: Redemption.objects.count(),
        TransactionKind.REDEMPTION_UNDO: Redemption.objects.filter(undone_at__isnull=False).count(),
    }
    for kind, count in expected.items():
        posted = LedgerTransaction.objects.filter(kind=kind).count()
        if posted != count:
            problems.append(
                Discrepancy(
                    "coverage", str(kind), f"{count} expected, {posted} ledger transactions"
                )
            )
    return problems
