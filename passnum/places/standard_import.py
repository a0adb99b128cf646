"""The national-standard import behind `standard.import_places`, in three steps:

1. **Read** the whole file: decoding, header (separator, required and duplicate columns), every
   record. Anything that makes the file unreadable (not UTF-8, binary, a field over the csv
   module's 131,072 characters, a wrong separator…) raises an InvalidImportFile subclass with
   its own code before anything is written.
2. **Check** every line: the standard's schema (field patterns), the pivot (SIRET or SIREN,
   checksum, not zeros, the SIREN of the place's organisation), duplicates, then the same checks
   as the qualification form (`validation.check_place_fields`: commune, postcode of that
   commune, coordinates in France, hours, phone, addresses…) against the communes, postcodes,
   organisations and already imported places of the file, loaded beforehand in a few queries.
3. **Write** the accepted lines by chunks of CHUNK_SIZE, each in its own transaction: the new
   organisations (`create_organisation`), one bulk insert of the new places, one bulk update of
   those the source gave before. Should a chunk hit a conflict (another import of the same
   source at the same time), it is rolled back and its lines go one by one through the
   `import_place` service instead.

A rejected line writes nothing. A crash or a killed process during step 3 leaves whole chunks:
those committed before are kept, the chunk in progress is rolled back; running the same file
again updates what was written and creates the rest.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.accounts.selectors import Acting
from passnum.accounts.services import create_organisation, create_organisations
from passnum.core.exceptions import DomainError
from passnum.geography.selectors import in_values
from passnum.places.bulk import insert_places, update_places
from passnum.places.models import Place
from passnum.places.search import normalise_name
from passnum.places.standard import (
    SEPARATOR,
    BinaryImportFile,
    DuplicateColumns,
    EmptyImportFile,
    FieldTooLong,
    ImportReport,
    LineResult,
    MalformedCsv,
    MissingColumns,
    NotUtf8,
    WrongSeparator,
    place_type_of,
    validate_row,
)
from passnum.places.validation import (
    InvalidPlace,
    LoadedGeography,
    check_place_fields,
    clean_pivot,
)

REQUIRED = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")
CHUNK_SIZE = 500
# Lengths of the Place columns the standard does not bound itself.
MAX_LENGTHS = {
    "nom": 200,
    "adresse": 300,
    "horaires": 500,
    "courriels": 254,
    "site_web": 200,
    "fiche_acces_libre": 200,
    "prise_rdv": 200,
    "id": 100,
}
UPDATED_FIELDS = [
    "name",
    "address",
    "postcode",
    "commune_name",
    "commune_key",
    "commune_code",
    "epci_code",
    "departement",
    "region",
    "latitude",
    "longitude",
    "location_approximate",
    "place_type",
    "phone",
    "email",
    "website",
    "opening_hours",
    "presentation",
    "itinerant",
    "publics",
    "specific_support",
    "access_modes",
    "support_modes",
    "acceslibre_url",
    "booking_url",
    "updated_at",
]


@dataclass
class Line:
    """One record of the file, from reading to writing."""

    number: int  # physical line where it starts (the header is line 1)
    values: dict[str, str]
    reasons: list[str] = field(default_factory=list)
    siren: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    place_id: int | None = None  # the place this source gave before
    organisation_id: int | None = None  # None: a new organisation, made for `siren`

    @property
    def identifier(self) -> str:
        return self.values.get("id", "")


def run_import(
    *,
    acting: Acting,
    stream: io.TextIOBase,
    source: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    lines = read_lines(stream)
    total = len(lines)
    if progress:
        progress(0, total)
    known = _load(lines, source)
    for line in lines:
        if not line.reasons:
            _check(line, known)
    accepted = [line for line in lines if not line.reasons]
    results = {
        line.number: LineResult(line.number, line.identifier, "rejected", line.reasons)
        for line in lines
        if line.reasons
    }
    done = len(results)
    if progress:
        progress(done, total)
    for start in range(0, len(accepted), CHUNK_SIZE):
        chunk = accepted[start : start + CHUNK_SIZE]
        try:
            outcomes = _write_chunk(chunk, acting=acting, source=source, known=known)
        except IntegrityError:
            for line in chunk:  # the organisations made for them were rolled back too
                if line.place_id is None and line.siren not in known.organisations:
                    line.organisation_id = None
            outcomes = _write_one_by_one(chunk, acting=acting, source=source)
        for line, (outcome, reasons) in zip(chunk, outcomes, strict=True):
            results[line.number] = LineResult(line.number, line.identifier, outcome, reasons)
        done += len(chunk)
        if progress:
            progress(done, total)
    return ImportReport(lines=[results[number] for number in sorted(results)])


# --- 1. Reading -------------------------------------------------------------------------------


def read_lines(stream: io.TextIOBase) -> list[Line]:
    """Every record of the file (blank lines skipped), or an InvalidImportFile."""
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        if any(byte < 32 and byte not in b"\t\n\r\f" for byte in exc.object):
            raise BinaryImportFile() from None  # not text in any encoding
        raise NotUtf8(byte=f"0x{exc.object[exc.start]:02X}") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise EmptyImportFile()
    if "\x00" in text:
        raise BinaryImportFile()
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in _next(reader) or []]
    if any(ord(char) < 32 and char not in "\t\r\n" for name in header for char in name):
        raise BinaryImportFile()
    _check_header(header, text)
    index = {name: position for position, name in enumerate(header)}
    lines = []
    while True:
        number = reader.line_num + 1
        record = _next(reader)
        if record is None:
            break
        if not record:
            continue
        values = {
            name: record[position].strip()
            for name, position in index.items()
            if position < len(record)
        }
        line = Line(number=number, values=values)
        if len(record) != len(header):
            line.reasons.append(
                _("La ligne a %(found)s champs au lieu de %(expected)s.")
                % {"found": len(record), "expected": len(header)}
            )
        lines.append(line)
    return lines


def _next(reader: Iterator[list[str]]) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        line = reader.line_num  # type: ignore[attr-defined]
        if "field larger than field limit" in str(exc):
            raise FieldTooLong(
                line=line, limit=f"{csv.field_size_limit():,}".replace(",", " ")
            ) from None
        raise MalformedCsv(line=line) from None


def _check_header(header: list[str], text: str) -> None:
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        first = text.split("\n", 1)[0]
        for separator in (";", "\t"):
            names = {name.strip().strip('"') for name in first.split(separator)}
            if separator in first and all(name in names for name in REQUIRED):
                raise WrongSeparator(found=separator if separator == ";" else _("tabulation"))
        raise MissingColumns(columns=", ".join(missing))
    doubles = sorted({name for name in header if name and header.count(name) > 1})
    if doubles:
        raise DuplicateColumns(columns=", ".join(doubles))


# --- 2. Checking ------------------------------------------------------------------------------


@dataclass
class Known:
    """What the file's lines refer to, read in a few queries."""

    geography: LoadedGeography
    places: dict[str, tuple[int, int, str]]  # source id → (place id, organisation id, its SIREN)
    organisations: dict[str, int]  # SIREN → the provider organisation's id (the oldest)
    seen: dict[str, int] = field(default_factory=dict)  # id → line where it first came


