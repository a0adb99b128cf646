"""Payout runs: pay each provider the net of its redemptions not yet paid (SPEC §2–3).

`run_payouts` is idempotent by period and serialised (a lock on the run-number sequence); the
per-redemption work is set-based SQL (`figures.py`), the per-provider work one insert per table.
`mark_run_executed` and `reject_transfer` are the transitions of `enums.RUN_TRANSITIONS` and
`enums.TRANSFER_TRANSITIONS`, each logged.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import User
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import InvalidInput
from passnum.core.services import allocate_numbers
from passnum.core.transitions import check_transition
from passnum.ledger.enums import TransactionKind
from passnum.ledger.services import (
    BANK,
    payable_code,
    post_transaction_reversal,
    post_transactions,
)
from passnum.payouts.enums import (
    RUN_TRANSITIONS,
    TRANSFER_TRANSITIONS,
    CarriedReason,
    PayoutKind,
    RunStatus,
    TransferStatus,
)
from passnum.payouts.exceptions import InvalidPeriod, PayoutRaced
from passnum.payouts.figures import (
    ELIGIBLE_TABLE,
    TOTALS_BY_PROVIDER_SQL,
    UNPAID_TABLE,
    create_eligible_table_sql,
    create_unpaid_table_sql,
    split_params,
)
from passnum.payouts.models import (
    CarriedProvider,
    PayoutLine,
    PayoutLog,
    PayoutRun,
    PayoutTransfer,
)
from passnum.places.models import ProviderFile

RUN_SEQUENCE = "payout-run"
# A redemption is paid only once its undo window is over, with this margin for clocks and for
# an undo whose transaction is still committing.
UNDO_MARGIN = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class RunOutcome:
    run: PayoutRun
    created: bool  # False: the period had been run already, nothing was paid again


@dataclass(frozen=True)
class BankDetails:
    holder: str
    iban: str
    bic: str


def run_payouts(
    *,
    acting: Acting,
    period_start: datetime.date,
    period_end: datetime.date,
    kind: PayoutKind = PayoutKind.MONTHLY,
    now: datetime.datetime | None = None,
) -> RunOutcome:
    """Operator staff pay, per provider with validated bank details, every redemption made up to
    the end of the period (included) that is neither paid nor undone, and past its undo window
    (a younger one waits for the next run). A provider whose bank details are missing, not
    validated or invalid is carried (`CarriedProvider`, with the reason) and paid by a later run.

    One ledger transaction per transfer: the provider's payable account is debited, the bank
    credited. Running a period again returns its run and pays nothing (`created` is False).
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    now = now or timezone.now()
    _check_period(period_start=period_start, period_end=period_end, kind=kind, now=now)
    existing = PayoutRun.objects.filter(period_start=period_start, period_end=period_end).first()
    if existing is not None:
        return RunOutcome(run=existing, created=False)
    end_of_period = timezone.make_aware(
        datetime.datetime.combine(period_end + datetime.timedelta(days=1), datetime.time.min)
    )
    undo_window = datetime.timedelta(minutes=settings.PASSNUM_UNDO_MINUTES) + UNDO_MARGIN
    cutoff = min(end_of_period, now - undo_window)
    try:
        with transaction.atomic():
            number = allocate_numbers(name=RUN_SEQUENCE, count=1)[0]  # one run at a time
            existing = PayoutRun.objects.filter(
                period_start=period_start, period_end=period_end
            ).first()
            if existing is not None:  # made while we waited for the lock
                transaction.set_rollback(True)
                return RunOutcome(run=existing, created=False)
            run = PayoutRun.objects.create(
                number=number,
                kind=kind,
                period_start=period_start,
                period_end=period_end,
                cutoff=cutoff,
                created_by=acting.user,
            )
            PayoutLog.objects.create(
                run=run, from_status="", to_status=RunStatus.PREPARED, actor=acting.user
            )
            _prepare(run=run, actor=acting.user)
    except IntegrityError as exc:
        existing = PayoutRun.objects.filter(
            period_start=period_start, period_end=period_end
        ).first()
        if existing is not None:
            return RunOutcome(run=existing, created=False)
        raise PayoutRaced() from exc
    return RunOutcome(run=run, created=True)


def _check_period(
    *, period_start: datetime.date, period_end: datetime.date, kind: str, now: datetime.datetime
) -> None:
    today = timezone.localdate(now)
    if kind not in PayoutKind.values:
        raise InvalidInput(_("Fréquence de paiement inconnue."))
    if period_end < period_start:
        raise InvalidPeriod()
    # A monthly or weekly period is paid once it is over; on demand, up to today.
    last = today if kind == PayoutKind.ON_DEMAND else today - datetime.timedelta(days=1)
    if period_end > last:
        raise InvalidPeriod(
            _("La période doit être terminée : elle finit au plus tard le %(last)s."),
            last=last.strftime("%d/%m/%Y"),
        )


# PostgreSQL, for the run's transaction only: sorts and hashes of a million rows in memory rather
# than spilled to disk, and no JIT compilation (the planner's estimates of the joins look worth
# compiling; the compilation took longer than it saved).
_RUN_SETTINGS_SQL = "SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"


