"""Anomalies for the operator (issue #9): scans worth a look, per Europe/Paris day.

- **velocity**: a place redeemed more passes in one day than
  max(PASSNUM_ANOMALY_MIN_PASSES_PER_DAY, PASSNUM_ANOMALY_VELOCITY_FACTOR × its average passes
  per active day over the 30 days before that day) — a day with no pass redeemed is not active;
  a place with no history has the minimum as threshold;
- **whole booklet**: every pass of a booklet redeemed at one place on one day;
- **repeated refusals**: a place, or a member (the API token's owner, the person logged in on
  the scanning page), refused at least PASSNUM_ANOMALY_REFUSALS_PER_DAY times in one day
  (`RefusedScan`), with the requests counted per reason.

Passes count only while redeemed: an undone redemption counts for nothing. Every rule is one
aggregate query with GROUP BY over the window (velocity: two, the second only for the places
the first found busy enough), then one query per kind of object shown: a handful of queries
whatever the number of scans. Days are cut in the local time zone in SQL (`TruncDate` with
`tzinfo`), on SQLite as on PostgreSQL.

Only operator staff see anomalies: every public function requires an acting operator.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation, User
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.passes.models import Booklet
from passnum.places.models import Place
from passnum.redemptions.enums import AnomalyKind
from passnum.redemptions.models import Redemption, RedemptionLine, RefusedScan
from passnum.redemptions.rules import Reason

WINDOWS = (7, 30)  # the windows the page offers, in days (today included)
LOOKBACK_DAYS = 30  # the velocity's usual rate: the days before the day looked at
SCANS_SHOWN = 500  # the scans a detail page lists at most (the figures count them all)

REASON_LABELS: dict[str, Any] = {
    Reason.MALFORMED_CODE: _("code illisible"),
    Reason.BAD_CHECK_CHARACTER: _("code mal saisi"),
    Reason.DUPLICATE_CODE: _("code saisi deux fois"),
    Reason.UNKNOWN_PASS: _("code inconnu"),
    Reason.NOT_ACTIVE: _("pass pas encore activé"),
    Reason.ALREADY_REDEEMED: _("pass déjà utilisé"),
    Reason.BLOCKED: _("pass bloqué"),
    Reason.EXPIRED: _("pass expiré"),
    Reason.OUTSIDE_TIME_WINDOW: _("hors période d'utilisation"),
    Reason.OUTSIDE_PERIMETER: _("hors territoire"),
    Reason.PLACE_TYPE_NOT_ALLOWED: _("type de lieu non autorisé"),
    Reason.SERVICE_NOT_ALLOWED: _("service non autorisé"),
    Reason.PLACE_NOT_QUALIFIED: _("lieu non qualifié"),
    Reason.TOO_MANY_PASSES: _("trop de pass pour le prix"),
    Reason.NO_PASSES: _("aucun code"),
    Reason.TOO_MANY_CODES: _("trop de codes"),
    Reason.INVALID_PRICE: _("prix invalide"),
    Reason.SERVICE_NOT_OFFERED: _("service absent de l'offre"),
    Reason.PRICE_NOT_OFFERED: _("prix différent de l'offre"),
}


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


@dataclass
class Anomaly:
    """One anomaly: its kind, its day, what it is about (`subject_id`: the place for velocity
    and a place's refusals, the booklet, the member's user id) and its figures."""

    kind: AnomalyKind
    day: datetime.date
    subject_id: int
    place_id: int | None = None
    organisation_ids: tuple[int, ...] = ()
    passes: int = 0  # passes redeemed (velocity, whole booklet)
    threshold: int = 0  # velocity: the largest usual count; refusals: the count that flags
    average: Decimal | None = None  # velocity: passes per active day over the 30 days before
    active_days: int = 0  # velocity: days with a pass redeemed among those 30
    refusals: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)  # (reason code, requests)
    # Shown with it (filled by `_attach`):
    place: Place | None = None
    organisations: list[Organisation] = field(default_factory=list)
    member: User | None = None
    booklet: Booklet | None = None

    @property
    def reasons_text(self) -> str:
        return ", ".join(f"{reason_label(code)} : {count}" for code, count in self.reasons)


def window(days: int, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the last `days` days, today included (local days)."""
    last = today or timezone.localdate()
    return last - datetime.timedelta(days=days - 1), last


