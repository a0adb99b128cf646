"""Public geography endpoints (no token): communes, départements and régions of the INSEE COG.

For forms (postcode → commune, commune autocomplete), usage-rule perimeters and the public search.
Mount with `api.add_router("", geography.router)`.
"""

from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from passnum.api.schemas import Error
from passnum.api.types import Text
from passnum.core.exceptions import InvalidInput
from passnum.geography import selectors
from passnum.geography.models import Commune, Departement

router = Router(tags=["Géographie"])
ERRORS = {400: Error, 404: Error}


class AreaOut(Schema):
    code: str
    name: str


class EpciOut(Schema):
    siren: str = Field(..., examples=["243300316"])
    name: str
    kind: str = Field(..., description="CC, CA, CU, METRO ou MET69")


class CommuneOut(Schema):
    code: str = Field(..., description="Code INSEE", examples=["33063"])
    name: str = Field(..., examples=["Bordeaux"])
    postcodes: list[str] = Field(..., examples=[["33000", "33100"]])
    population: int | None = None
    departement: AreaOut
    region: AreaOut
    epci: EpciOut | None = None
    parent: str | None = Field(
        None, description="Pour un arrondissement municipal : code INSEE de sa commune"
    )


class DepartementOut(Schema):
    code: str = Field(..., examples=["2A"])
    name: str
    region: AreaOut


def commune_out(commune: Commune) -> dict:
    return {
        "code": commune.code,
        "name": commune.name,
        "postcodes": sorted(p.postcode for p in commune.postcodes.all()),
        "population": commune.population,
        "departement": {"code": commune.departement.code, "name": commune.departement.name},
        "region": {"code": commune.region.code, "name": commune.region.name},
        "epci": (
            {"siren": commune.epci.siren, "name": commune.epci.name, "kind": commune.epci.kind}
            if commune.epci
            else None
        ),
        "parent": commune.parent_id,
    }


def departement_out(departement: Departement) -> dict:
    region = departement.region
    return {
        "code": departement.code,
        "name": departement.name,
        "region": {"code": region.code, "name": region.name},
    }


@router.get(
    "/geography/communes",
    response={200: list[CommuneOut], **ERRORS},
    auth=None,
    summary="Chercher une commune",
    description=(
        "Par code postal exact (`postcode`), ou par texte (`q`) : des chiffres cherchent les codes "
        "postaux qui commencent ainsi, sinon le nom, sans tenir compte des majuscules, accents et "
        "tirets. Les plus peuplées d'abord."
    ),
)
def geography_communes(
    request: HttpRequest,
    q: Annotated[Text, Field(min_length=1, max_length=100)] | None = None,
    postcode: Annotated[str, Field(max_length=5, pattern=r"^[0-9]{5}$")] | None = None,
    limit: int = Query(10, ge=1, le=selectors.MAX_LIMIT),
):
    if (q is None) == (postcode is None):
        raise InvalidInput(_("Indiquez soit un texte à chercher (q), soit un code postal."))
    if postcode is not None:
        communes = selectors.communes_for_postcode(postcode)
    else:
        communes = selectors.search_communes(q or "", limit=limit)
    return [commune_out(commune) for commune in communes]


@router.get(
    "/geography/communes/{code}",
    response={200: CommuneOut, **ERRORS},
    auth=None,
    summary="Une commune, par code INSEE",
)
def geography_commune(request: HttpRequest, code: Annotated[Text, Field(max_length=10)]):
    return commune_out(selectors.commune(code))


@router.get(
    "/geography/departements",
    response={200: list[DepartementOut], **ERRORS},
    auth=None,
    summary="Départements",
)
def geography_departements(
    request: HttpRequest, region: Annotated[Text, Field(max_length=10)] | None = None
):
    if region is not None:
        region = selectors.region(region).code
    return [departement_out(d) for d in selectors.departements(region=region)]


@router.get(
    "/geography/regions", response={200: list[AreaOut], 400: Error}, auth=None, summary="Régions"
)
def geography_regions(request: HttpRequest):
    return [{"code": r.code, "name": r.name} for r in selectors.regions()]
