"""Reads of the reference geography, for forms, usage-rule perimeters and the public search.

Public data: nothing here depends on who asks.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, F, IntegerField, Lookup, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import NotFound
from passnum.geography.models import Commune, CommunePostcode, Departement, Epci, Region
from passnum.geography.search import normalise

MAX_LIMIT = 50


class _AnyOf(Lookup):
    """`column = ANY(%s)` with the values as one array parameter (PostgreSQL): thousands of
    codes cost one parameter, not a placeholder each to parse and adapt."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


def in_values(queryset: QuerySet[Any], name: str, values: Iterable[str]) -> Iterator[QuerySet[Any]]:
    """`queryset` filtered on `name` being one of `values`, as one query on PostgreSQL and as
    batches under SQLite's limit on query parameters elsewhere."""
    values = sorted(set(values))
    if not values:
        return
    if connection.vendor == "postgresql":
        yield queryset.filter(_AnyOf(F(name), values))
        return
    size = min((connection.features.max_query_params or 1000) - 1, 20_000)
    for start in range(0, len(values), size):
        yield queryset.filter(**{f"{name}__in": values[start : start + size]})


def _communes() -> QuerySet[Commune]:
    """With what a form or the API shows of a commune: 2 queries for any number of them."""
    return Commune.objects.select_related("departement", "region", "epci").prefetch_related(
        "postcodes"
    )


def communes_for_postcode(postcode: str) -> list[Commune]:
    """Communes (and arrondissements municipaux) served by a postcode, biggest first."""
    codes = CommunePostcode.objects.filter(postcode=postcode.strip()).values("commune_id")
    return list(_communes().filter(code__in=codes).order_by("-population", "name"))


def commune(code: str) -> Commune:
    found = _communes().select_related("parent").filter(code=code.strip().upper()).first()
    if found is None:
        raise NotFound(_("Aucune commune n'a le code INSEE « %(code)s »."), code=code)
    return found


def search_communes(text: str, limit: int = 10) -> list[Commune]:
    """Communes for what a person types: digits are a postcode prefix, anything else a name.

    Names match whatever the case, accents, hyphens or "St"/"Ste": whole-name prefixes first,
    then a word starting with the text ("etienne" → Saint-Étienne), then anywhere; within each
    group the most populated commune first.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    text = text.strip()
    compact = text.replace(" ", "")
    if compact.isdigit():
        codes = CommunePostcode.objects.filter(postcode__startswith=compact).values("commune_id")
        communes = _communes().filter(code__in=codes).order_by("-population", "name")
        return list(communes[:limit])
    query = normalise(text)
    if not query:
        return []
    communes = (
        _communes()
        .filter(search_name__contains=query)
        .annotate(
            rank=Case(
                When(search_name__startswith=query, then=Value(0)),
                When(search_name__contains=f" {query}", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "-population", "name")
    )
    return list(communes[:limit])


def departements(region: str | None = None) -> list[Departement]:
    found = Departement.objects.select_related("region").order_by("code")
    if region:
        found = found.filter(region_id=region)
    return list(found)


def departement(code: str) -> Departement:
    found = Departement.objects.select_related("region").filter(code=code.strip().upper()).first()
    if found is None:
        raise NotFound(_("Aucun département n'a le code « %(code)s »."), code=code)
    return found


def regions() -> list[Region]:
    return list(Region.objects.order_by("code"))


def region(code: str) -> Region:
    found = Region.objects.filter(code=code.strip()).first()
    if found is None:
        raise NotFound(_("Aucune région n'a le code « %(code)s »."), code=code)
    return found


@dataclass(frozen=True)
class CommuneFacts:
    """What checking a place needs of a commune: its attachments, postcodes and centre."""

    code: str
    name: str
    departement: str
    region: str
    epci: str
    parent: str  # the commune of an arrondissement municipal, "" otherwise
    postcodes: frozenset[str]
    latitude: Decimal | None
    longitude: Decimal | None


def commune_facts(codes: Iterable[str]) -> dict[str, CommuneFacts]:
    """The communes among `codes`, and the communes of those that are arrondissements: two
    queries (any number of codes; unknown ones are left out)."""
    wanted = {code.strip().upper() for code in codes if code}
    found: dict[str, CommuneFacts] = {}
    columns = ("code", "name", "departement_id", "region_id", "epci_id", "parent_id")
    while wanted:
        rows = [
            row
            for queryset in in_values(Commune.objects.all(), "code", wanted)
            for row in queryset.values_list(*columns, "latitude", "longitude")
        ]
        postcodes: dict[str, set[str]] = {}
        for queryset in in_values(
            CommunePostcode.objects.all(), "commune_id", [r[0] for r in rows]
        ):
            for code, postcode in queryset.values_list("commune_id", "postcode"):
                postcodes.setdefault(code, set()).add(postcode)
        for code, name, departement, region, epci, parent, latitude, longitude in rows:
            found[code] = CommuneFacts(
                code=code,
                name=name,
                departement=departement,
                region=region,
                epci=epci or "",
                parent=parent or "",
                postcodes=frozenset(postcodes.get(code, ())),
                latitude=latitude,
                longitude=longitude,
            )
        wanted = {row[5] for row in rows if row[5] and row[5] not in found}
    return found


def postcode_communes(postcodes: Iterable[str]) -> dict[str, list[str]]:
    """Commune codes (arrondissements included) served by each of `postcodes` that the
    geography knows; a postcode it does not know is absent."""
    wanted = {postcode.strip() for postcode in postcodes if postcode}
    found: dict[str, list[str]] = {}
    for queryset in in_values(CommunePostcode.objects.all(), "postcode", wanted):
        for postcode, code in queryset.order_by("postcode", "commune_id").values_list(
            "postcode", "commune_id"
        ):
            found.setdefault(postcode, []).append(code)
    return found


AREA_KINDS = ("region", "departement", "epci", "commune")


def search_areas(text: str, *, limit: int = 10) -> list[dict[str, str]]:
    """Régions, départements, EPCI and communes for what a person types (a name, whatever its
    case and accents, or a code): usage-rule perimeters. Each as `{"kind", "code", "name"}`,
    the larger areas first, at most `limit` of each kind."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = normalise(text)
    code = text.strip().upper()
    if not query:
        return []

    def matches(name: str, area_code: str) -> bool:
        return area_code == code or query in normalise(name)

    found: list[dict[str, str]] = []
    for kind, rows in (
        ("region", Region.objects.order_by("name").values_list("code", "name")),
        ("departement", Departement.objects.order_by("code").values_list("code", "name")),
    ):
        kept = [(c, n) for c, n in rows if matches(n, c)][:limit]
        found += [{"kind": kind, "code": c, "name": n} for c, n in kept]
    epcis = Epci.objects.order_by("name").values_list("siren", "name")
    if code.isdigit():
        epcis = epcis.filter(siren__startswith=code)
        kept = list(epcis[:limit])
    else:
        kept = [(c, n) for c, n in epcis if query in normalise(n)][:limit]
    found += [{"kind": "epci", "code": c, "name": n} for c, n in kept]
    communes = search_communes(text, limit=limit)
    if not communes and len(code) == 5:
        communes = list(_communes().filter(code=code))
    found += [
        {"kind": "commune", "code": c.code, "name": f"{c.name} ({c.departement_id})"}
        for c in communes
    ]
    return found
