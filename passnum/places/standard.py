"""Import and export in the national standard for digital-mediation places (v1.0.x).

CSV, UTF-8, comma separated, `|` between the values of a multi-valued field. The field list and
the patterns come from the standard's own schema, shipped in data/.
"""

import csv
import datetime
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.places.enums import PlaceType, QualificationStatus
from passnum.places.models import Place

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "standard-mediation-num-schema.json"
SOURCE = "passnum"
SEPARATOR = "|"
# Our place types → the data·inclusion v0 "typologies de structure" the standard refers to.
TYPOLOGY = {
    PlaceType.EPN: "EPN",
    PlaceType.FABLAB: "FABLAB",
    PlaceType.THIRD_PLACE: "TIERS_LIEUX",
    PlaceType.LIBRARY: "BIB",
    PlaceType.FRANCE_SERVICES: "MSAP",
    PlaceType.ASSOCIATION: "ASSO",
    PlaceType.SOCIAL_CENTRE: "CS",
    PlaceType.MOBILE: "Autre",
    PlaceType.OTHER: "Autre",
}
PLACE_TYPE_OF = {code: kind for kind, code in TYPOLOGY.items() if code != "Autre"}
# The standard (v1.0) has no "accepts the pass" value any more: the closest is "free under
# condition" (the person pays nothing with a pass). A lossy mapping, documented in docs/.
FEES_WITH_PASS = "Gratuit sous condition"  # noqa: S105 (a fee category)


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def field_names() -> list[str]:
    return [item["name"] for item in schema()["fields"]]


# ---------------------------------------------------------------- export


def export_rows(places: QuerySet[Place]) -> Iterator[dict[str, str]]:
    places = places.select_related("organisation", "organisation__qualification_file")
    places = places.prefetch_related("offers__service__family")
    for place in places.order_by("pk"):
        row = _row(place)
        if row["pivot"]:  # a qualified structure always has one; never export an invalid row
            yield row


