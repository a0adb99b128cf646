"""Postings: the ledger's generic primitives, which know accounts, transactions and postings only.

What a business operation posts (an order's payment, a redemption, an expiry) is decided by the
layer that knows the business object (`orders/postings.py`, `redemptions/postings.py`), which calls
these primitives with account codes and amounts. Every function here runs inside the business
operation's transaction.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation, User
from passnum.ledger.enums import PURPOSE_KIND, AccountPurpose, TransactionKind
from passnum.ledger.exceptions import UnbalancedTransaction
from passnum.ledger.models import Account, LedgerTransaction, Posting

BANK = "bank"
FEES = "fees"
VAT = "vat"


def escrow_code(order_id: int) -> str:
    return f"escrow:order:{order_id}"


def payable_code(organisation_id: int) -> str:
    return f"payable:org:{organisation_id}"


def refundable_code(organisation_id: int) -> str:
    return f"refundable:org:{organisation_id}"


def fund_code(departement: str) -> str:
    return f"fund:dept:{departement}"


def open_organisation_accounts(*, organisation: Organisation) -> None:
    if organisation.kind == OrganisationKind.SPONSOR:
        open_account(
            code=refundable_code(organisation.pk),
            purpose=AccountPurpose.REFUNDABLE,
            name=_("Remboursable à %(name)s") % {"name": organisation.name},
            organisation=organisation,
        )
    elif organisation.kind == OrganisationKind.PROVIDER:
        open_account(
            code=payable_code(organisation.pk),
            purpose=AccountPurpose.PAYABLE,
            name=_("Dû à %(name)s") % {"name": organisation.name},
            organisation=organisation,
        )


def open_organisations_accounts(*, organisations: Iterable[Organisation]) -> None:
    """`open_organisation_accounts` for many new organisations at once, in one insert (accounts
    already open are left as they are)."""
    accounts = []
    for organisation in organisations:
        if organisation.kind == OrganisationKind.SPONSOR:
            code, purpose = refundable_code(organisation.pk), AccountPurpose.REFUNDABLE
            name = _("Remboursable à %(name)s") % {"name": organisation.name}
        elif organisation.kind == OrganisationKind.PROVIDER:
            code, purpose = payable_code(organisation.pk), AccountPurpose.PAYABLE
            name = _("Dû à %(name)s") % {"name": organisation.name}
        else:
            continue
        accounts.append(
            Account(
                code=code,
                purpose=purpose,
                kind=PURPOSE_KIND[purpose],
                name=name[:200],  # Account.name's length; an organisation's name may take 200
                organisation=organisation,
            )
        )
    Account.objects.bulk_create(accounts, ignore_conflicts=True)


def open_account(
    *,
    code: str,
    purpose: AccountPurpose,
    name: str,
    organisation: Organisation | None = None,
    order_id: int | None = None,
    departement: str = "",
) -> Account:
    """The account with this code, opened if it does not exist yet (safe under concurrency)."""
    defaults = {
        "purpose": purpose,
        "kind": PURPOSE_KIND[purpose],
        "name": name,
        "organisation": organisation,
        "order_id": order_id,
        "departement": departement,
    }
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(code=code, defaults=defaults)
    except IntegrityError:
        account = Account.objects.get(code=code)
    return account


def open_accounts(*, codes: list[str]) -> None:
    """Open the system and fund accounts among `codes` that do not exist yet."""
    with transaction.atomic():
        _accounts(codes)


def post_transaction(
    *,
    kind: TransactionKind,
    actor: User,
    amounts: Mapping[str, int],
    order_id: int | None = None,
    redemption_id: int | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """One balanced transaction: signed cents (debit > 0) by account code. System and fund
    accounts are opened on first use; any other account must have been opened before."""
    accounts = _accounts(list(amounts))
    return _post(
        kind=kind,
        actor=actor,
        lines=[(accounts[code], amount) for code, amount in amounts.items()],
        order_id=order_id,
        redemption_id=redemption_id,
        memo=memo,
    )


def post_reversal(
    *, kind: TransactionKind, reversing: TransactionKind, redemption_id: int, actor: User
) -> LedgerTransaction:
    """The exact mirror of the postings of kind `reversing` linked to `redemption_id`."""
    original = Posting.objects.filter(
        transaction__redemption_id=redemption_id, transaction__kind=reversing
    ).select_related("account")
    return _post(
        kind=kind,
        actor=actor,
        redemption_id=redemption_id,
        lines=[(posting.account, -posting.amount_cents) for posting in original],
    )


def post_transactions(
    *, kind: TransactionKind, actor: User, entries: Sequence[tuple[str, Mapping[str, int]]]
) -> list[LedgerTransaction]:
    """Many balanced transactions of one kind at once, as (memo, amounts by account code): two
    inserts in all, however many. Returned in the order of `entries`. Each is checked balanced
    and its accounts must exist (system and fund accounts are opened on first use)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger postings must be written inside the business transaction")
    for memo, amounts in entries:
        if sum(amounts.values()) != 0:
            raise UnbalancedTransaction(f"unbalanced {kind} {memo}: {dict(amounts)}")
    accounts = _accounts(sorted({code for _memo, amounts in entries for code in amounts}))
    created = LedgerTransaction.objects.bulk_create(
        LedgerTransaction(kind=kind, actor=actor, memo=memo[:200]) for memo, _amounts in entries
    )
    Posting.objects.bulk_create(
        (
            Posting(transaction=entry, account=accounts[code], amount_cents=amount)
            for entry, (_memo, amounts) in zip(created, entries, strict=True)
            for code, amount in amounts.items()
            if amount
        ),
        batch_size=5000,
    )
    return created


