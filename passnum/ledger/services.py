"""Postings. Every function here runs inside the business operation's transaction."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation, User
from passnum.core.money import apply_rate
from passnum.ledger.enums import PURPOSE_KIND, AccountPurpose, TransactionKind
from passnum.ledger.exceptions import UnbalancedTransaction
from passnum.ledger.models import Account, LedgerTransaction, Posting
from passnum.orders.models import Order

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
        _ensure(
            refundable_code(organisation.pk),
            AccountPurpose.REFUNDABLE,
            _("Remboursable à %(name)s") % {"name": organisation.name},
            organisation=organisation,
        )
    elif organisation.kind == OrganisationKind.PROVIDER:
        _ensure(
            payable_code(organisation.pk),
            AccountPurpose.PAYABLE,
            _("Dû à %(name)s") % {"name": organisation.name},
            organisation=organisation,
        )


def open_order_accounts(*, order: Order) -> Account:
    return _ensure(
        escrow_code(order.pk),
        AccountPurpose.ESCROW,
        _("Séquestre de la commande %(ref)s") % {"ref": order.reference},
        organisation=order.sponsor,
        order=order,
    )


def post_order_payment(*, order: Order, actor: User) -> LedgerTransaction:
    """Sponsor's money arrives: face value into the order's escrow, fee and VAT to the operator."""
    accounts = _accounts([BANK, escrow_code(order.pk), FEES, VAT])
    return _post(
        kind=TransactionKind.ORDER_PAYMENT,
        actor=actor,
        order=order,
        memo=order.reference,
        lines=[
            (accounts[BANK], order.total_due_cents),
            (accounts[escrow_code(order.pk)], -order.face_total_cents),
            (accounts[FEES], -order.upstream_fee_cents),
            (accounts[VAT], -order.upstream_vat_cents),
        ],
    )


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
    amounts = redemption_postings(
        provider_id=provider_id, departement=departement, faces_by_order=faces_by_order
    )
    accounts = _accounts(list(amounts))
    return _post(
        kind=TransactionKind.REDEMPTION,
        actor=actor,
        lines=[(accounts[code], amount) for code, amount in amounts.items()],
        redemption_id=redemption_id,
    )


def open_accounts(*, codes: list[str]) -> None:
    """Open the system and fund accounts among `codes` that do not exist yet."""
    with transaction.atomic():
        _accounts(codes)


def post_redemption_undo(*, redemption_id: int, actor: User) -> LedgerTransaction:
    """The exact mirror of the redemption's postings."""
    original = Posting.objects.filter(
        transaction__redemption_id=redemption_id,
        transaction__kind=TransactionKind.REDEMPTION,
    ).select_related("account")
    return _post(
        kind=TransactionKind.REDEMPTION_UNDO,
        actor=actor,
        redemption_id=redemption_id,
        lines=[(posting.account, -posting.amount_cents) for posting in original],
    )


def post_expiry(*, order: Order, pass_count: int, actor: User) -> LedgerTransaction:
    """Unused passes expire: their face value moves from escrow to refundable to the sponsor."""
    amount = pass_count * order.face_value_cents
    escrow, refundable = escrow_code(order.pk), refundable_code(order.sponsor_id)
    accounts = _accounts([escrow, refundable])
    return _post(
        kind=TransactionKind.EXPIRY,
        actor=actor,
        order=order,
        memo=order.reference,
        lines=[(accounts[escrow], amount), (accounts[refundable], -amount)],
    )


def _post(
    *,
    kind: TransactionKind,
    actor: User,
    lines: Iterable[tuple[Account, int]],
    order: Order | None = None,
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
        kind=kind, actor=actor, order=order, redemption_id=redemption_id, memo=memo[:200]
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
            found[code] = _ensure(code, purpose, name)
        elif code.startswith("fund:dept:"):
            departement = code.rsplit(":", 1)[1]
            found[code] = _ensure(
                code,
                AccountPurpose.FUND,
                _("Fonds de coopération territoriale — %(dep)s") % {"dep": departement},
                departement=departement,
            )
        else:
            raise LookupError(f"ledger account {code} was never opened")
    return found


def _ensure(code: str, purpose: AccountPurpose, name: str, **links) -> Account:
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(
                code=code,
                defaults={"purpose": purpose, "kind": PURPOSE_KIND[purpose], "name": name, **links},
            )
    except IntegrityError:
        account = Account.objects.get(code=code)
    return account