def write_csv(rows: Iterable[dict[str, str]], stream: io.TextIOBase) -> None:
    writer = csv.DictWriter(stream, fieldnames=field_names(), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def public_places() -> QuerySet[Place]:
    return Place.objects.filter(qualification_status=QualificationStatus.QUALIFIED)


def _row(place: Place) -> dict[str, str]:
    file = getattr(place.organisation, "qualification_file", None)
    pivot = place.siret or (file.siret if file else "") or place.organisation.siren
    services = sorted({offer.service.family.standard_service for offer in place.offers.all()})
    return {
        "id": str(place.standard_id),
        "pivot": pivot,
        "nom": place.name,
        "commune": place.commune_name,
        "code_postal": place.postcode,
        "code_insee": place.commune_code,
        "adresse": place.address,
        "complement_adresse": "",
        # a commune's centre is not the place's position: left out rather than passed on
        "latitude": "" if place.location_approximate else _number(place.latitude),
        "longitude": "" if place.location_approximate else _number(place.longitude),
        "typologie": TYPOLOGY.get(PlaceType(place.place_type), "Autre"),
        "telephone": place.phone,
        "courriels": place.email,
        "site_web": place.website,
        "horaires": place.opening_hours,
        "presentation_resume": place.presentation,
        "presentation_detail": "",
        "source": SOURCE,
        "itinerance": "Itinérant" if place.itinerant else "Fixe",
        "structure_parente": place.organisation.name,
        "date_maj": place.updated_at.date().isoformat(),
        "services": SEPARATOR.join(services),
        "publics_specifiquement_adresses": SEPARATOR.join(place.publics),
        "prise_en_charge_specifique": SEPARATOR.join(place.specific_support),
        "frais_a_charge": FEES_WITH_PASS,
        "dispositif_programmes_nationaux": "",
        "formations_labels": "",
        "autres_formations_labels": "",
        "modalites_acces": SEPARATOR.join(place.access_modes),
        "modalites_accompagnement": SEPARATOR.join(place.support_modes),
        "fiche_acces_libre": place.acceslibre_url,
        "prise_rdv": place.booking_url,
    }


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


# ---------------------------------------------------------------- import


@dataclass
class LineResult:
    line: int
    identifier: str
    outcome: str  # created, updated, rejected
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    lines: list[LineResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def rejected(self) -> list[LineResult]:
        return [line for line in self.lines if line.outcome == "rejected"]


class InvalidImportFile(DomainError):
    """The file as a whole cannot be read: nothing is imported. Each kind has its own code."""

    code = "invalid_import_file"
    http_status = 400
    default_message = gettext_lazy("Ce fichier ne peut pas être importé.")


class InvalidSource(InvalidImportFile):
    code = "import_invalid_source"
    default_message = gettext_lazy(
        "Nom de source invalide : lettres, chiffres, points, tirets et soulignés, 100 au plus."
    )


class EmptyImportFile(InvalidImportFile):
    code = "import_empty_file"
    default_message = gettext_lazy("Le fichier est vide.")


class NotUtf8(InvalidImportFile):
    code = "import_not_utf8"
    default_message = gettext_lazy(
        "Le fichier n'est pas encodé en UTF-8 (octet %(byte)s illisible) : enregistrez-le au "
        "format « CSV UTF-8 »."
    )


class BinaryImportFile(InvalidImportFile):
    code = "import_binary_file"
    default_message = gettext_lazy(
        "Ce fichier n'est pas un fichier CSV (il contient des données binaires)."
    )


class WrongSeparator(InvalidImportFile):
    code = "import_wrong_separator"
    default_message = gettext_lazy(
        "Les colonnes sont séparées par « %(found)s » : le standard sépare les colonnes par des "
        "virgules (« , ») et les valeurs multiples par « | »."
    )


class MissingColumns(InvalidImportFile):
    code = "import_missing_columns"
    default_message = gettext_lazy("Colonnes obligatoires absentes : %(columns)s.")


class DuplicateColumns(InvalidImportFile):
    code = "import_duplicate_columns"
    default_message = gettext_lazy("Colonnes en double : %(columns)s.")


class FieldTooLong(InvalidImportFile):
    code = "import_field_too_long"
    default_message = gettext_lazy(
        "Ligne %(line)s : un champ dépasse %(limit)s caractères (un guillemet non refermé ?)."
    )


class MalformedCsv(InvalidImportFile):
    code = "import_malformed_csv"
    default_message = gettext_lazy("Ligne %(line)s : CSV mal formé.")


def import_places(
    *,
    acting: Acting,
    stream: io.TextIOBase,
    source: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Operator staff create or update places from a standard CSV. Each line is checked as the
    qualification form checks a place (plus the pivot: SIRET or SIREN, checksum, the SIREN of
    the place's organisation); a rejected line is reported with its reasons and writes nothing;
    the others are kept. Imported places are drafts: they become public only once their
    organisation is qualified. A file that cannot be read raises an InvalidImportFile (a code
    per kind) and writes nothing.

    Places are matched by (source, id); organisations by SIREN (the pivot's first 9 digits),
    created if new and named after the line's `nom`. Writes go by chunks of a few hundred lines,
    one transaction each (see standard_import.py). `progress(done, total)` is told along.
    """
    from passnum.places.standard_import import run_import

    acting.require_kind(OrganisationKind.OPERATOR)
    if not re.fullmatch(r"[\w.-]{1,100}", source, flags=re.ASCII):
        raise InvalidSource()
    return run_import(acting=acting, stream=stream, source=source, progress=progress)


@dataclass(frozen=True)
class _FieldCheck:
    name: str
    required: bool
    pattern: re.Pattern[str] | None
    number: bool
    date: bool
    max_length: int | None
    multiple: bool  # values separated by `|`


@cache
def _field_checks() -> tuple[_FieldCheck, ...]:
    checks = []
    for spec in schema()["fields"]:
        constraints = spec.get("constraints", {})
        pattern = constraints.get("pattern")
        checks.append(
            _FieldCheck(
                name=spec["name"],
                required=bool(constraints.get("required")),
                pattern=re.compile(pattern) if pattern else None,
                number=spec.get("type") == "number",
                date=spec.get("type") == "date",
                max_length=constraints.get("maxLength"),
                multiple=bool(pattern and pattern.startswith("(?:(?:^|\\|)")),
            )
        )
    return tuple(checks)


def validate_row(row: Mapping[str, str | None]) -> list[str]:
    """Every way `row` breaks the standard's schema (required, pattern, type, length)."""
    reasons = []
    for check in _field_checks():
        value = (row.get(check.name) or "").strip()
        if not value:
            if check.required:
                reasons.append(_("« %(field)s » est obligatoire.") % {"field": check.name})
            continue
        if check.pattern is not None and not check.pattern.fullmatch(value):
            reason = _("« %(field)s » : valeur non conforme au standard (%(value)s).") % {
                "field": check.name,
                "value": value[:80],
            }
            if check.multiple and ("," in value or ";" in value):
                reason += " " + _("Séparez les valeurs multiples par « | ».")
            reasons.append(reason)
        if check.number:
            try:
                Decimal(value)
            except InvalidOperation:
                reasons.append(_("« %(field)s » doit être un nombre.") % {"field": check.name})
        if check.date:
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                reasons.append(
                    _("« %(field)s » doit être une date AAAA-MM-JJ.") % {"field": check.name}
                )
        if check.max_length is not None and len(value) > check.max_length:
            reasons.append(
                _("« %(field)s » dépasse %(max)s caractères.")
                % {"field": check.name, "max": check.max_length}
            )
    return reasons


def place_type_of(typologie: str) -> str:
    for code in typologie.split(SEPARATOR):
        if code in PLACE_TYPE_OF:
            return PLACE_TYPE_OF[code]
    return PlaceType.OTHER