def post_transaction_reversal(
    *, kind: TransactionKind, original: LedgerTransaction, actor: User, memo: str = ""
) -> LedgerTransaction:
    """The exact mirror of the postings of one transaction."""
    lines = [
        (posting.account, -posting.amount_cents)
        for posting in Posting.objects.filter(transaction=original).select_related("account")
    ]
    return _post(kind=kind, actor=actor, lines=lines, memo=memo or original.memo)


def _post(
    *,
    kind: TransactionKind,
    actor: User,
    lines: Iterable[tuple[Account, int]],
    order_id: int | None = None,
    redemption_id: int | None = None,
    memo: str = "",
) -> LedgerTransaction:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger postings must be written inside the business transaction")
    merged: dict[int, int] = defaultdict(int)
    by_id: dict[int, Account] = {}
    for account, amount in lines:
        merged[account.pk] += amount
        by_id[account.pk] = account
    if sum(merged.values()) != 0:
        raise UnbalancedTransaction(f"unbalanced {kind}: {dict(merged)}")
    entry = LedgerTransaction.objects.create(
        kind=kind, actor=actor, order_id=order_id, redemption_id=redemption_id, memo=memo[:200]
    )
    Posting.objects.bulk_create(
        Posting(transaction=entry, account=by_id[pk], amount_cents=amount)
        for pk, amount in merged.items()
        if amount
    )
    return entry


_SYSTEM_NAMES = {
    BANK: (AccountPurpose.BANK, "Banque — compte de cantonnement"),
    FEES: (AccountPurpose.FEES, "Frais de gestion (HT)"),
    VAT: (AccountPurpose.VAT, "TVA collectée sur les frais"),
}


def _accounts(codes: list[str]) -> dict[str, Account]:
    """Accounts by code in one query; system and fund accounts are opened on first use."""
    found = {account.code: account for account in Account.objects.filter(code__in=codes)}
    for code in codes:
        if code in found:
            continue
        if code in _SYSTEM_NAMES:
            purpose, name = _SYSTEM_NAMES[code]
            found[code] = open_account(code=code, purpose=purpose, name=name)
        elif code.startswith("fund:dept:"):
            departement = code.rsplit(":", 1)[1]
            found[code] = open_account(
                code=code,
                purpose=AccountPurpose.FUND,
                name=_("Fonds de coopération territoriale — %(dep)s") % {"dep": departement},
                departement=departement,
            )
        else:
            raise LookupError(f"ledger account {code} was never opened")
    return found
