"""Shared by the payout tests: redemptions at a given time, through the real services."""

import datetime

from django.utils import timezone

from passnum.redemptions.models import Redemption
from passnum.redemptions.services import redeem_passes
from tests.factories import a_service, offer

PARIS = datetime.timezone(datetime.timedelta(hours=1))  # winter time, as the dates below


def at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=PARIS)


def redeem_at(provider, place, items, when: datetime.datetime, *, price_cents=None) -> Redemption:
    """Redeem `items` at `place` (offering `a_service()` at this price), dated `when`."""
    price_cents = price_cents or sum(item.order.face_value_cents for item in items)
    offer(place, price_cents=price_cents)
    result = redeem_passes(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=price_cents,
        codes=[item.code for item in items],
    )
    Redemption.objects.filter(pk=result.redemption.pk).update(created_at=when)
    return Redemption.objects.get(pk=result.redemption.pk)


def now_after(period_end: datetime.date) -> datetime.datetime:
    """A moment a few days after the period (the payout day)."""
    return timezone.make_aware(
        datetime.datetime.combine(period_end + datetime.timedelta(days=5), datetime.time(3))
    )
