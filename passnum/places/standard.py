"""Import and export in the national standard for digital-mediation places (v1.0.x).

CSV, UTF-8, comma separated, `|` between the values of a multi-valued field. The field list and
the patterns come from the standard's own schema, shipped in data/.
"""

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.accounts.services import create_organisation
from passnum.core.exceptions import DomainError, NotFound
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
        "latitude": _number(place.latitude),
        "longitude": _number(place.longitude),
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
    code = "invalid_import_file"
    http_status = 400


def import_places(*, acting: Acting, stream: io.TextIOBase, source: str) -> ImportReport:
    """Operator staff create or update places from a standard CSV, line by line: a bad line is
    reported with its reasons and writes nothing; the others are kept. Imported places are
    drafts: they become public only once their organisation is qualified.

    Places are matched by (source, id); organisations by SIREN (the pivot's first 9 digits).
    """
    acting.require_kind(OrganisationKind.OPERATOR)
    if not re.fullmatch(r"[\w.-]{1,100}", source):
        raise InvalidImportFile(_("Nom de source invalide."))
    reader = csv.DictReader(stream)
    missing = [
        name
        for name in ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")
        if name not in (reader.fieldnames or [])
    ]
    if missing:
        raise InvalidImportFile(
            _("Colonnes obligatoires absentes : %(cols)s.") % {"cols": ", ".join(missing)}
        )
    report = ImportReport()
    for number, row in enumerate(reader, start=2):
        identifier = (row.get("id") or "").strip()
        reasons = validate_row(row)
        if reasons:
            report.lines.append(LineResult(number, identifier, "rejected", reasons))
            continue
        try:
            with transaction.atomic():
                outcome = _import_row(acting=acting, row=row, source=source)
        except DomainError as exc:
            report.lines.append(LineResult(number, identifier, "rejected", [str(exc)]))
        else:
            report.lines.append(LineResult(number, identifier, outcome))
    return report


def validate_row(row: dict[str, str | None]) -> list[str]:
    """Every way `row` breaks the standard's schema (required, pattern, type, length)."""
    reasons = []
    for spec in schema()["fields"]:
        name = spec["name"]
        value = (row.get(name) or "").strip()
        constraints = spec.get("constraints", {})
        if not value:
            if constraints.get("required"):
                reasons.append(_("« %(field)s » est obligatoire.") % {"field": name})
            continue
        pattern = constraints.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            reasons.append(
                _("« %(field)s » : valeur non conforme au standard (%(value)s).")
                % {"field": name, "value": value[:80]}
            )
        if spec.get("type") == "number":
            try:
                Decimal(value)
            except InvalidOperation:
                reasons.append(_("« %(field)s » doit être un nombre.") % {"field": name})
        if spec.get("type") == "date":
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                reasons.append(_("« %(field)s » doit être une date AAAA-MM-JJ.") % {"field": name})
        if "maxLength" in constraints and len(value) > constraints["maxLength"]:
            reasons.append(
                _("« %(field)s » dépasse %(max)s caractères.")
                % {"field": name, "max": constraints["maxLength"]}
            )
    return reasons


def _import_row(*, acting: Acting, row: dict[str, str], source: str) -> str:
    from passnum.geography.selectors import commune as find_commune
    from passnum.geography.selectors import communes_for_postcode
    from passnum.places.services.places import import_place
    from passnum.places.validation import opening_hours_ok

    value = {key: (item or "").strip() for key, item in row.items() if key}
    try:
        commune = (
            find_commune(value["code_insee"])
            if value.get("code_insee")
            else _single(communes_for_postcode(value["code_postal"]))
        )
    except NotFound as exc:
        raise DomainError(
            _("Commune inconnue : %(code)s.")
            % {"code": value.get("code_insee") or value["code_postal"]}
        ) from exc
    fields: dict[str, Any] = {
        "name": value["nom"][:200],
        "address": value["adresse"][:300],
        "postcode": value["code_postal"],
        "commune_name": commune.name,
        "commune_code": commune.code,
        "departement": commune.departement_id,
        "region": commune.region_id,
        "epci_code": commune.epci_id or "",
        "place_type": _place_type(value.get("typologie", "")),
        "latitude": Decimal(value["latitude"]) if value.get("latitude") else None,
        "longitude": Decimal(value["longitude"]) if value.get("longitude") else None,
        "phone": value.get("telephone", ""),
        "email": value.get("courriels", "").split(SEPARATOR)[0],
        "website": value.get("site_web", "").split(SEPARATOR)[0],
        "opening_hours": value.get("horaires", "")[:500],
        "presentation": value.get("presentation_resume", "")[:280],
        "itinerant": "Itinérant" in value.get("itinerance", ""),
        "publics": _list(value.get("publics_specifiquement_adresses")),
        "specific_support": _list(value.get("prise_en_charge_specifique")),
        "access_modes": _list(value.get("modalites_acces")),
        "support_modes": _list(value.get("modalites_accompagnement")),
        "acceslibre_url": value.get("fiche_acces_libre", ""),
        "booking_url": value.get("prise_rdv", ""),
    }
    if fields["opening_hours"] and not opening_hours_ok(fields["opening_hours"]):
        fields["opening_hours"] = ""  # kept out rather than refusing the whole place
    existing = Place.objects.filter(source=source, source_id=value["id"]).first()
    organisation = (
        existing.organisation
        if existing is not None
        else _organisation_for(
            pivot=value["pivot"], name=value.get("structure_parente") or value["nom"]
        )
    )
    _place, created = import_place(
        acting=acting, organisation=organisation, source=source, source_id=value["id"], **fields
    )
    return "created" if created else "updated"


def _organisation_for(*, pivot: str, name: str) -> Organisation:
    siren = pivot[:9] if pivot.isdigit() else ""
    if siren:
        found = Organisation.objects.filter(kind=OrganisationKind.PROVIDER, siren=siren).first()
        if found:
            return found
    return create_organisation(
        actor=None, name=name[:200], kind=OrganisationKind.PROVIDER, siren=siren, admin=None
    )


def _single(communes: list) -> Any:
    if len(communes) != 1:
        raise NotFound()
    return communes[0]


def _list(value: str | None) -> list[str]:
    return [item for item in (value or "").split(SEPARATOR) if item]


def _place_type(typologie: str) -> str:
    for code in typologie.split(SEPARATOR):
        if code in PLACE_TYPE_OF:
            return PLACE_TYPE_OF[code]
    return PlaceType.OTHER
