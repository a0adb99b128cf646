"""`passnum ledger check`: the ledger's own invariants, then what ties it to the business rows —
each paid order's escrow equals the face value of its outstanding passes, every redemption and
every undo has its ledger transaction, what each provider was paid in the ledger is what its
payout lines say. Checked from the raw rows."""

from collections import defaultdict

from django.db.models import Count

from passnum.core.money import format_euros
from passnum.ledger.checks import Discrepancy, account_balances, check_ledger_invariants
from passnum.ledger.enums import AccountPurpose, TransactionKind
from passnum.ledger.models import Account, LedgerTransaction, Posting
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
    problems += _payout_mismatches()
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


def _payout_mismatches() -> list[Discrepancy]:
    """Per provider: the payouts posted to its payable account (less the rejected ones) equal the
    net of its live payout lines and of its live transfers; no undone redemption is paid; every
    transfer has its posting, every rejected one its reversal."""
    from django.db.models import Q, Sum

    from passnum.payouts.enums import TransferStatus
    from passnum.payouts.models import PayoutLine, PayoutTransfer

    live = [TransferStatus.PENDING, TransferStatus.EXECUTED]
    posted = {
        row["account__organisation_id"]: row["total"]
        for row in Posting.objects.filter(
            transaction__kind__in=[TransactionKind.PAYOUT, TransactionKind.PAYOUT_REJECTED],
            account__purpose=AccountPurpose.PAYABLE,
        )
        .values("account__organisation_id")
        .annotate(total=Sum("amount_cents"))
    }
    by_lines = {
        row["transfer__provider_id"]: row["total"]
        for row in PayoutLine.objects.filter(released=False)
        .values("transfer__provider_id")
        .annotate(total=Sum("net_cents"))
    }
    by_transfers = {
        row["provider_id"]: row["total"]
        for row in PayoutTransfer.objects.filter(status__in=live)
        .values("provider_id")
        .annotate(total=Sum("net_cents"))
    }
    problems = []
    for provider_id in sorted(set(posted) | set(by_lines) | set(by_transfers)):
        ledger = posted.get(provider_id, 0)
        lines, transfers = by_lines.get(provider_id, 0), by_transfers.get(provider_id, 0)
        if not ledger == lines == transfers:
            problems.append(
                Discrepancy(
                    "payouts",
                    f"provider {provider_id}",
                    f"paid {format_euros(ledger)} in the ledger, {format_euros(lines)} by its "
                    f"payout lines, {format_euros(transfers)} by its transfers",
                )
            )
    undone_paid = PayoutLine.objects.filter(
        released=False, redemption__undone_at__isnull=False
    ).count()
    if undone_paid:
        problems.append(Discrepancy("payouts", "undone redemptions", f"{undone_paid} paid"))
    released_live = PayoutLine.objects.filter(released=True, transfer__status__in=live).count()
    if released_live:
        problems.append(
            Discrepancy("payouts", "released lines", f"{released_live} in live transfers")
        )
    expected = {
        TransactionKind.PAYOUT: PayoutTransfer.objects.count(),
        TransactionKind.PAYOUT_REJECTED: PayoutTransfer.objects.filter(~Q(status__in=live)).count(),
    }
    for kind, count in expected.items():
        found = LedgerTransaction.objects.filter(kind=kind).count()
        if found != count:
            problems.append(
                Discrepancy("coverage", str(kind), f"{count} expected, {found} ledger transactions")
            )
    return problems
