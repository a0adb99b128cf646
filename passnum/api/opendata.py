"""Open data (no token): each month's figures nationally, by région, by département and by funder,
small counts suppressed (docs/opendata.md). Licence Ouverte 2.0. The same figures as files:
`/donnees-ouvertes/` (passnum/www/opendata.py).

Every answer reads the published cells only (`dashboards.opendata`, rebuilt daily): an indexed
read of a few hundred rows at most.
"""

import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema

from passnum.api.schemas import Error
from passnum.api.types import PositiveInt64
from passnum.dashboards import opendata
from passnum.dashboards.enums import OpenDataLevel

router = Router(tags=["Données ouvertes"])
ERRORS = {400: Error, 404: Error}
MONTH_PATTERN = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"  # not \d: it takes "٢" too
Month = Annotated[str, Field(min_length=7, max_length=7, pattern=MONTH_PATTERN)]
AreaCode = Annotated[str, Field(min_length=2, max_length=3, pattern=r"^[0-9][0-9AB][0-9]?$")]


class Licence(Schema):
    name: str = Field(..., examples=["Licence Ouverte / Open Licence version 2.0"])
    url: str
    spdx: str = Field(..., examples=["etalab-2.0"])


class Metadata(Schema):
    licence: Licence
    producer: str
    threshold: int = Field(
        ...,
        description="Seuil du secret statistique : un nombre de pass remis, utilisés ou payés "
        "inférieur à ce seuil dans une cellule n'est pas publié.",
        examples=[11],
    )
    refreshed_at: datetime.datetime | None = Field(
        ..., description="Date du dernier calcul des données (quotidien)."
    )
    fields: dict[str, str] = Field(..., description="Le sens de chaque champ.")


class MonthRow(Schema):
    month: str = Field(..., examples=["2026-11"])
    committed_cents: int = Field(..., description="Engagé (centimes)")
    paid_out_cents: int | None = Field(..., description="Payé aux lieux (centimes), ou secret")
    refunded_cents: int = Field(..., description="Remboursé (centimes)")
    issued: int = Field(..., description="Pass émis")
    handed_out: int | None = Field(..., description="Pass remis, ou secret")
    used: int | None = Field(..., description="Pass utilisés, ou secret")
    secret: list[str] = Field(
        ..., description="Les champs non publiés (null) de cette ligne", examples=[["used"]]
    )


class Series(Metadata):
    level: str = Field(..., description="national, region, departement ou funder")
    code: str = Field(..., description="Code INSEE de la région ou du département, id du financeur")
    name: str
    rows: list[MonthRow]


class AreaRow(MonthRow):
    code: str
    name: str


class MonthOfAreas(Metadata):
    level: str
    month: str
    rows: list[AreaRow]


class Funder(Schema):
    id: int
    name: str
    siren: str


class Index(Metadata):
    funders: list[Funder]
    files: list[str] = Field(..., description="Les fichiers téléchargeables (CSV et JSON)")


def _series(level: OpenDataLevel, code: str, start: str | None, end: str | None) -> dict:
    return opendata.series(level=level, code=code, start=start, end=end)


@router.get(
    "/open-data",
    response={200: Index, 400: Error},
    auth=None,
    summary="Données ouvertes : description, licence, financeurs",
    description=(
        "Licence Ouverte 2.0. Les chiffres par mois, par territoire et par financeur ; les "
        "petits nombres sont masqués (secret statistique, voir `threshold`)."
    ),
)
def open_data_index(request: HttpRequest):
    return {
        **opendata.metadata(),
        "funders": opendata.funders(),
        "files": [
            "/donnees-ouvertes/national.csv",
            "/donnees-ouvertes/regions.csv",
            "/donnees-ouvertes/departements.csv",
            "/donnees-ouvertes/financeurs.csv",
            "/donnees-ouvertes/departement-33.json",
        ],
    }


@router.get(
    "/open-data/national",
    response={200: Series, **ERRORS},
    auth=None,
    summary="France entière, par mois",
)
def open_data_national(request: HttpRequest, start: Month | None = None, end: Month | None = None):
    return _series(OpenDataLevel.NATIONAL, "", start, end)


@router.get(
    "/open-data/regions",
    response={200: MonthOfAreas, **ERRORS},
    auth=None,
    summary="Toutes les régions, pour un mois",
)
def open_data_regions(request: HttpRequest, month: Month):
    return opendata.by_area(level=OpenDataLevel.REGION, month=month)


@router.get(
    "/open-data/regions/{code}",
    response={200: Series, **ERRORS},
    auth=None,
    summary="Une région, par mois",
)
def open_data_region(
    request: HttpRequest,
    code: AreaCode,
    start: Month | None = None,
    end: Month | None = None,
):
    return _series(OpenDataLevel.REGION, code, start, end)


@router.get(
    "/open-data/departements",
    response={200: MonthOfAreas, **ERRORS},
    auth=None,
    summary="Tous les départements, pour un mois",
)
def open_data_departements(request: HttpRequest, month: Month):
    return opendata.by_area(level=OpenDataLevel.DEPARTEMENT, month=month)


@router.get(
    "/open-data/departements/{code}",
    response={200: Series, **ERRORS},
    auth=None,
    summary="Un département, par mois",
)
def open_data_departement(
    request: HttpRequest,
    code: AreaCode,
    start: Month | None = None,
    end: Month | None = None,
):
    return _series(OpenDataLevel.DEPARTEMENT, code, start, end)


@router.get(
    "/open-data/funders",
    response={200: MonthOfAreas, **ERRORS},
    auth=None,
    summary="Tous les financeurs, pour un mois",
)
def open_data_funders(request: HttpRequest, month: Month):
    return opendata.by_area(level=OpenDataLevel.FUNDER, month=month)


@router.get(
    "/open-data/funders/{funder_id}",
    response={200: Series, **ERRORS},
    auth=None,
    summary="Un financeur, par mois (tous territoires)",
)
def open_data_funder(
    request: HttpRequest,
    funder_id: PositiveInt64,
    start: Month | None = None,
    end: Month | None = None,
):
    return _series(OpenDataLevel.FUNDER, str(funder_id), start, end)
