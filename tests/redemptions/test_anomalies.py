"""Refused scans are recorded, and the operator's anomalies (redemptions/anomalies.py) fire at
their thresholds and not below, per Europe/Paris day."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.passes import codes as pass_codes
from passnum.redemptions import anomalies
from passnum.redemptions.enums import AnomalyKind
from passnum.redemptions.exceptions import RedemptionRefused
from passnum.redemptions.models import RefusedScan
from passnum.redemptions.rules import Reason
from passnum.redemptions.services import redeem_passes, undo_redemption
from tests.factories import PlaceFactory, a_service, make_acting, make_order, offer, passes_of

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UNKNOWN = pass_codes.display("ABCDEFGHJKMNPQ" + pass_codes.check_character("ABCDEFGHJKMNPQ"))


@pytest.fixture(autouse=True)
def small_thresholds(settings):
    settings.PASSNUM_ANOMALY_MIN_PASSES_PER_DAY = 3
    settings.PASSNUM_ANOMALY_VELOCITY_FACTOR = 2
    settings.PASSNUM_ANOMALY_REFUSALS_PER_DAY = 3


@pytest.fixture
def day():
    """A day of the last week (not today: the window's edges are tested apart)."""
    return timezone.localdate() - datetime.timedelta(days=2)


@pytest.fixture
def stock(sponsor, operator):
    """80 active passes in booklets of 10, taken in order by `take`."""
    items = passes_of(make_order(sponsor=sponsor, operator=operator, quantity=80))
    return iter(items)


def at(day: datetime.date, hour: int = 12, minute: int = 0):
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)
    return time_machine.travel(moment, tick=False)


def redeem_on(day, provider, place, items, *, hour=12, minute=0):
    """One redemption of `items` at `place` on `day` (local time), at the place's price for
    as many passes."""
    price = 1000 * len(items)
    service = offer(place, price_cents=price).service
    with at(day, hour, minute):
        return redeem_passes(
            acting=provider,
            place=place,
            service=service,
            price_cents=price,
            codes=[item.code for item in items],
        )


def redeem_each(day, provider, place, stock, count, **when):
    """`count` redemptions of one pass each."""
    return [redeem_on(day, provider, place, [next(stock)], **when) for _ in range(count)]


def refuse_on(day, provider, place, codes=(UNKNOWN,), *, hour=12):
    offer(place, price_cents=1000)
    with at(day, hour), pytest.raises(RedemptionRefused):
        redeem_passes(
            acting=provider,
            place=place,
            service=a_service(),
            price_cents=1000,
            codes=list(codes),
        )


def found(operator, *, kind, days=7):
    return [a for a in anomalies.anomalies(acting=operator, days=days) if a.kind == kind]


# Refused scans are recorded -------------------------------------------------------------------


def test_a_refused_redemption_is_recorded_with_its_reasons_and_codes(provider, place, stock):
    used = next(stock)
    redeem_on(timezone.localdate(), provider, place, [used])
    offer(place, price_cents=2000)
    with pytest.raises(RedemptionRefused):
        redeem_passes(
            acting=provider,
            place=place,
            service=a_service(),
            price_cents=2000,
            codes=[used.code, UNKNOWN.lower(), "abc"],
        )
    scan = RefusedScan.objects.get()
    assert (scan.place, scan.organisation, scan.member) == (
        place,
        provider.organisation,
        provider.user,
    )
    assert scan.service == a_service()
    assert scan.reasons == [Reason.MALFORMED_CODE, Reason.UNKNOWN_PASS, Reason.ALREADY_REDEEMED]
    assert scan.codes == [pass_codes.display(used.code), UNKNOWN, "ABC"]


def test_a_successful_redemption_records_nothing(provider, place, stock):
    redeem_on(timezone.localdate(), provider, place, [next(stock)])
    assert not RefusedScan.objects.exists()


def test_a_refusal_of_the_place_itself_is_recorded(provider, place, stock):
    offer(place, price_cents=1000)
    with pytest.raises(RedemptionRefused):
        redeem_passes(acting=provider, place=place, service=a_service(), price_cents=1500, codes=[])
    assert RefusedScan.objects.get().reasons == [Reason.NO_PASSES, Reason.PRICE_NOT_OFFERED]


