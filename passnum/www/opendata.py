"""Open-data files (issue #10, docs/opendata.md): `/donnees-ouvertes/` lists them; each is CSV or
JSON, per level (`national`, `regions`, `departements`, `financeurs`) or per territory or funder
(`departement-33`, `region-75`, `financeur-12`). Licence Ouverte 2.0, stated in the JSON and in a
`Link: <…>; rel="license"` header; small counts suppressed. No account needed."""

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from passnum.core.exceptions import NotFound
from passnum.dashboards import opendata
from passnum.dashboards.enums import OpenDataLevel
from passnum.dashboards.exports import CSV_TYPE, Echo

# File name → level of the files of every territory (or funder) of a level.
ALL_OF = {
    "national": OpenDataLevel.NATIONAL,
    "regions": OpenDataLevel.REGION,
    "departements": OpenDataLevel.DEPARTEMENT,
    "financeurs": OpenDataLevel.FUNDER,
}
# File name prefix → level of a single territory's (or funder's) file.
ONE_OF = {
    "region": OpenDataLevel.REGION,
    "departement": OpenDataLevel.DEPARTEMENT,
    "financeur": OpenDataLevel.FUNDER,
}
COLUMNS = ["level", "code", "name", "month", *opendata.PUBLISHED, "secret"]


def _licensed(response: HttpResponse | StreamingHttpResponse) -> Any:
    response["Link"] = f'<{opendata.LICENCE["url"]}>; rel="license"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _rows(level: str, code: str | None) -> Iterator[dict[str, Any]]:
    """The file's rows: every cell of `level`, or of one code."""
    if code is None:
        cells = list(opendata.all_cells(level))
        names = opendata.area_names(level, {cell.code for cell in cells})
    else:
        names = {code: opendata.area_name(level, code)}
        cells = list(opendata.OpenDataCell.objects.filter(level=level, code=code).order_by("month"))
    for cell in cells:
        yield {
            "level": level,
            "code": cell.code,
            "name": names.get(cell.code, ""),
            **opendata.row_out(cell),
        }


def _csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    for row in rows:
        values = {**row, "secret": " ".join(row["secret"])}
        yield writer.writerow(["" if values[name] is None else values[name] for name in COLUMNS])


@require_GET
def opendata_file(
    request: HttpRequest, name: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    if fmt not in ("csv", "json") or len(name) > 40:
        raise Http404
    if name in ALL_OF:
        level, code = ALL_OF[name], ("" if name == "national" else None)
    else:
        prefix, _dash, code = name.partition("-")
        if prefix not in ONE_OF or not code:
            raise Http404
        level = ONE_OF[prefix]
    try:
        rows = list(_rows(level, code))
    except NotFound as exc:
        raise Http404 from exc
    filename = f"passnum-{name}.{fmt}"
    if fmt == "csv":
        response: Any = StreamingHttpResponse(_csv(iter(rows)), content_type=CSV_TYPE)
    else:
        body = {**opendata.metadata(), "level": level, "rows": rows}
        response = HttpResponse(
            json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
            content_type="application/json",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _licensed(response)


@require_GET
def opendata_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "www/opendata/index.html",
        {
            "meta": opendata.metadata(),
            "licence": opendata.LICENCE,
            "files": [
                ("national", OpenDataLevel.NATIONAL.label),
                ("regions", OpenDataLevel.REGION.label),
                ("departements", OpenDataLevel.DEPARTEMENT.label),
                ("financeurs", OpenDataLevel.FUNDER.label),
            ],
            "funders": [
                {**funder, "file": f"financeur-{funder['id']}"} for funder in opendata.funders()
            ],
        },
    )
