"""Public search of qualified places: by postcode, département or commune name, around a point,
by service or family, public and specific support. Reads only; no one's identity matters.

`search_places(filters)` returns one page (20 places) with the total count, in three queries
(count or candidate ids, the page, its offers); `places_geojson(filters)` the same matches as a
GeoJSON FeatureCollection for the map.

Commune names are compared accent- and case-insensitively on PostgreSQL and SQLite alike: each
place stores `commune_key`, its commune name normalised in Python (`normalise_name`) when saved,
and the person's text is normalised the same way; a partial index serves the equality.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
)
from django.urls import reverse

from passnum.places.enums import QualificationStatus
from passnum.places.models import Place, ServiceOffer

PAGE_SIZE = 20
MAP_LIMIT = 1000
RADIUS_CHOICES_KM = (5, 10, 20, 50)
DEFAULT_RADIUS_KM = 10
MAX_RADIUS_KM = 100
EARTH_RADIUS_KM = 6371.0088

POSTCODE_RE = re.compile(r"^\d{5}$")
# 01…95, 2A/2B (Corse), 971…976 (outre-mer)
DEPARTEMENT_RE = re.compile(r"^(\d{2}|2[ab]|97[1-6])$", re.IGNORECASE)

_LIGATURES = (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"))


def normalise_name(text: str) -> str:
    """'  Saint-Étienne ' → 'saint etienne' (stored as Place.commune_key)."""
    for ligature, letters in _LIGATURES:
        text = text.replace(ligature, letters)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    bare = bare.translate(str.maketrans("-'’", "   "))
    return " ".join(bare.split())


class _OnColumn(Expression):
    """An expression over one column of the queried model (boilerplate shared below)."""

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column: Any = F(column)

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        clone = self.copy()
        clone.column = self.column.resolve_expression(*args, **kwargs)
        return clone


class JSONListHas(_OnColumn):
    """True when the JSON list in `column` holds `value` (one of the standard's strings).

    PostgreSQL: `column @> '["value"]'` (jsonb containment, GIN-indexable); elsewhere (SQLite,
    where Django's `contains` on JSONField is not supported): `json_each`.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, value: str) -> None:
        super().__init__(column)
        self.value = value

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.column)
        return (
            f"EXISTS (SELECT 1 FROM json_each({sql}) AS elements WHERE elements.value = %s)",  # noqa: S608 (sql: a column)
            [*params, self.value],
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.column)
        return f"({sql} @> %s::jsonb)", [*params, json.dumps([self.value])]


@dataclass(frozen=True, kw_only=True)
class PlaceFilters:
    """What a person searches for; every criterion is optional and they combine (AND)."""

    q: str = ""  # a postcode (5 digits), a département (2 digits, 2A, 2B, 971…) or a commune
    near: tuple[float, float] | None = None  # (latitude, longitude) in degrees
    radius_km: float = DEFAULT_RADIUS_KM
    family: str = ""  # ServiceFamily.code
    service: str = ""  # Service.code
    public: str = ""  # a Public value (the standard's string)
    specific_support: str = ""  # a SpecificSupport value
    page: int = 1

    @property
    def is_empty(self) -> bool:
        return not (
            self.q.strip()
            or self.near
            or self.family
            or self.service
            or self.public
            or self.specific_support
        )


@dataclass
class SearchPage:
    """One page of results: `places` carry `distance_km` (a float, or None without `near`)."""

    places: list[Place]
    count: int
    page: int
    page_size: int = PAGE_SIZE
    filters: PlaceFilters = field(default_factory=PlaceFilters)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.page * self.page_size, self.count)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)


def qualified_places() -> QuerySet[Place]:
    """Every public place: only qualified ones are ever shown."""
    return Place.objects.filter(qualification_status=QualificationStatus.QUALIFIED)


def filter_by_text(places: QuerySet[Place], q: str) -> QuerySet[Place]:
    """Postcode (5 digits: exact), département (2 digits, 2A/2B, 971…) or commune name."""
    text = q.strip()
    if not text:
        return places
    compact = text.replace(" ", "")
    if POSTCODE_RE.match(compact):
        return places.filter(postcode=compact)
    if DEPARTEMENT_RE.match(compact):
        return places.filter(departement=compact.upper())
    return places.filter(commune_key=normalise_name(text))


def filtered_places(filters: PlaceFilters) -> QuerySet[Place]:
    """Qualified places matching every criterion but the exact radius (a bounding box only)."""
    places = filter_by_text(qualified_places(), filters.q)
    if filters.family:
        places = places.filter(
            Exists(
                ServiceOffer.objects.filter(
                    place=OuterRef("pk"), service__family__code=filters.family
                )
            )
        )
    if filters.service:
        places = places.filter(
            Exists(ServiceOffer.objects.filter(place=OuterRef("pk"), service__code=filters.service))
        )
    if filters.public:
        places = places.filter(JSONListHas("publics", filters.public))
    if filters.specific_support:
        places = places.filter(JSONListHas("specific_support", filters.specific_support))
    if filters.near is not None:
        south, north, west, east = bounding_box(filters.near, radius_km(filters))
        places = places.filter(
            latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
        )
    return places