def _prepare(*, run: PayoutRun, actor: User) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_RUN_SETTINGS_SQL)
        cursor.execute(f"DROP TABLE IF EXISTS {ELIGIBLE_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {UNPAID_TABLE}")
        params = split_params(run.cutoff)
        cursor.execute(create_eligible_table_sql(), params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {ELIGIBLE_TABLE}")
            # Grouped by sorting, not hashing: the per-order groups then come out in the order
            # of the redemptions, and the per-redemption sums stream from them (two hash
            # aggregates of a million groups spilled to disk: 5.0 s instead of 3.3 s).
            cursor.execute("SET LOCAL enable_hashagg = off")
            cursor.execute(create_unpaid_table_sql(), params)
            cursor.execute("SET LOCAL enable_hashagg TO DEFAULT")
        else:
            cursor.execute(create_unpaid_table_sql(), params)
        cursor.execute(TOTALS_BY_PROVIDER_SQL)
        totals = cursor.fetchall()
    _pay(run=run, actor=actor, totals=totals)
    with connection.cursor() as cursor:  # (a failed run rolls back their creation)
        cursor.execute(f"DROP TABLE {ELIGIBLE_TABLE}")
        cursor.execute(f"DROP TABLE {UNPAID_TABLE}")


def _pay(*, run: PayoutRun, actor: User, totals: list[tuple]) -> None:
    if not totals:
        return
    bank = _bank_details([row[0] for row in totals])
    paid, carried = [], []
    for provider_id, count, passes, gross, fee, vat, fund, net in totals:
        details = bank.get(provider_id)
        if isinstance(details, BankDetails):
            paid.append((provider_id, count, passes, gross, fee, vat, fund, net, details))
        else:
            reason = details or CarriedReason.NO_BANK_DETAILS
            carried.append(
                CarriedProvider(
                    run=run,
                    provider_id=provider_id,
                    reason=reason,
                    redemption_count=count,
                    net_cents=net,
                )
            )
    CarriedProvider.objects.bulk_create(carried)
    if carried:
        from passnum.payouts.notifications import notify_carried

        run_id = run.pk
        # robust: a failing mail server is logged, never turns the committed run into a 500
        transaction.on_commit(lambda: notify_carried(run_id=run_id), robust=True)
    if not paid:
        return
    references = [
        (f"PASSNUM-{run.number:06d}-{seq:06d}", f"REL-{run.number:06d}-{seq:06d}")
        for seq in range(1, len(paid) + 1)
    ]
    entries = [
        (e2e, {payable_code(row[0]): int(row[7]), BANK: -int(row[7])})
        for row, (e2e, _statement) in zip(paid, references, strict=True)
    ]
    postings = post_transactions(kind=TransactionKind.PAYOUT, actor=actor, entries=entries)
    PayoutTransfer.objects.bulk_create(
        (
            PayoutTransfer(
                run=run,
                provider_id=provider_id,
                redemption_count=count,
                pass_count=passes,
                gross_cents=gross,
                fee_cents=fee,
                vat_cents=vat,
                fund_cents=fund,
                net_cents=net,
                account_holder=details.holder,
                iban=details.iban,
                bic=details.bic,
                end_to_end_id=e2e,
                statement_number=statement,
                ledger_transaction=entry,
            )
            for (provider_id, count, passes, gross, fee, vat, fund, net, details), (
                e2e,
                statement,
            ), entry in zip(paid, references, postings, strict=True)
        ),
        batch_size=2000,
    )
    _insert_lines(run=run)
    _carry_rejected(run=run, provider_ids=[row[0] for row in paid], actor=actor)


def _bank_details(provider_ids: list[int]) -> dict[int, BankDetails | CarriedReason]:
    """Each provider's validated bank details, or why it has none usable. An IBAN failing its
    checksum (or a malformed BIC) never reaches a transfer, whatever was stored."""
    found: dict[int, BankDetails | CarriedReason] = {}
    files = ProviderFile.objects.filter(organisation_id__in=provider_ids).values_list(
        "organisation_id", "account_holder", "iban", "bic", "bank_validated_at"
    )
    for organisation_id, holder, iban, bic, validated_at in files.iterator(chunk_size=5000):
        if not iban or not holder.strip():
            found[organisation_id] = CarriedReason.NO_BANK_DETAILS
        elif validated_at is None:
            found[organisation_id] = CarriedReason.NOT_VALIDATED
        else:
            try:
                parsed = IBAN(iban)
                bic_code = BIC(bic).compact if bic else ""
            except SchwiftyException:
                found[organisation_id] = CarriedReason.INVALID_IBAN
                continue
            found[organisation_id] = BankDetails(
                holder=holder.strip(), iban=parsed.compact, bic=bic_code
            )
    return found


def _insert_lines(*, run: PayoutRun) -> None:
    """The lines of every transfer of the run in one INSERT … SELECT from the same figures as the
    transfers' totals. A redemption paid meanwhile by another run trips the unique index.

    In the order of the redemptions: the indexes on the redemption grow at their right edge and
    the foreign-key checks at commit read the redemptions in order (in the random order of a hash
    aggregate, the same million lines took twice the time)."""
    line, transfer = PayoutLine._meta.db_table, PayoutTransfer._meta.db_table
    sql = f"""
INSERT INTO {line} (transfer_id, redemption_id, pass_count, gross_cents, fee_cents, vat_cents,
    net_cents, fund_cents, released)
SELECT t.id, u.redemption_id, u.passes, u.gross, u.fee, u.vat, u.net, u.fund, %(false)s
FROM {UNPAID_TABLE} u JOIN {transfer} t ON t.provider_id = u.provider_id AND t.run_id = %(run)s
ORDER BY u.redemption_id"""  # noqa: S608
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {"false": False, "run": run.pk})
    except IntegrityError as exc:
        raise PayoutRaced() from exc