def anomalies(
    *, acting: Acting, days: int = 7, today: datetime.date | None = None
) -> list[Anomaly]:
    """Every anomaly of the last `days` days, newest day first."""
    acting.require_kind(OrganisationKind.OPERATOR)
    first, last = window(days, today=today)
    return anomalies_between(first=first, last=last)


def anomaly_for(*, acting: Acting, kind: str, subject_id: int, day: datetime.date) -> Anomaly:
    """The anomaly of this kind, subject and day; NotFound if that day raised none."""
    acting.require_kind(OrganisationKind.OPERATOR)
    if kind not in AnomalyKind.values:
        raise NotFound()
    for found in anomalies_between(first=day, last=day, kinds=(AnomalyKind(kind),)):
        if found.subject_id == subject_id:
            return found
    raise NotFound()


def anomalies_between(
    *,
    first: datetime.date,
    last: datetime.date,
    kinds: Iterable[AnomalyKind] = tuple(AnomalyKind),
) -> list[Anomaly]:
    """The anomalies of the local days `first` to `last` (unscoped: callers check who asks)."""
    kinds = set(kinds)
    found: list[Anomaly] = []
    if AnomalyKind.VELOCITY in kinds:
        found += _velocity(first, last)
    if AnomalyKind.WHOLE_BOOKLET in kinds:
        found += _whole_booklets(first, last)
    if kinds & {AnomalyKind.PLACE_REFUSALS, AnomalyKind.MEMBER_REFUSALS}:
        found += _refusals(first, last, kinds)
    order = {kind: index for index, kind in enumerate(AnomalyKind)}
    found.sort(key=lambda a: (-a.day.toordinal(), order[a.kind], a.subject_id))
    _attach(found)
    return found


def scans_behind(anomaly: Anomaly) -> "QuerySet[Redemption] | QuerySet[RefusedScan]":
    """The scans that make the anomaly: its live redemptions (velocity, whole booklet) each with
    its lines and passes, or its refused requests; oldest first."""
    start, end = _bounds(anomaly.day, anomaly.day)
    if anomaly.kind in (AnomalyKind.PLACE_REFUSALS, AnomalyKind.MEMBER_REFUSALS):
        refused = RefusedScan.objects.filter(created_at__gte=start, created_at__lt=end)
        if anomaly.kind == AnomalyKind.PLACE_REFUSALS:
            refused = refused.filter(place_id=anomaly.subject_id)
        else:
            refused = refused.filter(member_id=anomaly.subject_id)
        return refused.select_related("place", "service", "member", "organisation").order_by(
            "created_at", "pk"
        )
    redemptions = Redemption.objects.filter(
        place_id=anomaly.place_id or 0,
        created_at__gte=start,
        created_at__lt=end,
        undone_at__isnull=True,
    )
    if anomaly.kind == AnomalyKind.WHOLE_BOOKLET:
        redemptions = redemptions.filter(
            pk__in=RedemptionLine.objects.filter(
                pass_item__booklet_id=anomaly.subject_id, undone=False
            ).values("redemption_id")
        )
    lines = RedemptionLine.objects.select_related("pass_item").order_by("pass_item__serial")
    return (
        redemptions.select_related("place", "service", "member")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("created_at", "pk")
    )


# --- The rules ------------------------------------------------------------------------------


def _bounds(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start of `first`, start of the day after `last`) as aware datetimes, local time."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def _local_day(expression: str) -> TruncDate:
    return TruncDate(expression, tzinfo=timezone.get_current_timezone())