def _load(lines: list[Line], source: str) -> Known:
    def column(name: str) -> set[str]:
        return {line.values.get(name, "") for line in lines} - {""}

    geography = LoadedGeography.load(
        codes={code.upper() for code in column("code_insee")}, postcodes=column("code_postal")
    )
    places: dict[str, tuple[int, int, str]] = {}
    for queryset in in_values(Place.objects.filter(source=source), "source_id", column("id")):
        for source_id, pk, organisation_id, siren in queryset.values_list(
            "source_id", "pk", "organisation_id", "organisation__siren"
        ):
            places[source_id] = (pk, organisation_id, siren)
    sirens = {pivot[:9] for pivot in column("pivot") if pivot[:9].isdigit()}
    organisations: dict[str, int] = {}
    providers = Organisation.objects.filter(kind=OrganisationKind.PROVIDER).order_by("-pk")
    for queryset in in_values(providers, "siren", sirens):
        for siren, pk in queryset.values_list("siren", "pk"):
            organisations[siren] = pk  # the last one written is the oldest
    return Known(geography=geography, places=places, organisations=organisations)


def _check(line: Line, known: Known) -> None:
    """Fills line.reasons, or line.fields and where it goes (place, organisation)."""
    value = line.values
    identifier = line.identifier
    first = known.seen.setdefault(identifier, line.number) if identifier else line.number
    if first != line.number:
        line.reasons.append(
            _("« id » %(id)s en double : déjà à la ligne %(line)s.")
            % {"id": identifier, "line": first}
        )
    line.reasons += validate_row(value)
    for name, limit in MAX_LENGTHS.items():
        text = value.get(name, "")
        if len(_first(text) if name in ("courriels", "site_web") else text) > limit:
            line.reasons.append(
                _("« %(field)s » dépasse %(max)s caractères.") % {"field": name, "max": limit}
            )
    siren, error = _pivot(value.get("pivot", ""), get_language())
    if error:
        line.reasons.append(_("« pivot » : %(reason)s") % {"reason": error})
    line.siren = siren
    if line.reasons:
        return
    commune_code = _commune_code(line, known.geography)
    if line.reasons:
        return
    fields = {
        "name": value["nom"],
        "address": value["adresse"],
        "postcode": value["code_postal"],
        "commune_code": commune_code,
        "place_type": place_type_of(value.get("typologie", "")),
        "latitude": value.get("latitude") or None,
        "longitude": value.get("longitude") or None,
        "phone": value.get("telephone", ""),
        "email": _first(value.get("courriels", "")),
        "website": _first(value.get("site_web", "")),
        "opening_hours": value.get("horaires", ""),
        "presentation": value.get("presentation_resume", ""),
        "itinerant": "Itinérant" in value.get("itinerance", ""),
        "publics": _list(value.get("publics_specifiquement_adresses")),
        "specific_support": _list(value.get("prise_en_charge_specifique")),
        "access_modes": _list(value.get("modalites_acces")),
        "support_modes": _list(value.get("modalites_accompagnement")),
        "acceslibre_url": value.get("fiche_acces_libre", ""),
        "booking_url": value.get("prise_rdv", ""),
    }
    cleaned, errors = check_place_fields(fields, geography=known.geography)
    line.reasons += [str(error) for error in errors]
    commune = known.geography.commune(cleaned["commune_code"])
    if commune is not None:
        cleaned["commune_name"] = commune.name
        cleaned["commune_key"] = _key(commune.name)
    existing = known.places.get(identifier)
    if existing is not None:
        line.place_id, line.organisation_id, siren = existing
        if siren != line.siren:
            line.reasons.append(
                _(
                    "Le SIREN du pivot (%(pivot)s) n'est pas celui de la structure de ce lieu "
                    "(%(siren)s)."
                )
                % {"pivot": line.siren, "siren": siren or _("aucun")}
            )
    else:
        line.organisation_id = known.organisations.get(line.siren)
    line.fields = cleaned


