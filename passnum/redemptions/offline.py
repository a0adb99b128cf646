"""Passes scanned while the scanning page had no network, when they reach the server
(issue #9, docs/offline.md).

Offline, the page accepts only a pass whose QR code carries a valid signature of the instance
(`passes/offline.py`) and whose last day is not past, within the place's allowance for the day
(PASSNUM_OFFLINE_PASSES_PER_PLACE_PER_DAY); it queues each one with an idempotency key of its
own, the service chosen and the device's time. Back online it sends the queue here:

- a key already received answers what it answered then (nothing is redeemed twice, nothing is
  recorded twice);
- the signature is checked again (`forged` if it does not hold: nothing is redeemed);
- the allowance is checked again, per place and per day of the scan (`over_allowance`);
- each pass is then redeemed alone by `redeem_passes`, with the scan's key: a pass refused does
  not sink the others of the same visit. Already redeemed — at another place or at this one — it
  is a `conflict`: the redemption the server recorded first is the one paid, this one is not.

Every scan leaves one `OfflineScan` row (append-only), whatever its outcome. The day a scan
counts for is the device's day, never later than the day it reaches the server nor earlier than
OFFLINE_MAX_AGE_DAYS before it: a device whose clock is set back cannot spread a lost phone's
scans over past days beyond that.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.catalogue.exceptions import UnknownService
from passnum.catalogue.selectors import get_service
from passnum.core.exceptions import NotFound
from passnum.passes import codes as pass_codes
from passnum.passes.models import Pass
from passnum.passes.offline import verify_fragment
from passnum.places.models import Place
from passnum.redemptions.exceptions import IdempotencyKeyReused, RedemptionRefused
from passnum.redemptions.models import OfflineOutcome, OfflineScan, Redemption, RedemptionLine
from passnum.redemptions.rules import Reason
from passnum.redemptions.services import redeem_passes

OFFLINE_MAX_AGE_DAYS = 7
MAX_SCANS_PER_SYNC = 100
KEY_PREFIX = "offline-"  # the redemption's idempotency key: apart from the page's own keys


@dataclass(frozen=True)
class QueuedScan:
    """One scan of the page's queue: its key, the service chosen, the QR's text as read (the
    pass's address and, after `#`, its signed facts), the device's time."""

    key: str
    service_code: str
    qr: str
    scanned_at: datetime.datetime


@dataclass(frozen=True)
class SyncAnswer:
    key: str
    outcome: str
    messages: list[str]
    code: str  # as printed, grouped
    face_value_cents: int | None = None
    scan: OfflineScan | None = None


def split_qr(text: str) -> tuple[str, str]:
    """(code, signed fragment) of a pass's QR text, SITE_URL/p/<code>#<fragment>; the fragment
    is "" when there is none."""
    text = text.strip()
    address, _sep, fragment = text.partition("#")
    marker = address.rfind("/p/")
    code = address[marker + 3 :].split("?")[0].strip("/") if marker >= 0 else address
    return code, fragment


def allowance() -> int:
    return settings.PASSNUM_OFFLINE_PASSES_PER_PLACE_PER_DAY


def offline_used(*, place: Place, day: datetime.date) -> int:
    """Passes redeemed from offline scans at `place` counted for `day`."""
    return OfflineScan.objects.filter(
        place=place, counted_on=day, outcome=OfflineOutcome.REDEEMED
    ).count()


def counted_day(scanned_at: datetime.datetime, *, now: datetime.datetime) -> datetime.date:
    """The day a scan counts for: the device's, kept between OFFLINE_MAX_AGE_DAYS before the
    server's day and the server's day."""
    today = timezone.localdate(now)
    day = timezone.localdate(scanned_at) if timezone.is_aware(scanned_at) else today
    earliest = today - datetime.timedelta(days=OFFLINE_MAX_AGE_DAYS)
    return min(max(day, earliest), today)


def sync_offline_scans(
    *, acting: Acting, place: Place, scans: list[QueuedScan]
) -> list[SyncAnswer]:
    """Record and redeem the queue a scanning page sends back online, one answer per scan, in
    its order. Each scan is its own transaction, the place's row locked while its allowance is
    counted and the pass redeemed (two devices of one place sending at once count in turn)."""
    acting.require_kind(OrganisationKind.PROVIDER)
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    return [_sync_one(acting=acting, place=place, scan=scan) for scan in scans[:MAX_SCANS_PER_SYNC]]


def _answer(scan: OfflineScan) -> SyncAnswer:
    return SyncAnswer(
        key=scan.idempotency_key,
        outcome=scan.outcome,
        messages=[reason["message"] for reason in scan.reasons],
        code=pass_codes.display(scan.code),
        face_value_cents=scan.face_value_cents,
        scan=scan,
    )


def _sync_one(*, acting: Acting, place: Place, scan: QueuedScan) -> SyncAnswer:
    code = pass_codes.normalise(split_qr(scan.qr)[0])[:64]
    try:
        service = get_service(code=scan.service_code)
    except UnknownService:
        return SyncAnswer(
            key=scan.key,
            outcome=OfflineOutcome.REFUSED,
            messages=[_("Ce service n'existe pas.")],
            code=pass_codes.display(code),
        )
    try:
        with transaction.atomic():
            Place.objects.select_for_update().filter(pk=place.pk).values_list("pk").get()
            known = OfflineScan.objects.filter(
                organisation_id=acting.organisation.pk, idempotency_key=scan.key
            ).first()
            if known is not None:
                if known.code != code or known.place_id != place.pk:
                    return SyncAnswer(
                        key=scan.key,
                        outcome=OfflineOutcome.REFUSED,
                        messages=[str(IdempotencyKeyReused())],
                        code=pass_codes.display(code),
                    )
                return _answer(known)
            return _answer(
                _record(acting=acting, place=place, service=service, code=code, scan=scan)
            )
    except IntegrityError:  # the same key received at the same time: the other one recorded it
        known = OfflineScan.objects.get(
            organisation_id=acting.organisation.pk, idempotency_key=scan.key
        )
        return _answer(known)


def _record(
    *, acting: Acting, place: Place, service: Any, code: str, scan: QueuedScan
) -> OfflineScan:
    now = timezone.now()
    day = counted_day(scan.scanned_at, now=now)
    row = OfflineScan(
        organisation_id=acting.organisation.pk,
        place_id=place.pk,
        member_id=acting.user.pk,
        service=service,
        idempotency_key=scan.key,
        code=code,
        pass_item=Pass.objects.filter(code=code).only("pk").first(),
        scanned_at=scan.scanned_at if timezone.is_aware(scan.scanned_at) else now,
        counted_on=day,
        synced_at=now,
    )
    signed = verify_fragment(code=code, fragment=split_qr(scan.qr)[1])
    if signed is None:
        row.outcome = OfflineOutcome.FORGED
        row.reasons = [
            {
                "code": "invalid_signature",
                "message": _(
                    "La signature du code QR n'est pas valide : ce pass n'a pas été utilisé."
                ),
            }
        ]
        row.save()
        return row
    row.face_value_cents = signed.face_value_cents
    limit = allowance()
    if offline_used(place=place, day=day) >= limit:
        row.outcome = OfflineOutcome.OVER_ALLOWANCE
        row.reasons = [
            {
                "code": "over_allowance",
                "message": _(
                    "Au-delà de la limite de %(limit)s pass scannés hors ligne par jour pour ce "
                    "lieu : ce pass n'a pas été utilisé, il reste valable."
                )
                % {"limit": limit},
            }
        ]
        row.save()
        return row
    price = _offer_price(place, service)
    try:
        result = redeem_passes(
            acting=acting,
            place=place,
            service=service,
            price_cents=price,
            codes=[code],
            idempotency_key=f"{KEY_PREFIX}{scan.key}",
        )
    except RedemptionRefused as refused:
        row.reasons = [
            {"code": str(detail.get("code", "")), "message": str(detail.get("message", ""))}
            for detail in refused.details
        ]
        if any(reason["code"] == Reason.ALREADY_REDEEMED for reason in row.reasons):
            row.outcome = OfflineOutcome.CONFLICT
            row.conflict_with = _live_redemption(row.pass_item)
        else:
            row.outcome = OfflineOutcome.REFUSED
    except IdempotencyKeyReused as exc:
        row.outcome = OfflineOutcome.REFUSED
        row.reasons = [{"code": exc.code, "message": str(exc)}]
    else:
        row.outcome = OfflineOutcome.REDEEMED
        row.redemption = result.redemption
    row.save()
    return row


def _offer_price(place: Place, service: Any) -> int:
    """The place's price for the service today (the price checked by `redeem_passes`); 0 when
    it no longer offers it, which `redeem_passes` refuses in words."""
    from passnum.places.selectors import offer_prices

    return offer_prices(place).get(service.pk, 0)


def _live_redemption(item: Pass | None) -> Redemption | None:
    if item is None:
        return None
    line = (
        RedemptionLine.objects.filter(pass_item=item, undone=False)
        .select_related("redemption")
        .first()
    )
    return line.redemption if line else None


# --- Reads -------------------------------------------------------------------------------------


def offline_scans_at(*, acting: Acting, place: Place, limit: int = 50) -> list[OfflineScan]:
    """The last offline scans received from `place` (one of the acting organisation's)."""
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    return list(
        OfflineScan.objects.filter(organisation_id=acting.organisation.pk, place=place)
        .select_related("service")
        .order_by("-synced_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class PresentedElsewhere:
    """A pass this place was paid for, also presented offline: to the place paid, without
    naming where else (docs/offline.md)."""

    code: str
    paid_at: datetime.datetime
    presented_at: datetime.datetime
    same_place: bool
    redemption_id: int


def presented_offline_after(
    *, acting: Acting, place: Place, limit: int = 50
) -> list[PresentedElsewhere]:
    """Conflicts whose paid redemption is `place`'s, newest first."""
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    rows = (
        OfflineScan.objects.filter(
            outcome=OfflineOutcome.CONFLICT,
            conflict_with__place=place,
            conflict_with__organisation_id=acting.organisation.pk,
        )
        .select_related("conflict_with")
        .order_by("-synced_at", "-pk")[:limit]
    )
    return [
        PresentedElsewhere(
            code=pass_codes.display(row.code),
            paid_at=row.conflict_with.created_at,
            presented_at=row.scanned_at,
            same_place=row.place_id == place.pk,
            redemption_id=row.conflict_with.pk,
        )
        for row in rows
        if row.conflict_with is not None
    ]


def conflict_flags(*, acting: Acting, redemption_ids: list[int]) -> dict[int, bool]:
    """{redemption id: presented offline at the same place} for those of the acting
    organisation's redemptions a later offline scan conflicted with."""
    flags: dict[int, bool] = {}
    rows = OfflineScan.objects.filter(
        outcome=OfflineOutcome.CONFLICT,
        conflict_with_id__in=redemption_ids,
        conflict_with__organisation_id=acting.organisation.pk,
    ).values_list("conflict_with_id", "conflict_with__place_id", "place_id")
    for redemption_id, paid_place, offline_place in rows:
        flags[redemption_id] = flags.get(redemption_id, False) or paid_place == offline_place
    return flags


def offline_conflicts(*, acting: Acting) -> QuerySet[OfflineScan]:
    """Every conflict, newest first, with both places: for operator staff only."""
    acting.require_kind(OrganisationKind.OPERATOR)
    return (
        OfflineScan.objects.filter(outcome=OfflineOutcome.CONFLICT)
        .select_related(
            "place__organisation",
            "service",
            "conflict_with__place__organisation",
        )
        .order_by("-synced_at", "-pk")
    )