def _live_lines(first: datetime.date, last: datetime.date) -> "QuerySet[RedemptionLine]":
    """The lines of passes redeemed on those days and not undone (callers annotate each with
    its local day, `_local_day("redemption__created_at")`)."""
    start, end = _bounds(first, last)
    return RedemptionLine.objects.filter(
        undone=False, redemption__created_at__gte=start, redemption__created_at__lt=end
    )


def _velocity(first: datetime.date, last: datetime.date) -> list[Anomaly]:
    minimum = settings.PASSNUM_ANOMALY_MIN_PASSES_PER_DAY
    factor = settings.PASSNUM_ANOMALY_VELOCITY_FACTOR
    # Only a day above the minimum can be above the threshold: those first…
    busy = list(
        _live_lines(first, last)
        .annotate(day=_local_day("redemption__created_at"))
        .values("redemption__place_id", "day")
        .annotate(passes=Count("pk"))
        .filter(passes__gt=minimum)
        .values_list("redemption__place_id", "day", "passes")
    )
    if not busy:
        return []
    # … then the daily counts of those places over the 30 days before.
    history: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for place_id, day, passes in (
        _live_lines(first - datetime.timedelta(days=LOOKBACK_DAYS), last)
        .filter(redemption__place_id__in={place_id for place_id, _day, _n in busy})
        .annotate(day=_local_day("redemption__created_at"))
        .values("redemption__place_id", "day")
        .annotate(passes=Count("pk"))
        .values_list("redemption__place_id", "day", "passes")
    ):
        history[place_id][day] = passes
    found = []
    for place_id, day, passes in busy:
        before = [
            count
            for other, count in history[place_id].items()
            if day - datetime.timedelta(days=LOOKBACK_DAYS) <= other < day
        ]
        total, active = sum(before), len(before)
        # passes > factor × total / active, in integers: no rounding decides
        if active and passes * active <= factor * total:
            continue
        average = (
            (Decimal(total) / active).quantize(Decimal("0.1"), ROUND_HALF_UP) if active else None
        )
        usual = (factor * total) // active if active else 0
        found.append(
            Anomaly(
                kind=AnomalyKind.VELOCITY,
                day=day,
                subject_id=place_id,
                place_id=place_id,
                passes=passes,
                threshold=max(minimum, usual),
                average=average,
                active_days=active,
            )
        )
    return found


def _whole_booklets(first: datetime.date, last: datetime.date) -> list[Anomaly]:
    size = F("pass_item__booklet__last_serial") - F("pass_item__booklet__first_serial") + 1
    rows = (
        _live_lines(first, last)
        .annotate(day=_local_day("redemption__created_at"))
        .values("pass_item__booklet_id", "redemption__place_id", "day")
        .annotate(passes=Count("pk"), size=Max(size))
        .filter(passes=F("size"))
        .values_list("pass_item__booklet_id", "redemption__place_id", "day", "passes")
    )
    return [
        Anomaly(
            kind=AnomalyKind.WHOLE_BOOKLET,
            day=day,
            subject_id=booklet_id,
            place_id=place_id,
            passes=passes,
            threshold=passes,
        )
        for booklet_id, place_id, day, passes in rows
    ]