def _commune_code(line: Line, geography: LoadedGeography) -> str:
    """The INSEE code given, or the commune of the postcode (by its name when several)."""
    value = line.values
    if value.get("code_insee"):
        return value["code_insee"].upper()
    candidates = geography.communes_for_postcode(value["code_postal"])
    if len(candidates) > 1:
        wanted = _key(value["commune"])
        candidates = [c for c in candidates if _key(c.name) == wanted]
    if len(candidates) == 1:
        return candidates[0].code
    line.reasons.append(
        _(
            "Commune introuvable pour le code postal %(postcode)s et le nom « %(name)s » : "
            "indiquez son code INSEE (« code_insee »)."
        )
        % {"postcode": value["code_postal"], "name": value["commune"]}
    )
    return ""


@lru_cache(maxsize=4096)
def _pivot(value: str, language: str | None) -> tuple[str, str]:
    """(SIREN, "") or ("", why not, in `language`): a file's structures come back line after
    line."""
    try:
        return clean_pivot(value), ""
    except InvalidPlace as exc:
        return "", str(exc)


_key = lru_cache(maxsize=65_536)(normalise_name)  # commune names: ~35,000


def _first(value: str) -> str:
    return value.split(SEPARATOR)[0].strip()


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(SEPARATOR) if item.strip()]