def radius_km(filters: PlaceFilters) -> float:
    return min(max(float(filters.radius_km), 0.1), MAX_RADIUS_KM)


def bounding_box(point: tuple[float, float], radius: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) in degrees, enclosing the circle of `radius` km (1 % margin)."""
    latitude, longitude = point
    margin = radius * 1.01
    delta_lat = math.degrees(margin / EARTH_RADIUS_KM)
    cos_lat = max(math.cos(math.radians(latitude)), 0.01)
    delta_lon = math.degrees(margin / (EARTH_RADIUS_KM * cos_lat))
    return (
        round(latitude - delta_lat, 6),
        round(latitude + delta_lat, 6),
        round(longitude - delta_lon, 6),
        round(longitude + delta_lon, 6),
    )


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _within_radius(
    rows: list[tuple[Any, ...]], filters: PlaceFilters
) -> list[tuple[float, tuple[Any, ...]]]:
    """Rows whose last two items are (latitude, longitude), kept within the radius, nearest first
    (ties: the rest of the row, which starts with name then a unique key)."""
    assert filters.near is not None
    radius = radius_km(filters)
    kept = []
    for row in rows:
        distance = haversine_km(filters.near, (float(row[-2]), float(row[-1])))
        if distance <= radius:
            kept.append((distance, row))
    kept.sort(key=lambda item: (item[0], item[1][:-2]))
    return kept


def _offers() -> Prefetch:
    return Prefetch(
        "offers",
        queryset=ServiceOffer.objects.select_related("service__family").order_by(
            "service__family__name", "service__code"
        ),
    )


def _clamp_page(page: int, count: int) -> int:
    last = max(1, math.ceil(count / PAGE_SIZE))
    return min(max(int(page), 1), last)


def public_place(*, standard_id: uuid.UUID) -> Place | None:
    """A qualified place with its offers (services and families), or None: two queries."""
    return qualified_places().filter(standard_id=standard_id).prefetch_related(_offers()).first()


def search_places(filters: PlaceFilters) -> SearchPage:
    """One page of qualified places matching `filters`: by name (then id), or nearest first.

    Three queries: the count (or, around a point, the candidates' coordinates), the page's
    places, their offers with services and families.
    """
    places = filtered_places(filters)
    if filters.near is None:
        count = places.count()
        page = _clamp_page(filters.page, count)
        start = (page - 1) * PAGE_SIZE
        found = (
            list(
                places.order_by("name", "pk").prefetch_related(_offers())[start : start + PAGE_SIZE]
            )
            if count
            else []
        )
        for place in found:
            place.distance_km = None  # type: ignore[attr-defined]
        return SearchPage(places=found, count=count, page=page, filters=filters)

    rows = list(
        places.exclude(latitude=None)
        .exclude(longitude=None)
        .values_list("name", "pk", "latitude", "longitude")
    )
    kept = _within_radius(rows, filters)
    page = _clamp_page(filters.page, len(kept))
    start = (page - 1) * PAGE_SIZE
    window = kept[start : start + PAGE_SIZE]
    distances = {row[1]: distance for distance, row in window}
    by_pk = Place.objects.prefetch_related(_offers()).in_bulk(list(distances)) if window else {}
    found = []
    for pk, distance in distances.items():
        place = by_pk[pk]
        place.distance_km = distance  # type: ignore[attr-defined]
        found.append(place)
    return SearchPage(places=found, count=len(kept), page=page, filters=filters)


def places_geojson(filters: PlaceFilters, *, limit: int = MAP_LIMIT) -> dict[str, Any]:
    """The matches with coordinates as a GeoJSON FeatureCollection (in the list's order, at most
    `limit`): each feature has the place's public id, name, commune, page URL and whether its
    position is only its commune's centre (`approximate`). Foreign members
    `count` (matches with coordinates) and `truncated` tell the map when it shows only part.
    """
    places = filtered_places(filters).exclude(latitude=None).exclude(longitude=None)
    columns = (
        "name",
        "standard_id",
        "commune_name",
        "location_approximate",
        "latitude",
        "longitude",
    )
    if filters.near is None:
        rows = list(places.order_by("name", "pk").values_list(*columns)[: limit + 1])
        count = len(rows) if len(rows) <= limit else places.count()
    else:
        rows = [
            row for _distance, row in _within_radius(list(places.values_list(*columns)), filters)
        ]
        count = len(rows)
    # reverse() once, not once per feature (a thousand reverse() calls cost ~20 ms)
    placeholder = str(uuid.UUID(int=0))
    url_template = reverse("public_place", args=[placeholder])
    features = [
        {
            "type": "Feature",
            "id": str(standard_id),
            "geometry": {
                "type": "Point",
                "coordinates": [round(float(longitude), 6), round(float(latitude), 6)],
            },
            "properties": {
                "id": str(standard_id),
                "name": name,
                "commune": commune_name,
                "url": url_template.replace(placeholder, str(standard_id)),
                # at its commune's centre: no position was given
                "approximate": approximate,
            },
        }
        for name, standard_id, commune_name, approximate, latitude, longitude in rows[:limit]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "count": count,
        "truncated": count > len(features),
    }
