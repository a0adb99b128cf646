"""Reads of the reference geography, for forms, usage-rule perimeters and the public search.

Public data: nothing here depends on who asks.
"""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import NotFound
from passnum.geography.models import Commune, CommunePostcode, Departement, Region
from passnum.geography.search import normalise

MAX_LIMIT = 50


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
