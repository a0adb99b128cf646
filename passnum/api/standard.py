import csv
import io
from typing import Annotated

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from passnum.accounts.enums import OrganisationKind
from passnum.api.auth import TokenAuth, acting_of
from passnum.api.schemas import Error
from passnum.api.types import Text
from passnum.places.standard import (
    export_rows,
    field_names,
    import_places,
    public_places,
)

router = Router(tags=["Standard national des lieux"])


class _Echo:
    def write(self, value: str) -> str:
        return value


@router.get(
    "/standard/places.csv",
    auth=None,
    response={400: Error},
    summary="Lieux qualifiés (standard national CSV)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "CSV",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def places_csv(request: HttpRequest):
    """Every qualified place in the national standard for digital-mediation places v1.0.x
    (CSV, UTF-8, `|` between multiple values). Open data: no token needed."""

    def rows():
        writer = csv.DictWriter(_Echo(), fieldnames=field_names(), lineterminator="\n")
        yield writer.writeheader()
        for row in export_rows(public_places()):
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lieux-de-mediation-numerique.csv"'
    return response


class ImportLine(Schema):
    line: int
    id: str
    outcome: str
    reasons: list[str]


class ImportOut(Schema):
    created: int
    updated: int
    rejected: int
    lines: list[ImportLine]


@router.post(
    "/standard/import",
    # Only operator staff get past authentication: the others' uploads are never parsed.
    auth=TokenAuth(kinds=(OrganisationKind.OPERATOR,)),
    response={200: ImportOut, 400: Error, 401: Error, 403: Error, 413: Error},
    summary="Importer des lieux (opérateur)",
)
def import_csv(
    request: HttpRequest,
    source: Form[Annotated[Text, Field(min_length=1, max_length=100)]],
    file: File[UploadedFile],
):
    """Line by line: each rejected line says why and writes nothing; the others are kept.
    Imported places are drafts until their structure is qualified. A file of
    `PASSNUM_MAX_UPLOAD_BYTES` at most (20 Mo by default; 413 beyond)."""
    acting = acting_of(request)
    acting.require_kind(OrganisationKind.OPERATOR)
    # decoded by the service, which says why a file cannot be read (code `import_not_utf8`…)
    stream = io.TextIOWrapper(io.BytesIO(file.read()), encoding="utf-8-sig")
    report = import_places(acting=acting, stream=stream, source=source)
    return {
        "created": report.count("created"),
        "updated": report.count("updated"),
        "rejected": report.count("rejected"),
        "lines": [
            {"line": r.line, "id": r.identifier, "outcome": r.outcome, "reasons": r.reasons}
            for r in report.lines
        ],
    }
