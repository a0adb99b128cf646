"""Checks of what an applicant types about a place, shared by the pages (the qualification form,
through the places services) and the national-standard import: each raises InvalidPlace with a
plain French message naming the field.

`check_place_fields` runs every check and returns all the errors (the import reports each one);
`clean_place_fields` raises the first (the services). Communes are read through a `Geography`:
the database one at a time for the pages, or one loaded beforehand for a whole file
(`LoadedGeography`)."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from passnum.core.exceptions import DomainError
from passnum.geography.selectors import CommuneFacts, commune_facts, postcode_communes
from passnum.places.enums import AccessMode, PlaceType, Public, SpecificSupport, SupportMode


class InvalidPlace(DomainError):
    code = "invalid_place"
    http_status = 400
    default_message = _("Les informations du lieu sont invalides.")


_DAY = r"(Mo|Tu|We|Th|Fr|Sa|Su|PH)"
_DAYS = rf"{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*"
_TIME = r"([01]\d|2[0-4]):[0-5]\d"
_TIMES = rf"{_TIME}-{_TIME}(,{_TIME}-{_TIME})*"
_RULE = re.compile(rf"^(({_DAYS})\s+({_TIMES}|off|closed)|{_TIMES}|24/7)$")
POSTCODE_RE = re.compile(r"^\d{5}$")
COMMUNE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
PHONE_RE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}$")
LISTS = {
    "publics": frozenset(Public.values),
    "specific_support": frozenset(SpecificSupport.values),
    "access_modes": frozenset(AccessMode.values),
    "support_modes": frozenset(SupportMode.values),
}
PLACE_TYPES = frozenset(PlaceType.values)
COORDINATE_PLACES = Decimal("0.000001")  # Place.latitude/longitude: 6 decimal places
_EMAIL = EmailValidator()
_URL = URLValidator(schemes=["http", "https"])

# Where a place may be: (south, north, west, east) in degrees, with a margin of a few km.
METROPOLE = (_("France métropolitaine"), (41.30, 51.15, -5.25, 9.65))
OVERSEAS = {
    "971": (_("Guadeloupe"), (15.80, 16.56, -61.86, -60.95)),
    "972": (_("Martinique"), (14.35, 14.91, -61.26, -60.78)),
    "973": (_("Guyane"), (2.08, 5.85, -54.65, -51.50)),
    "974": (_("La Réunion"), (-21.42, -20.84, 55.20, 55.86)),
    "976": (_("Mayotte"), (-13.03, -12.60, 44.95, 45.32)),
}


# --- Single values ----------------------------------------------------------------------------


def opening_hours_ok(value: str) -> bool:
    """The common subset of OpenStreetMap's opening_hours syntax: rules separated by `;`, each
    `days times` (`Mo-Fr 09:00-12:00,14:00-18:00`, `Sa off`, `PH off`) or `24/7`."""
    rules = [rule.strip() for rule in value.split(";")]
    return all(rule and _RULE.match(rule) for rule in rules)


def normalise_phone(value: str) -> str:
    """`05 56 12 34 56` → `+33556123456` (the national standard's form)."""
    digits = re.sub(r"[\s.\-()]", "", value)
    if re.fullmatch(r"0\d{9}", digits):
        digits = "+33" + digits[1:]
    if not PHONE_RE.match(digits):
        raise InvalidPlace(_("Numéro de téléphone invalide : %(value)s."), value=value)
    return digits


def clean_siret(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    if not stdnum_siret.is_valid(compact) or compact.startswith("000000000"):
        raise InvalidPlace(
            _("SIRET invalide : %(value)s (14 chiffres, clé de contrôle)."), value=value
        )
    return compact


def clean_siren(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    if not stdnum_siren.is_valid(compact) or compact == "000000000":
        raise InvalidPlace(_("SIREN invalide : %(value)s."), value=value)
    return compact


def clean_pivot(value: str) -> str:
    """The national standard's `pivot` (the structure's SIRET, or its SIREN) → its SIREN."""
    compact = re.sub(r"\s", "", value)
    if len(compact) == 14:
        return clean_siret(compact)[:9]
    if len(compact) == 9:
        return clean_siren(compact)
    raise InvalidPlace(
        _("Pivot invalide : %(value)s (le SIRET de la structure, 14 chiffres, ou son SIREN)."),
        value=value,
    )


def territory_of(departement: str | None) -> tuple[Any, tuple[float, float, float, float]]:
    """(name, bounding box) of the territory a département is in."""
    return OVERSEAS.get(departement or "", METROPOLE)


def in_france(latitude: Decimal, longitude: Decimal, departement: str | None = None) -> bool:
    """Inside the box of the département's territory; without one, of any French territory."""
    boxes = (
        [territory_of(departement)[1]]
        if departement
        else [METROPOLE[1], *(box for _name, box in OVERSEAS.values())]
    )
    lat, lon = float(latitude), float(longitude)
    return any(s <= lat <= n and w <= lon <= e for s, n, w, e in boxes)


def _coordinate(value: Any, limit: int) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidPlace(_("Coordonnées invalides.")) from exc
    if not number.is_finite() or not -limit <= number <= limit:
        raise InvalidPlace(_("Coordonnées invalides."))
    return number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_EVEN)


# --- Communes ---------------------------------------------------------------------------------


class Geography(Protocol):
    def commune(self, code: str) -> CommuneFacts | None: ...

    def postcode_known(self, postcode: str) -> bool: ...


class DatabaseGeography:
    """Reads each commune when asked: the pages' path, one place at a time."""

    def __init__(self) -> None:
        self.known: dict[str, CommuneFacts] = {}

    def commune(self, code: str) -> CommuneFacts | None:
        if code not in self.known:
            self.known.update(commune_facts([code]))  # with its commune, for an arrondissement
        return self.known.get(code)

    def postcode_known(self, postcode: str) -> bool:
        return bool(postcode_communes([postcode]))


@dataclass
class LoadedGeography:
    """The communes and postcodes of a whole file, read in a few queries beforehand."""

    communes: dict[str, CommuneFacts] = field(default_factory=dict)
    postcodes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, *, codes: Iterable[str], postcodes: Iterable[str]) -> "LoadedGeography":
        by_postcode = postcode_communes(postcodes)
        wanted = set(codes) | {code for found in by_postcode.values() for code in found}
        return cls(communes=commune_facts(wanted), postcodes=by_postcode)

    def commune(self, code: str) -> CommuneFacts | None:
        return self.communes.get(code)

    def postcode_known(self, postcode: str) -> bool:
        return postcode in self.postcodes

    def communes_for_postcode(self, postcode: str) -> list[CommuneFacts]:
        return [self.communes[code] for code in self.postcodes.get(postcode, [])]


def commune_centre(code: str, geography: Geography | None = None) -> tuple[Decimal, Decimal] | None:
    """The centre of the commune (an arrondissement's own, else its commune's), if known."""
    geography = geography or DatabaseGeography()
    given = geography.commune(code)
    for facts in (given, geography.commune(given.parent) if given and given.parent else None):
        if facts is not None and facts.latitude is not None and facts.longitude is not None:
            return facts.latitude, facts.longitude
    return None


def at_commune_centre(
    fields: dict[str, Any], code: str, geography: Geography | None = None
) -> None:
    """A place given no position is put at its commune's centre, marked approximate."""
    centre = commune_centre(code, geography) if code else None
    fields["latitude"], fields["longitude"] = centre if centre else (None, None)
    fields["location_approximate"] = centre is not None


# --- All the fields of a place ----------------------------------------------------------------


@dataclass
class _Checking:
    fields: dict[str, Any]
    cleaned: dict[str, Any]
    geography: Geography
    given: CommuneFacts | None = None  # the commune as given (maybe an arrondissement)
    commune: CommuneFacts | None = None  # the commune the place belongs to


def _place_type(c: _Checking) -> None:
    if "place_type" in c.fields and c.fields["place_type"] not in PLACE_TYPES:
        raise InvalidPlace(_("Type de lieu inconnu."))


def _postcode(c: _Checking) -> None:
    if "postcode" in c.fields and not POSTCODE_RE.match(str(c.fields["postcode"])):
        raise InvalidPlace(_("Code postal invalide : 5 chiffres."))


def _commune(c: _Checking) -> None:
    """The commune from the INSEE COG: an arrondissement (Paris, Lyon, Marseille) becomes its
    commune, so perimeters by commune hold; département, région and EPCI follow from it; the
    postcode must be one of its own (unless the geography does not know that postcode)."""
    if "commune_name" in c.fields:
        from passnum.places.search import normalise_name

        c.cleaned["commune_key"] = normalise_name(str(c.fields["commune_name"]))
    if "commune_code" not in c.fields:
        return
    code = str(c.fields["commune_code"]).strip().upper()
    if not COMMUNE_RE.match(code):
        raise InvalidPlace(_("Code INSEE de commune invalide."))
    c.given = c.geography.commune(code)
    if c.given is None:
        raise InvalidPlace(_("Aucune commune n'a le code INSEE %(code)s."), code=code)
    c.commune = (c.geography.commune(c.given.parent) if c.given.parent else None) or c.given
    c.cleaned.update(
        commune_code=c.commune.code,
        departement=c.commune.departement,
        region=c.commune.region,
        epci_code=c.commune.epci,
    )
    postcode = str(c.fields.get("postcode") or "")
    if (
        POSTCODE_RE.match(postcode)
        and postcode not in c.given.postcodes | c.commune.postcodes
        and c.geography.postcode_known(postcode)
    ):
        raise InvalidPlace(
            _("Le code postal %(postcode)s n'est pas celui de %(commune)s (%(postcodes)s)."),
            postcode=postcode,
            commune=c.commune.name,
            postcodes=", ".join(sorted(c.given.postcodes | c.commune.postcodes)),
        )


def _siret(c: _Checking) -> None:
    if c.fields.get("siret"):
        c.cleaned["siret"] = clean_siret(c.fields["siret"])


def _phone(c: _Checking) -> None:
    if c.fields.get("phone"):
        c.cleaned["phone"] = normalise_phone(c.fields["phone"])


def _email(c: _Checking) -> None:
    if c.fields.get("email"):
        try:
            _EMAIL(c.fields["email"])
        except ValidationError as exc:
            raise InvalidPlace(_("Adresse e-mail invalide.")) from exc


def _urls(c: _Checking) -> None:
    for name in ("website", "booking_url", "acceslibre_url"):
        if c.fields.get(name):
            try:
                _URL(c.fields[name])
            except ValidationError as exc:
                raise InvalidPlace(
                    _("Adresse web invalide : %(value)s."), value=c.fields[name]
                ) from exc


def _hours(c: _Checking) -> None:
    if c.fields.get("opening_hours") and not opening_hours_ok(c.fields["opening_hours"]):
        raise InvalidPlace(
            _("Horaires illisibles. Exemple : Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00")
        )


def _presentation(c: _Checking) -> None:
    if len(c.fields.get("presentation") or "") > 280:
        raise InvalidPlace(_("La présentation courte tient en 280 caractères."))


def _lists(c: _Checking) -> None:
    for name, choices in LISTS.items():
        if name in c.fields:
            values = list(dict.fromkeys(c.fields[name] or []))
            unknown = [v for v in values if v not in choices]
            if unknown:
                raise InvalidPlace(_("Valeur inconnue : %(values)s."), values=", ".join(unknown))
            c.cleaned[name] = values


def _position(c: _Checking) -> None:
    """Both coordinates, inside the territory of the place's département; or neither, and the
    place is put at its commune's centre (approximate)."""
    if "latitude" not in c.fields and "longitude" not in c.fields:
        return
    latitude, longitude = c.fields.get("latitude"), c.fields.get("longitude")
    if latitude is None and longitude is None:
        if "commune_code" in c.fields:
            at_commune_centre(c.cleaned, c.given.code if c.given else "", c.geography)
        else:  # the services place it at the commune they have stored
            c.cleaned["location_approximate"] = False
        return
    if latitude is None or longitude is None:
        raise InvalidPlace(_("Indiquez la latitude et la longitude, ou aucune des deux."))
    lat, lon = _coordinate(latitude, 90), _coordinate(longitude, 180)
    departement = c.commune.departement if c.commune else c.fields.get("departement")
    if not in_france(lat, lon, departement):
        name = territory_of(departement)[0] if departement else _("France")
        raise InvalidPlace(
            _(
                "Coordonnées hors de %(territory)s : latitude %(latitude)s, longitude "
                "%(longitude)s (sont-elles inversées ?)."
            ),
            territory=name,
            latitude=latitude,
            longitude=longitude,
        )
    c.cleaned.update(latitude=lat, longitude=lon, location_approximate=False)


CHECKS: tuple[Callable[[_Checking], None], ...] = (
    _place_type,
    _postcode,
    _commune,
    _siret,
    _phone,
    _email,
    _urls,
    _hours,
    _presentation,
    _lists,
    _position,
)


def check_place_fields(
    fields: dict[str, Any], *, geography: Geography | None = None
) -> tuple[dict[str, Any], list[InvalidPlace]]:
    """A checked and normalised copy of `fields` (only the ones given, plus what follows from
    them: commune attachments, search key, `location_approximate`) and every error found."""
    checking = _Checking(
        fields=fields, cleaned=dict(fields), geography=geography or DatabaseGeography()
    )
    errors = []
    for check in CHECKS:
        try:
            check(checking)
        except InvalidPlace as exc:
            errors.append(exc)
    return checking.cleaned, errors


def clean_place_fields(
    fields: dict[str, Any], *, geography: Geography | None = None
) -> dict[str, Any]:
    """Checked and normalised copy of `fields` (only the ones given); the first error raised."""
    cleaned, errors = check_place_fields(fields, geography=geography)
    if errors:
        raise errors[0]
    return cleaned