def _carry_rejected(*, run: PayoutRun, provider_ids: list[int], actor: User) -> None:
    """Rejected transfers of the providers this run pays: their released redemptions are in this
    run's transfers now, so they are carried."""
    rejected = list(
        PayoutTransfer.objects.filter(
            provider_id__in=provider_ids, status=TransferStatus.REJECTED
        ).exclude(run=run)
    )
    if not rejected:
        return
    PayoutTransfer.objects.filter(pk__in=[t.pk for t in rejected]).update(
        status=TransferStatus.CARRIED
    )
    PayoutLog.objects.bulk_create(
        PayoutLog(
            run=transfer.run,
            transfer=transfer,
            from_status=TransferStatus.REJECTED,
            to_status=TransferStatus.CARRIED,
            actor=actor,
            reason=_("Repris dans le paiement %(reference)s") % {"reference": run.reference},
        )
        for transfer in rejected
    )


def mark_run_executed(
    *, acting: Acting, run: PayoutRun, executed_on: datetime.date | None = None
) -> PayoutRun:
    """Finance staff record that the run's SEPA file was sent to the bank: the run and its
    pending transfers are executed."""
    acting.require_kind(OrganisationKind.OPERATOR)
    today = timezone.localdate()
    executed_on = executed_on or today
    prepared_on = timezone.localdate(run.created_at)
    if not prepared_on <= executed_on <= today:
        raise InvalidInput(
            _("La date d'exécution est comprise entre le %(first)s (préparation) et aujourd'hui."),
            first=prepared_on.strftime("%d/%m/%Y"),
        )
    with transaction.atomic():
        locked = PayoutRun.objects.select_for_update().get(pk=run.pk)
        check_transition(
            RUN_TRANSITIONS,
            current=locked.status,
            target=RunStatus.EXECUTED,
            label=locked.reference,
        )
        PayoutLog.objects.create(
            run=locked, from_status=locked.status, to_status=RunStatus.EXECUTED, actor=acting.user
        )
        locked.status = RunStatus.EXECUTED
        locked.executed_on = executed_on
        locked.save(update_fields=["status", "executed_on"])
        pending = PayoutTransfer.objects.filter(run=locked, status=TransferStatus.PENDING)
        PayoutLog.objects.bulk_create(
            (
                PayoutLog(
                    run=locked,
                    transfer_id=transfer_id,
                    from_status=TransferStatus.PENDING,
                    to_status=TransferStatus.EXECUTED,
                    actor=acting.user,
                )
                for transfer_id in pending.values_list("pk", flat=True).iterator(chunk_size=5000)
            ),
            batch_size=5000,
        )
        pending.update(status=TransferStatus.EXECUTED)
    return locked


def reject_transfer(*, acting: Acting, transfer: PayoutTransfer, reason: str) -> PayoutTransfer:
    """Finance staff record a transfer the bank rejected (wrong account, closed account…): its
    ledger posting is reversed (the money is back on the bank account, owed to the provider
    again) and its redemptions are released for the next run."""
    acting.require_kind(OrganisationKind.OPERATOR)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Indiquez le motif du rejet."))
    with transaction.atomic():
        locked = (
            PayoutTransfer.objects.select_for_update()
            .select_related("ledger_transaction")
            .get(pk=transfer.pk)
        )
        check_transition(
            TRANSFER_TRANSITIONS,
            current=locked.status,
            target=TransferStatus.REJECTED,
            label=locked.end_to_end_id,
        )
        reversal = post_transaction_reversal(
            kind=TransactionKind.PAYOUT_REJECTED,
            original=locked.ledger_transaction,
            actor=acting.user,
            memo=f"{locked.end_to_end_id} {reason}",
        )
        PayoutLog.objects.create(
            run_id=locked.run_id,
            transfer=locked,
            from_status=locked.status,
            to_status=TransferStatus.REJECTED,
            actor=acting.user,
            reason=reason,
        )
        locked.status = TransferStatus.REJECTED
        locked.reversal_transaction = reversal
        locked.save(update_fields=["status", "reversal_transaction"])
        PayoutLine.objects.filter(transfer=locked).update(released=True)
    return locked