def test_a_replayed_request_is_not_a_refusal(provider, place, stock):
    item = next(stock)
    offer(place, price_cents=1000)
    for _ in range(2):
        redeem_passes(
            acting=provider,
            place=place,
            service=a_service(),
            price_cents=1000,
            codes=[item.code],
            idempotency_key="same",
        )
    assert not RefusedScan.objects.exists()


def test_refused_scans_are_recorded_through_the_api_and_it_still_answers_422(api, provider, place):
    offer(place, price_cents=1000)
    response = api(provider).post(
        "/api/v1/redemptions",
        {
            "place_id": place.pk,
            "service": a_service().code,
            "price_cents": 1000,
            "codes": [UNKNOWN],
        },
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "redemption_refused"
    scan = RefusedScan.objects.get()
    assert (scan.member, scan.reasons, scan.codes) == (
        provider.user,
        [Reason.UNKNOWN_PASS],
        [UNKNOWN],
    )


def test_recording_fails_quietly(provider, place, monkeypatch):
    """A refusal whose record cannot be written is still the same refusal, not a 500."""
    from django.db import DatabaseError

    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(RefusedScan.objects, "create", broken)
    refuse_on(timezone.localdate(), provider, place)
    assert not RefusedScan.objects.exists()


@pytest.mark.postgres
def test_postgresql_keeps_refused_scans_as_written(provider, place):
    from django.db import IntegrityError, transaction

    refuse_on(timezone.localdate(), provider, place)
    scan = RefusedScan.objects.get()
    for change in (
        lambda: RefusedScan.objects.filter(pk=scan.pk).update(reasons=[]),
        lambda: RefusedScan.objects.filter(pk=scan.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    RefusedScan.objects.filter(pk=scan.pk).update(member=None)  # the person was deleted
    scan.refresh_from_db()
    assert scan.member is None and scan.reasons == [Reason.UNKNOWN_PASS]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_the_refused_scan_survives_the_api_answer_in_autocommit(api):
    """No test transaction around the request: the row is committed, not rolled back with the
    redemption's own transaction."""
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation)
    offer(place, price_cents=1000)
    response = api(provider).post(
        "/api/v1/redemptions",
        {
            "place_id": place.pk,
            "service": a_service().code,
            "price_cents": 1000,
            "codes": [UNKNOWN],
        },
    )
    assert response.status_code == 422
    assert connection.in_atomic_block is False
    assert RefusedScan.objects.filter(place=place).count() == 1


# Velocity -------------------------------------------------------------------------------------


def test_velocity_without_history_fires_above_the_minimum(operator, provider, place, stock, day):
    redeem_each(day, provider, place, stock, 3)
    assert found(operator, kind=AnomalyKind.VELOCITY) == []  # 3 = the minimum: not above
    redeem_each(day, provider, place, stock, 1)
    (anomaly,) = found(operator, kind=AnomalyKind.VELOCITY)
    assert (anomaly.place, anomaly.day, anomaly.passes, anomaly.threshold) == (place, day, 4, 3)
    assert anomaly.average is None and anomaly.organisations == [provider.organisation]


def test_velocity_compares_with_the_average_of_active_days(operator, provider, place, stock, day):
    # 30 days before: 2 active days, 3 + 5 passes → 4 a day; × 2 → the threshold is 8.
    redeem_each(day - datetime.timedelta(days=30), provider, place, stock, 3)
    redeem_each(day - datetime.timedelta(days=9), provider, place, stock, 5)
    redeem_each(day - datetime.timedelta(days=31), provider, place, stock, 20)  # too old
    redeem_on(day, provider, place, [next(stock) for _ in range(8)])
    assert found(operator, kind=AnomalyKind.VELOCITY, days=7) == []
    redeem_each(day, provider, place, stock, 1)
    (anomaly,) = found(operator, kind=AnomalyKind.VELOCITY)
    assert (anomaly.passes, anomaly.threshold, anomaly.active_days) == (9, 8, 2)
    assert str(anomaly.average) == "4.0"


def test_velocity_counts_passes_per_local_day(operator, provider, place, stock, day):
    """00:30 in Paris is the previous day in UTC: it counts for the Paris day."""
    redeem_each(day, provider, place, stock, 2, hour=0, minute=30)
    redeem_each(day, provider, place, stock, 2, hour=23, minute=30)
    (anomaly,) = found(operator, kind=AnomalyKind.VELOCITY)
    assert (anomaly.day, anomaly.passes) == (day, 4)


def test_undone_redemptions_do_not_count(operator, provider, place, stock, day):
    done = redeem_each(day, provider, place, stock, 4)
    with at(day):
        undo_redemption(acting=provider, redemption=done[0].redemption)
    assert found(operator, kind=AnomalyKind.VELOCITY) == []


def test_the_window_is_7_or_30_days(operator, provider, place, stock):
    long_ago = timezone.localdate() - datetime.timedelta(days=10)
    redeem_each(long_ago, provider, place, stock, 4)
    assert found(operator, kind=AnomalyKind.VELOCITY, days=7) == []
    assert len(found(operator, kind=AnomalyKind.VELOCITY, days=30)) == 1


# A whole booklet --------------------------------------------------------------------------------


def test_a_whole_booklet_at_one_place_in_one_day(operator, provider, place, stock, day, settings):
    settings.PASSNUM_ANOMALY_MIN_PASSES_PER_DAY = 100
    booklet = [next(stock) for _ in range(10)]
    redeem_on(day, provider, place, booklet[:9])
    assert found(operator, kind=AnomalyKind.WHOLE_BOOKLET) == []  # 9 of 10
    redeem_on(day, provider, place, booklet[9:], hour=18)
    (anomaly,) = found(operator, kind=AnomalyKind.WHOLE_BOOKLET)
    assert anomaly.booklet == booklet[0].booklet
    assert (anomaly.place, anomaly.day, anomaly.passes) == (place, day, 10)
    assert found(operator, kind=AnomalyKind.VELOCITY) == []


def test_a_booklet_over_two_days_or_two_places_is_not_flagged(
    operator, provider, place, stock, day
):
    other = PlaceFactory(organisation=provider.organisation)
    first = [next(stock) for _ in range(10)]
    redeem_on(day, provider, place, first[:9])
    redeem_on(day + datetime.timedelta(days=1), provider, place, first[9:])
    second = [next(stock) for _ in range(10)]
    redeem_on(day, provider, place, second[:5])
    redeem_on(day, provider, other, second[5:])
    assert found(operator, kind=AnomalyKind.WHOLE_BOOKLET) == []


def test_an_undone_pass_leaves_the_booklet_unflagged(operator, provider, place, stock, day):
    booklet = [next(stock) for _ in range(10)]
    redeem_on(day, provider, place, booklet[:9])
    last = redeem_on(day, provider, place, booklet[9:])
    with at(day):
        undo_redemption(acting=provider, redemption=last.redemption)
    assert found(operator, kind=AnomalyKind.WHOLE_BOOKLET) == []


# Repeated refusals ------------------------------------------------------------------------------


def test_refusals_at_a_place_fire_at_the_threshold(operator, provider, place, stock, day):
    used = next(stock)
    redeem_on(day, provider, place, [used])
    refuse_on(day, provider, place)
    refuse_on(day, provider, place, codes=[used.code, UNKNOWN])
    assert found(operator, kind=AnomalyKind.PLACE_REFUSALS) == []  # 2 < 3
    refuse_on(day, provider, place, codes=["nope"])
    (anomaly,) = found(operator, kind=AnomalyKind.PLACE_REFUSALS)
    assert (anomaly.place, anomaly.day, anomaly.refusals, anomaly.threshold) == (
        place,
        day,
        3,
        3,
    )
    assert anomaly.reasons == [
        (Reason.UNKNOWN_PASS, 2),
        (Reason.ALREADY_REDEEMED, 1),
        (Reason.MALFORMED_CODE, 1),
    ]


def test_refusals_of_one_member_across_places(operator, provider, place, day):
    other = PlaceFactory(organisation=provider.organisation)
    colleague = make_acting(OrganisationKind.PROVIDER, organisation=provider.organisation)
    refuse_on(day, provider, place)
    refuse_on(day, provider, place)
    refuse_on(day, colleague, place, hour=13)
    refuse_on(day, provider, other)
    refuse_on(day - datetime.timedelta(days=1), provider, other)  # another day
    members = found(operator, kind=AnomalyKind.MEMBER_REFUSALS)
    assert [(a.member, a.day, a.refusals, a.place) for a in members] == [
        (provider.user, day, 3, None)  # two places: none in particular
    ]
    assert members[0].organisations == [provider.organisation]
    places = found(operator, kind=AnomalyKind.PLACE_REFUSALS)
    assert [(a.place, a.refusals) for a in places] == [(place, 3)]


def test_refusals_per_local_day(operator, provider, place, day):
    refuse_on(day, provider, place, hour=23)
    refuse_on(day, provider, place, hour=23)
    refuse_on(day + datetime.timedelta(days=1), provider, place, hour=0)
    assert found(operator, kind=AnomalyKind.PLACE_REFUSALS) == []


# The scans behind, the queries, who may see --------------------------------------------------


def test_the_scans_behind_each_anomaly(operator, provider, place, stock, day, settings):
    settings.PASSNUM_ANOMALY_MIN_PASSES_PER_DAY = 10
    booklet = [next(stock) for _ in range(10)]
    whole = redeem_on(day, provider, place, booklet)
    redeem_each(day, provider, place, stock, 1)
    undone = redeem_on(day, provider, place, [next(stock)])
    with at(day):
        undo_redemption(acting=provider, redemption=undone.redemption)
    for _ in range(3):
        refuse_on(day, provider, place)
    (velocity,) = found(operator, kind=AnomalyKind.VELOCITY)
    assert velocity.passes == 11
    behind = list(anomalies.scans_behind(velocity))
    assert len(behind) == 2 and undone.redemption not in behind
    (booklet_anomaly,) = found(operator, kind=AnomalyKind.WHOLE_BOOKLET)
    assert list(anomalies.scans_behind(booklet_anomaly)) == [whole.redemption]
    (refusals,) = found(operator, kind=AnomalyKind.PLACE_REFUSALS)
    assert len(anomalies.scans_behind(refusals)) == 3


def test_anomalies_take_a_fixed_number_of_queries(operator, provider, place, stock, day):
    def count():
        with CaptureQueriesContext(connection) as queries:
            anomalies.anomalies(acting=operator, days=30)
        return len(queries)

    redeem_each(day, provider, place, stock, 4)
    for _ in range(3):
        refuse_on(day, provider, place)
    small = count()
    other = PlaceFactory(organisation=provider.organisation)
    redeem_each(day - datetime.timedelta(days=1), provider, other, stock, 5)
    for _ in range(4):
        refuse_on(day - datetime.timedelta(days=3), provider, other)
    assert len(anomalies.anomalies(acting=operator, days=30)) > 3
    assert count() == small


@pytest.mark.parametrize(
    "kind", [OrganisationKind.PROVIDER, OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR]
)
def test_only_operator_staff_see_anomalies(kind, provider, place, day):
    for _ in range(3):
        refuse_on(day, provider, place)
    someone = provider if kind == OrganisationKind.PROVIDER else make_acting(kind)
    with pytest.raises(WrongOrganisationKind):
        anomalies.anomalies(acting=someone)
    with pytest.raises(WrongOrganisationKind):
        anomalies.anomaly_for(
            acting=someone, kind=AnomalyKind.PLACE_REFUSALS, subject_id=place.pk, day=day
        )


def test_anomaly_for_finds_one_or_says_not_found(operator, provider, place, day):
    from passnum.core.exceptions import NotFound

    for _ in range(3):
        refuse_on(day, provider, place)
    anomaly = anomalies.anomaly_for(
        acting=operator, kind=AnomalyKind.PLACE_REFUSALS, subject_id=place.pk, day=day
    )
    assert anomaly.refusals == 3
    for kind, subject, on in [
        (AnomalyKind.PLACE_REFUSALS, place.pk, day - datetime.timedelta(days=1)),
        (AnomalyKind.VELOCITY, place.pk, day),
        (AnomalyKind.PLACE_REFUSALS, place.pk + 1, day),
        ("nonsense", place.pk, day),
    ]:
        with pytest.raises(NotFound):
            anomalies.anomaly_for(acting=operator, kind=kind, subject_id=subject, day=on)
