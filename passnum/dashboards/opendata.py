"""Open data (issue #10): each month's figures nationally, by région, by département and by
funder, with small counts suppressed so no person or small place can be re-identified.

The rule (docs/opendata.md, "Secret statistique"):

1. Primary: a count of passes handed out, used or paid out to places between 1 and
   PASSNUM_OPENDATA_MIN_COUNT - 1 (10 by default) in a cell is not published (null, and the
   field named in the cell's `secret` list); the money paid out follows the count of passes paid.
   Zero is published. Money committed and refunded and passes issued are decisions of public
   funders, published as they are.
2. Complementary: the published cells add up — national = Σ régions (+ what has no
   département), région = Σ its départements (+ what spans several), national = Σ funders — so
   a relation in which exactly one member is secret would give it away by subtraction. While
   such a relation exists, the smallest non-zero member not yet secret becomes secret too
   (a child first; the total when no child is left), until every relation has none or at least
   two secret members. Months are independent: no total over months is published.

Computed once per rebuild of the rollup (`territory.refresh_territory_rollup`) over the whole
table, so every answer of the API and every file agree; the API only reads `OpenDataCell`.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.core.exceptions import NotFound
from passnum.core.text import ascii_int
from passnum.dashboards.enums import OpenDataLevel
from passnum.dashboards.models import OpenDataCell, RollupState
from passnum.geography.models import Departement, Region

if TYPE_CHECKING:
    from passnum.dashboards.models import TerritoryMonth

LICENCE = {
    "name": "Licence Ouverte / Open Licence version 2.0",
    "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "spdx": "etalab-2.0",
}
PUBLISHED = [
    "committed_cents",
    "paid_out_cents",
    "refunded_cents",
    "issued",
    "handed_out",
    "used",
]
# A published figure → the count of passes that decides whether it is secret.
PROTECTED = {"handed_out": "handed_out", "used": "used", "paid_out_cents": "paid_out"}
FIELD_DESCRIPTIONS = {
    "month": _("Mois (AAAA-MM), heure de Paris."),
    "committed_cents": _(
        "Engagé : valeur faciale des commandes payées dans le mois (centimes d'euro)."
    ),
    "paid_out_cents": _(
        "Payé aux lieux : valeur faciale des pass dont l'utilisation a été virée au lieu "
        "dans le mois (centimes d'euro)."
    ),
    "refunded_cents": _(
        "Remboursé : valeur faciale des avoirs émis dans le mois pour des pass expirés "
        "(centimes d'euro)."
    ),
    "issued": _("Pass émis dans le mois."),
    "handed_out": _("Pass remis aux bénéficiaires dans le mois."),
    "used": _("Pass utilisés dans le mois (hors utilisations annulées)."),
    "secret": _("Champs non publiés (null) au titre du secret statistique."),
}

Cell = tuple[str, str]  # (level, code); the levels below "rest-" are never published
NATIONAL: Cell = (OpenDataLevel.NATIONAL.value, "")
REST_REGION = "rest-region"  # what has no région: a member of the national relation
REST_DEPARTEMENT = "rest-departement"  # in a région, what spans several of its départements


def threshold() -> int:
    return int(settings.PASSNUM_OPENDATA_MIN_COUNT)


# --- The rule ------------------------------------------------------------------------------------


def suppress(
    values: dict[Cell, int], relations: Sequence[tuple[Cell, Sequence[Cell]]], *, minimum: int
) -> set[Cell]:
    """The secret cells: those with 0 < value < `minimum`, and as many more as needed so that no
    relation (total, members: total = Σ members) has exactly one secret cell."""
    secret = {cell for cell, value in values.items() if 0 < value < minimum}
    changed = True
    while changed:
        changed = False
        for total, members in relations:
            unknown = [cell for cell in (total, *members) if cell in secret]
            if len(unknown) != 1:
                continue
            candidates = [m for m in members if m not in secret and values.get(m, 0) > 0]
            if not candidates and total not in secret and values.get(total, 0) > 0:
                candidates = [total]
            if not candidates:  # cannot happen while total = Σ members
                continue
            secret.add(min(candidates, key=lambda cell: (values.get(cell, 0), cell)))
            changed = True
    return secret


def _cells_of(row: "TerritoryMonth") -> list[Cell]:
    """The cells a rollup row counts in (its territory at each level, and its funder)."""
    cells = [NATIONAL, (OpenDataLevel.FUNDER.value, str(row.sponsor_id))]
    if not row.region:
        cells.append((REST_REGION, ""))
        return cells
    cells.append((OpenDataLevel.REGION.value, row.region))
    if row.departement:
        cells.append((OpenDataLevel.DEPARTEMENT.value, row.departement))
    else:
        cells.append((REST_DEPARTEMENT, row.region))
    return cells


def _relations(cells: Iterable[Cell], region_of: dict[str, str]) -> list[tuple[Cell, list[Cell]]]:
    regions: list[Cell] = []
    funders: list[Cell] = []
    in_region: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        level, code = cell
        if level in (OpenDataLevel.REGION, REST_REGION):
            regions.append(cell)
        elif level == OpenDataLevel.FUNDER:
            funders.append(cell)
        elif level == OpenDataLevel.DEPARTEMENT:
            in_region[region_of.get(code, "")].append(cell)
        elif level == REST_DEPARTEMENT:
            in_region[code].append(cell)
    relations = [(NATIONAL, sorted(regions)), (NATIONAL, sorted(funders))]
    for region, members in sorted(in_region.items()):
        relations.append(((OpenDataLevel.REGION.value, region), sorted(members)))
    return relations


def published_cells(rows: Iterable["TerritoryMonth"]) -> list[OpenDataCell]:
    """The open data of the rollup `rows`: one cell per level, code and month with any figure,
    protected figures suppressed by the rule above."""
    sums: dict[datetime.date, dict[Cell, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    needed = {*PUBLISHED, *PROTECTED.values()}
    for row in rows:
        of_month = sums[row.month]
        for cell in _cells_of(row):
            for name in needed:
                of_month[cell][name] += getattr(row, name)
    minimum = threshold()
    region_of = dict(Departement.objects.values_list("code", "region_id"))
    found = []
    for month, by_cell in sorted(sums.items()):
        relations = _relations(by_cell, region_of)
        secret = {
            count: suppress(
                {cell: figures[count] for cell, figures in by_cell.items()},
                relations,
                minimum=minimum,
            )
            for count in set(PROTECTED.values())
        }
        for cell, figures in sorted(by_cell.items()):
            level, code = cell
            if level not in OpenDataLevel.values or not any(figures.values()):
                continue
            values: dict[str, int | None] = {name: figures[name] for name in PUBLISHED}
            for name, count in PROTECTED.items():
                if cell in secret[count]:
                    values[name] = None
            found.append(OpenDataCell(level=level, code=code, month=month, **values))
    return found


# --- Reading (the API and the files) -------------------------------------------------------------


def _month(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(f"{value}-01") if value else None


def area_name(level: str, code: str) -> str:
    """The name of a published territory or funder; NotFound when there is none."""
    if level == OpenDataLevel.NATIONAL:
        return str(_("France entière"))
    if level == OpenDataLevel.REGION:
        name = Region.objects.filter(code=code).values_list("name", flat=True).first()
    elif level == OpenDataLevel.DEPARTEMENT:
        name = Departement.objects.filter(code=code).values_list("name", flat=True).first()
    elif level == OpenDataLevel.FUNDER and (funder := ascii_int(code)) is not None:
        name = (
            Organisation.objects.filter(pk=funder, kind=OrganisationKind.SPONSOR)
            .values_list("name", flat=True)
            .first()
        )
    else:
        name = None
    if name is None:
        raise NotFound()
    return str(name)


def row_out(cell: OpenDataCell) -> dict[str, Any]:
    values = {name: getattr(cell, name) for name in PUBLISHED}
    return {
        "month": f"{cell.month:%Y-%m}",
        **values,
        "secret": [name for name in PUBLISHED if values[name] is None],
    }


def metadata() -> dict[str, Any]:
    state = RollupState.objects.first()
    return {
        "licence": LICENCE,
        "producer": str(settings.PASSNUM_OPENDATA_PRODUCER),
        "threshold": threshold(),
        "refreshed_at": state.refreshed_at if state else None,
        "fields": {name: str(text) for name, text in FIELD_DESCRIPTIONS.items()},
    }


def series(
    *, level: str, code: str, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """One territory's (or funder's, or the nation's) published months, oldest first: the
    metadata, the name, and the rows. Two or three indexed queries."""
    name = area_name(level, code)
    cells = OpenDataCell.objects.filter(level=level, code=code)
    first, last = _month(start), _month(end)
    if first:
        cells = cells.filter(month__gte=first)
    if last:
        cells = cells.filter(month__lte=last)
    return {
        **metadata(),
        "level": level,
        "code": code,
        "name": name,
        "rows": [row_out(cell) for cell in cells.order_by("month")],
    }


def by_area(*, level: str, month: str) -> dict[str, Any]:
    """Every published territory (or funder) of `level` in one month, by code."""
    cells = list(
        OpenDataCell.objects.filter(
            level=level, month=datetime.date.fromisoformat(f"{month}-01")
        ).order_by("code")
    )
    names = area_names(level, [cell.code for cell in cells])
    return {
        **metadata(),
        "level": level,
        "month": month,
        "rows": [
            {"code": cell.code, "name": names.get(cell.code, ""), **row_out(cell)} for cell in cells
        ],
    }


def area_names(level: str, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    if level == OpenDataLevel.REGION:
        return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    if level == OpenDataLevel.DEPARTEMENT:
        return dict(Departement.objects.filter(code__in=codes).values_list("code", "name"))
    if level == OpenDataLevel.FUNDER:
        ids = [pk for pk in map(ascii_int, codes) if pk is not None]
        return {
            str(pk): name
            for pk, name in Organisation.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    return dict.fromkeys(codes, str(_("France entière")))


def funders() -> list[dict[str, Any]]:
    """The funders with published figures (their names are public): id, name, SIREN."""
    ids = (
        OpenDataCell.objects.filter(level=OpenDataLevel.FUNDER)
        .values_list("code", flat=True)
        .distinct()
    )
    wanted = [pk for pk in map(ascii_int, ids) if pk is not None]
    return [
        {"id": pk, "name": name, "siren": siren}
        for pk, name, siren in Organisation.objects.filter(pk__in=wanted)
        .order_by("name", "pk")
        .values_list("pk", "name", "siren")
    ]


def all_cells(level: str) -> Iterable[OpenDataCell]:
    """Every published cell of a level (the downloadable file of all départements, …)."""
    return OpenDataCell.objects.filter(level=level).order_by("code", "month").iterator(2000)
