"""`passnum ledger check`: the ledger's own invariants, then what ties it to the business rows —
each paid order's escrow equals the face value of its outstanding passes, every redemption and
every undo has its ledger transaction. Checked from the raw rows."""

from collections import defaultdict

from django.db.models import Count

from passnum.core.money import format_euros
from passnum.ledger.checks import Discrepancy, account_balances, check_ledger_invariants
from passnum.ledger.enums import AccountPurpose, TransactionKind
from passnum.ledger.models import Account, LedgerTransaction
from passnum.orders.models import Order
from passnum.passes.enums import OUTSTANDING_STATUSES, PassStatus
from passnum.passes.models import Pass
from passnum.redemptions.models import Redemption

__all__ = ["Discrepancy", "check_ledger"]


def check_ledger() -> list[Discrepancy]:
    balances = account_balances()
    problems = check_ledger_invariants(balances=balances)
    problems += _escrow_mismatches(balances)
    problems += _redemptions_without_postings()
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
