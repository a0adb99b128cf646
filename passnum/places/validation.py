"""Checks of what an applicant types about a place: each raises InvalidPlace with a plain
French message naming the field."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from passnum.core.exceptions import DomainError
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
    "publics": Public,
    "specific_support": SpecificSupport,
    "access_modes": AccessMode,
    "support_modes": SupportMode,
}


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
    if not stdnum_siret.is_valid(compact):
        raise InvalidPlace(
            _("SIRET invalide : %(value)s (14 chiffres, clé de contrôle)."), value=value
        )
    return compact


def clean_siren(value: str) -> str:
    compact = re.sub(r"\s", "", value)
    if not stdnum_siren.is_valid(compact):
        raise InvalidPlace(_("SIREN invalide : %(value)s."), value=value)
    return compact


def clean_place_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Checked and normalised copy of `fields` (only the ones given)."""
    cleaned = dict(fields)
    if "place_type" in fields and fields["place_type"] not in PlaceType.values:
        raise InvalidPlace(_("Type de lieu inconnu."))
    if "postcode" in fields and not POSTCODE_RE.match(str(fields["postcode"])):
        raise InvalidPlace(_("Code postal invalide : 5 chiffres."))
    if "commune_code" in fields:
        cleaned.update(_commune_fields(str(fields["commune_code"])))
    if "commune_name" in fields:
        from passnum.places.search import normalise_name

        cleaned["commune_key"] = normalise_name(str(fields["commune_name"]))
    if fields.get("siret"):
        cleaned["siret"] = clean_siret(fields["siret"])
    if fields.get("phone"):
        cleaned["phone"] = normalise_phone(fields["phone"])
    if fields.get("email"):
        try:
            EmailValidator()(fields["email"])
        except ValidationError as exc:
            raise InvalidPlace(_("Adresse e-mail invalide.")) from exc
    for name in ("website", "booking_url", "acceslibre_url"):
        if fields.get(name):
            try:
                URLValidator(schemes=["http", "https"])(fields[name])
            except ValidationError as exc:
                raise InvalidPlace(
                    _("Adresse web invalide : %(value)s."), value=fields[name]
                ) from exc
    if fields.get("opening_hours") and not opening_hours_ok(fields["opening_hours"]):
        raise InvalidPlace(
            _("Horaires illisibles. Exemple : Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00")
        )
    if len(fields.get("presentation") or "") > 280:
        raise InvalidPlace(_("La présentation courte tient en 280 caractères."))
    for name, choices in LISTS.items():
        if name in fields:
            values = list(dict.fromkeys(fields[name] or []))
            unknown = [v for v in values if v not in choices.values]
            if unknown:
                raise InvalidPlace(_("Valeur inconnue : %(values)s."), values=", ".join(unknown))
            cleaned[name] = values
    for name in ("latitude", "longitude"):
        value = fields.get(name)
        limit = 90 if name == "latitude" else 180
        if value is not None and not -limit <= float(value) <= limit:
            raise InvalidPlace(_("Coordonnées invalides."))
    return cleaned


def _commune_fields(code: str) -> dict[str, str]:
    """The commune from the INSEE COG: an arrondissement (Paris, Lyon, Marseille) becomes its
    commune, so perimeters by commune hold; département, région and EPCI follow from it."""
    from passnum.geography.models import Commune

    if not COMMUNE_RE.match(code):
        raise InvalidPlace(_("Code INSEE de commune invalide."))
    commune = Commune.objects.select_related("parent").filter(code=code).first()
    if commune is None:
        raise InvalidPlace(_("Aucune commune n'a le code INSEE %(code)s."), code=code)
    if commune.parent is not None:
        commune = commune.parent
    return {
        "commune_code": commune.code,
        "departement": commune.departement_id,
        "region": commune.region_id,
        "epci_code": commune.epci_id or "",
    }