# --- 3. Writing -------------------------------------------------------------------------------

Outcome = tuple[str, list[str]]


def _write_chunk(chunk: list[Line], *, acting: Acting, source: str, known: Known) -> list[Outcome]:
    """One transaction: new organisations in one insert, new places in one, known ones in one
    update."""
    wanted: dict[str, str] = {}
    for line in chunk:
        if line.place_id is None and line.organisation_id is None:
            line.organisation_id = known.organisations.get(line.siren)
            if line.organisation_id is None:
                wanted.setdefault(line.siren, line.values["nom"])
    made: dict[str, int] = {}
    with transaction.atomic():
        if wanted:
            created = create_organisations(
                actor=acting.user, kind=OrganisationKind.PROVIDER, names=wanted
            )
            made = {siren: organisation.pk for siren, organisation in created.items()}
            for line in chunk:
                if line.place_id is None and line.organisation_id is None:
                    line.organisation_id = made[line.siren]
        place_ids = [line.place_id for line in chunk if line.place_id is not None]
        locked = dict(
            Place.objects.select_for_update()
            .filter(pk__in=place_ids)
            .values_list("pk", "organisation_id")
        )
        outcomes: list[Outcome] = []
        new, changed = [], []
        for line in chunk:
            if line.place_id is None:
                new.append(
                    {
                        "organisation_id": line.organisation_id,
                        "source": source,
                        "source_id": line.identifier,
                        **line.fields,
                    }
                )
                outcomes.append(("created", []))
            elif locked.get(line.place_id) == line.organisation_id:
                changed.append({"id": line.place_id, **line.fields})
                outcomes.append(("updated", []))
            else:
                outcomes.append(
                    ("rejected", [_("Ce lieu a changé pendant l'import : importez à nouveau.")])
                )
        insert_places(new)
        update_places(changed, UPDATED_FIELDS)
    known.organisations.update(made)
    return outcomes


def _write_one_by_one(chunk: list[Line], *, acting: Acting, source: str) -> list[Outcome]:
    """After a conflict: each line through the `import_place` service, in its own transaction."""
    from passnum.places.services.places import import_place

    outcomes: list[Outcome] = []
    for line in chunk:
        fields = {
            name: value
            for name, value in line.fields.items()
            if name not in {"commune_key", "location_approximate"}
        }
        if line.fields.get("location_approximate"):
            fields["latitude"] = fields["longitude"] = None  # the service places it again
        try:
            with transaction.atomic():
                organisation = _organisation(line)
                _place, created = import_place(
                    acting=acting,
                    organisation=organisation,
                    source=source,
                    source_id=line.identifier,
                    **fields,
                )
        except DomainError as exc:
            outcomes.append(("rejected", [str(exc)]))
        except IntegrityError:
            outcomes.append(
                ("rejected", [_("Ce lieu a changé pendant l'import : importez à nouveau.")])
            )
        else:
            outcomes.append(("created" if created else "updated", []))
    return outcomes


def _organisation(line: Line) -> Organisation:
    if line.place_id is not None:
        existing = Place.objects.filter(pk=line.place_id).select_related("organisation").first()
        if existing is not None:
            return existing.organisation
    found = (
        Organisation.objects.filter(kind=OrganisationKind.PROVIDER, siren=line.siren)
        .order_by("pk")
        .first()
    )
    return found or create_organisation(
        actor=None,
        name=line.values["nom"],
        kind=OrganisationKind.PROVIDER,
        siren=line.siren,
        admin=None,
    )