def _refusals(first: datetime.date, last: datetime.date, kinds: set[AnomalyKind]) -> list[Anomaly]:
    limit = settings.PASSNUM_ANOMALY_REFUSALS_PER_DAY
    start, end = _bounds(first, last)
    refused = RefusedScan.objects.filter(created_at__gte=start, created_at__lt=end).annotate(
        day=_local_day("created_at")
    )
    flagged: dict[tuple[AnomalyKind, int, datetime.date], int] = {}
    if AnomalyKind.PLACE_REFUSALS in kinds:
        for place_id, day, count in (
            refused.values("place_id", "day")
            .annotate(refusals=Count("pk"))
            .filter(refusals__gte=limit)
            .values_list("place_id", "day", "refusals")
        ):
            flagged[(AnomalyKind.PLACE_REFUSALS, place_id, day)] = count
    if AnomalyKind.MEMBER_REFUSALS in kinds:
        for member_id, day, count in (
            refused.filter(member__isnull=False)
            .values("member_id", "day")
            .annotate(refusals=Count("pk"))
            .filter(refusals__gte=limit)
            .values_list("member_id", "day", "refusals")
        ):
            flagged[(AnomalyKind.MEMBER_REFUSALS, member_id, day)] = count
    if not flagged:
        return []
    # The reasons (and a member's organisations and places), from the flagged rows alone.
    places = {subject for kind, subject, _day in flagged if kind == AnomalyKind.PLACE_REFUSALS}
    members = {subject for kind, subject, _day in flagged if kind == AnomalyKind.MEMBER_REFUSALS}
    reasons: dict[tuple[AnomalyKind, int, datetime.date], Counter[str]] = defaultdict(Counter)
    organisations: dict[tuple[AnomalyKind, int, datetime.date], set[int]] = defaultdict(set)
    member_places: dict[tuple[AnomalyKind, int, datetime.date], set[int]] = defaultdict(set)
    for place_id, member_id, organisation_id, day, codes in refused.filter(
        Q(place_id__in=places) | Q(member_id__in=members)
    ).values_list("place_id", "member_id", "organisation_id", "day", "reasons"):
        for key in (
            (AnomalyKind.PLACE_REFUSALS, place_id, day),
            (AnomalyKind.MEMBER_REFUSALS, member_id, day),
        ):
            if key in flagged:
                reasons[key].update(codes or [])
                organisations[key].add(organisation_id)
                member_places[key].add(place_id)
    found = []
    for key, count in flagged.items():
        kind, subject_id, day = key
        only_place = member_places[key]
        found.append(
            Anomaly(
                kind=kind,
                day=day,
                subject_id=subject_id,
                place_id=subject_id
                if kind == AnomalyKind.PLACE_REFUSALS
                else (next(iter(only_place)) if len(only_place) == 1 else None),
                organisation_ids=tuple(sorted(organisations[key])),
                refusals=count,
                threshold=limit,
                reasons=sorted(reasons[key].items(), key=lambda item: (-item[1], item[0])),
            )
        )
    return found


def _attach(found: list[Anomaly]) -> None:
    """Each anomaly's place, organisations, member and booklet: one query per kind of object."""
    if not found:
        return
    places = Place.objects.select_related("organisation").in_bulk(
        {a.place_id for a in found if a.place_id is not None}
    )
    booklets = Booklet.objects.select_related("order").in_bulk(
        {a.subject_id for a in found if a.kind == AnomalyKind.WHOLE_BOOKLET}
    )
    members = User.objects.in_bulk(
        {a.subject_id for a in found if a.kind == AnomalyKind.MEMBER_REFUSALS}
    )
    wanted = {pk for a in found for pk in a.organisation_ids} - {
        place.organisation_id for place in places.values()
    }
    organisations = Organisation.objects.in_bulk(wanted) if wanted else {}
    for place in places.values():
        organisations[place.organisation_id] = place.organisation
    for anomaly in found:
        anomaly.place = places.get(anomaly.place_id) if anomaly.place_id else None
        ids = anomaly.organisation_ids or (
            (anomaly.place.organisation_id,) if anomaly.place else ()
        )
        anomaly.organisations = [organisations[pk] for pk in ids if pk in organisations]
        if anomaly.kind == AnomalyKind.WHOLE_BOOKLET:
            anomaly.booklet = booklets.get(anomaly.subject_id)
        if anomaly.kind == AnomalyKind.MEMBER_REFUSALS:
            anomaly.member = members.get(anomaly.subject_id)
