import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service
from passnum.core.exceptions import NotFound
from passnum.ledger.services import open_accounts
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.selectors import passes_by_code
from passnum.places.models import Place
from passnum.places.selectors import offer_prices
from passnum.redemptions import rules
from passnum.redemptions.exceptions import (
    AlreadyUndone,
    IdempotencyKeyReused,
    RedemptionRefused,
    UndoTooLate,
)
from passnum.redemptions.models import Redemption, RedemptionLine
from passnum.redemptions.postings import post_redemption_undo
from passnum.redemptions.refusals import record_refusal
from passnum.redemptions.rules import Reason, Refusal
from passnum.redemptions.writes import AccountsNotOpened, LostRace, NewRedemption, write_redemption

MAX_PRICE_CENTS = 1_000_000
RACE_RETRIES = 3


@dataclass(frozen=True)
class RedemptionResult:
    redemption: Redemption
    replayed: bool = False
    passes: tuple[Pass, ...] = ()  # the passes just redeemed (empty for a replay)


def redeem_passes(
    *,
    acting: Acting,
    place: Place,
    service: Service,
    price_cents: int,
    codes: list[str],
    idempotency_key: str | None = None,
) -> RedemptionResult:
    """Spend passes at a place for a service: every pass is taken, or none.

    The service must be one of the place's offers and `price_cents` its published price.

    Each pass is checked against every rule first; the write is one conditional UPDATE
    (`... WHERE status = 'active'`) whose row count proves no other request took a pass, backed
    by a unique constraint on live redemption lines. The same idempotency key and request return
    the first answer without redeeming again. A refused request is recorded (`RefusedScan`,
    outside the rolled-back transaction) before RedemptionRefused goes up; a success writes
    nothing more.
    """
    acting.require_kind(OrganisationKind.PROVIDER)
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    normalised = [pass_codes.normalise(raw) for raw in codes]
    fingerprint = _fingerprint(
        place=place, service=service, price_cents=price_cents, codes=normalised
    )
    # A retry with the same key is noticed when it fails: its passes are already redeemed (a
    # refusal) or its key is taken (the unique constraint). No lookup before the first attempt.
    for _attempt in range(RACE_RETRIES):
        try:
            items = _checked_passes(
                place=place, service=service, price_cents=price_cents, codes=normalised
            )
            with transaction.atomic():
                redemption = write_redemption(
                    NewRedemption(
                        acting=acting,
                        place=place,
                        service=service,
                        price_cents=price_cents,
                        items=items,
                        idempotency_key=idempotency_key,
                        fingerprint=fingerprint,
                    )
                )
        except RedemptionRefused as refused:
            previous = _replay(acting=acting, key=idempotency_key, fingerprint=fingerprint)
            if previous:
                return previous
            record_refusal(
                acting=acting, place=place, service=service, codes=normalised, refused=refused
            )
            raise
        except AccountsNotOpened as missing:
            open_accounts(codes=missing.codes)
            continue
        except (LostRace, IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not _is_retryable(exc):
                raise
            previous = _replay(acting=acting, key=idempotency_key, fingerprint=fingerprint)
            if previous:
                return previous
            continue  # check again: the refusal now says who took the pass
        return RedemptionResult(redemption=redemption, passes=tuple(items))
    lost = RedemptionRefused(
        details=[
            Refusal(
                Reason.ALREADY_REDEEMED,
                _("Ces pass viennent d'être utilisés par une autre demande."),
            ).as_detail()
        ]
    )
    record_refusal(acting=acting, place=place, service=service, codes=normalised, refused=lost)
    raise lost


def undo_redemption(*, acting: Acting, redemption: Redemption) -> Redemption:
    """A place undoes its own redemption within the undo delay; the ledger is reversed."""
    if redemption.organisation_id != acting.organisation.pk:
        raise NotFound()
    minutes = settings.PASSNUM_UNDO_MINUTES
    now = timezone.now()
    if redemption.undone_at is not None:
        raise AlreadyUndone()
    if now - redemption.created_at > datetime.timedelta(minutes=minutes):
        raise UndoTooLate(minutes=minutes)
    with transaction.atomic():
        taken = Redemption.objects.filter(pk=redemption.pk, undone_at__isnull=True).update(
            undone_at=now, undone_by=acting.user
        )
        if not taken:
            raise AlreadyUndone()
        lines = RedemptionLine.objects.filter(redemption=redemption)
        pass_ids = list(lines.values_list("pass_item_id", flat=True))
        lines.update(undone=True)
        Pass.objects.filter(pk__in=pass_ids, status=PassStatus.REDEEMED).update(
            status=PassStatus.ACTIVE
        )
        post_redemption_undo(redemption_id=redemption.pk, actor=acting.user)
    redemption.refresh_from_db()
    return redemption


def _checked_passes(
    *, place: Place, service: Service, price_cents: int, codes: list[str]
) -> list[Pass]:
    """The passes, if every rule holds; otherwise RedemptionRefused with every reason."""
    refusals: list[Refusal] = []
    if not codes:
        refusals.append(Refusal(Reason.NO_PASSES, _("Aucun code de pass n'a été donné.")))
    if len(codes) > settings.PASSNUM_MAX_PASSES_PER_REDEMPTION:
        refusals.append(
            Refusal(
                Reason.TOO_MANY_CODES,
                _("Au plus %(max)s pass par paiement.")
                % {"max": settings.PASSNUM_MAX_PASSES_PER_REDEMPTION},
            )
        )
    if not 0 < price_cents <= MAX_PRICE_CENTS:
        refusals.append(
            Refusal(
                Reason.INVALID_PRICE,
                _("Le prix du service doit être compris entre 0,01 € et 10 000 €."),
            )
        )
    place_problem = rules.place_refusal(place)
    if place_problem:
        refusals.append(place_problem)
    else:  # a place that is not qualified publishes no offer
        offer_problem = rules.offer_refusal(
            offers=offer_prices(place),
            service=service,
            price_cents=price_cents if 0 < price_cents <= MAX_PRICE_CENTS else None,
        )
        if offer_problem:
            refusals.append(offer_problem)
    if refusals:
        raise RedemptionRefused(details=[refusal.as_detail() for refusal in refusals])

    well_formed: list[str] = []
    seen: set[str] = set()
    for code in codes:
        problem = rules.code_refusal(code)
        if problem:
            refusals.append(problem)
        elif code in seen:
            refusals.append(
                Refusal(Reason.DUPLICATE_CODE, _("Ce code a été saisi deux fois."), code)
            )
        else:
            seen.add(code)
            well_formed.append(code)
    found = passes_by_code(well_formed)
    today = timezone.localdate()
    items: list[Pass] = []
    redeemed: list[Pass] = []
    for code in well_formed:
        item = found.get(code)
        if item is None:
            refusals.append(
                Refusal(
                    Reason.UNKNOWN_PASS,
                    _("Ce code ne correspond à aucun pass. Vérifiez la saisie."),
                    code,
                )
            )
            continue
        problem = rules.pass_refusal(item, place=place, service=service, today=today)
        if problem is None:
            items.append(item)
        elif problem.code == Reason.ALREADY_REDEEMED:
            redeemed.append(item)
        else:
            refusals.append(problem)
    refusals += _where_and_when(redeemed)
    if not refusals:
        too_many = rules.quantity_refusal(
            price_cents=price_cents, faces=[item.order.face_value_cents for item in items]
        )
        if too_many:
            refusals.append(too_many)
    if refusals:
        raise RedemptionRefused(details=[refusal.as_detail() for refusal in refusals])
    return items


def _where_and_when(redeemed: list[Pass]) -> list[Refusal]:
    if not redeemed:
        return []
    lines = {
        line.pass_item_id: line
        for line in RedemptionLine.objects.select_related("redemption__place").filter(
            pass_item__in=redeemed, undone=False
        )
    }
    refusals = []
    for item in redeemed:
        line = lines.get(item.pk)
        if line is None:  # undone in between: say it plainly
            refusals.append(
                Refusal(Reason.ALREADY_REDEEMED, _("Ce pass a déjà été utilisé."), item.code)
            )
        else:
            refusals.append(
                rules.already_redeemed_refusal(
                    item.code, when=line.redemption.created_at, place=line.redemption.place
                )
            )
    return refusals


def _replay(*, acting: Acting, key: str | None, fingerprint: str) -> RedemptionResult | None:
    """The redemption an earlier request with this key made, if any; IdempotencyKeyReused if
    that request was a different one."""
    if not key:
        return None
    previous = Redemption.objects.filter(
        organisation=acting.organisation, idempotency_key=key
    ).first()
    if previous is None:
        return None
    if previous.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return RedemptionResult(redemption=previous, replayed=True)


def _is_retryable(exc: OperationalError) -> bool:
    """PostgreSQL deadlock or serialization failure: the other request won, check again."""
    return getattr(exc.__cause__, "sqlstate", None) in {"40P01", "40001"}


def _fingerprint(*, place: Place, service: Service, price_cents: int, codes: list[str]) -> str:
    canonical = json.dumps(
        {"place": place.pk, "service": service.code, "price": price_cents, "codes": sorted(codes)},
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
