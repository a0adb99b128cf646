"""What makes an order valid: each field the sponsor chooses, checked before anything is written.

Shared by the services that create and change orders (`orders.services.create_order`,
`orders.drafts.update_draft`) and by the live count of the places the usage rules leave. Each
refusal is an `InvalidOrder` naming its field; `order_values` raises one for all of them (every
refusal in its `details`), so a form can show each one next to its field.
"""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from passnum.catalogue.models import Service, ServiceFamily
from passnum.core.money import apply_rate
from passnum.core.text import has_forbidden_characters
from passnum.orders.enums import BookletSize, TargetPublic
from passnum.orders.exceptions import InvalidOrder
from passnum.orders.models import MAX_PRINT_TEXT, MAX_TOLERANCE_DAYS, Order
from passnum.places.enums import PlaceType

COMMUNE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
EPCI_RE = re.compile(r"^\d{9}$")
DEPARTEMENT_RE = re.compile(r"^(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-8])$")
REGION_RE = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class UsageRules:
    """What a sponsor may restrict (fléchage). Never places by name: places are qualified."""

    communes: Sequence[str] = ()
    epcis: Sequence[str] = ()
    departements: Sequence[str] = ()
    regions: Sequence[str] = ()
    place_types: Sequence[str] = ()
    families: Sequence[str] = ()
    services: Sequence[str] = ()
    usable_from: datetime.date | None = None
    usable_until: datetime.date | None = None
    target_publics: Sequence[str] = field(default_factory=tuple)


# Ordered after this day of the year, the default validity end is 31 December of the next year:
# passes ordered in the autumn would otherwise be alerted about (J-30) and stop being
# distributed (J-15) before most of them could be handed out.
LATE_ORDER_FROM = (10, 1)


def default_valid_until(today: datetime.date | None = None) -> datetime.date:
    """31 December of this year (SPEC §3.1), of the next one for an order placed from October."""
    today = today or timezone.localdate()
    year = today.year + 1 if (today.month, today.day) >= LATE_ORDER_FROM else today.year
    return datetime.date(year, 12, 31)


MAX_VALIDITY_YEARS = 5


def latest_valid_until(today: datetime.date | None = None) -> datetime.date:
    """The furthest validity end an order may have: MAX_VALIDITY_YEARS after today."""
    today = today or timezone.localdate()
    if today.month == 2 and today.day == 29:
        today = today.replace(day=28)
    return today.replace(year=today.year + MAX_VALIDITY_YEARS)


MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 5000  # on each side
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


def order_values(
    *,
    quantity: int,
    booklet_size: int,
    face_value_cents: int | None,
    valid_until: datetime.date | None,
    rules: UsageRules,
    label: str,
    print_text: str,
    logo: bytes | None,
    tolerance_days: int | None,
) -> dict:
    """The order's columns from what the sponsor chose, with the quote's figures at the rates in
    force; every field checked first (`InvalidOrder` with every refusal in its `details`)."""
    if face_value_cents is None:
        face_value_cents = settings.PASSNUM_FACE_VALUE_CENTS
    if tolerance_days is None:
        tolerance_days = settings.PASSNUM_VALIDITY_TOLERANCE_DAYS
    today = timezone.localdate()
    valid_until = valid_until or default_valid_until(today)
    errors = [
        *_quantity_errors(
            quantity=quantity, booklet_size=booklet_size, face_value_cents=face_value_cents
        ),
        *_validity_errors(valid_until=valid_until, tolerance_days=tolerance_days, today=today),
        *_label_errors(label),
        *_rules_errors(rules),
        *print_errors(print_text=print_text, logo=logo),
    ]
    if errors:
        raise InvalidOrder.of(errors)
    face_total = quantity * face_value_cents
    fee = apply_rate(face_total, settings.PASSNUM_UPSTREAM_FEE_BPS)
    vat = apply_rate(fee, settings.PASSNUM_VAT_BPS)
    return {
        "label": label,
        "quantity": quantity,
        "booklet_size": booklet_size,
        "face_value_cents": face_value_cents,
        "face_total_cents": face_total,
        "upstream_fee_bps": settings.PASSNUM_UPSTREAM_FEE_BPS,
        "upstream_fee_cents": fee,
        "vat_bps": settings.PASSNUM_VAT_BPS,
        "upstream_vat_cents": vat,
        "total_due_cents": face_total + fee + vat,
        "downstream_fee_bps": settings.PASSNUM_DOWNSTREAM_FEE_BPS,
        "fund_bps": settings.PASSNUM_FUND_BPS,
        "valid_until": valid_until,
        "tolerance_days": tolerance_days,
        "perimeter_communes": sorted(set(rules.communes)),
        "perimeter_epcis": sorted(set(rules.epcis)),
        "perimeter_departements": sorted(set(rules.departements)),
        "perimeter_regions": sorted(set(rules.regions)),
        "allowed_place_types": sorted(set(rules.place_types)),
        "allowed_families": sorted(set(rules.families)),
        "allowed_services": sorted(set(rules.services)),
        "usable_from": rules.usable_from,
        "usable_until": rules.usable_until,
        "target_publics": sorted(set(rules.target_publics)),
        "print_text": print_text,
    }


def _quantity_errors(
    *, quantity: int, booklet_size: int, face_value_cents: int
) -> list[InvalidOrder]:
    errors = []
    if booklet_size not in BookletSize.values:
        errors.append(InvalidOrder(_("Un carnet contient 5 ou 10 pass."), field="booklet_size"))
    elif quantity < booklet_size or quantity % booklet_size:
        errors.append(
            InvalidOrder(
                _("La quantité doit être un multiple de %(size)s (carnets complets)."),
                field="quantity",
                size=booklet_size,
            )
        )
    elif quantity > settings.PASSNUM_MAX_PASSES_PER_ORDER:
        errors.append(
            InvalidOrder(
                _("Au plus %(max)s pass par commande."),
                field="quantity",
                max=settings.PASSNUM_MAX_PASSES_PER_ORDER,
            )
        )
    minimum = settings.PASSNUM_SMALL_BOOKLET_MIN_PASSES
    if booklet_size == BookletSize.FIVE and quantity < minimum:
        errors.append(
            InvalidOrder(
                _("Les carnets de 5 pass sont réservés aux commandes d'au moins %(min)s pass."),
                field="booklet_size",
                min=minimum,
            )
        )
    if face_value_cents < 1 or face_value_cents > 100_000:
        errors.append(
            InvalidOrder(
                _("La valeur faciale doit être comprise entre 0,01 € et 1 000 €."),
                field="face_value_cents",
            )
        )
    return errors


def _validity_errors(
    *, valid_until: datetime.date, tolerance_days: int, today: datetime.date
) -> list[InvalidOrder]:
    errors = []
    if valid_until < today:
        errors.append(
            InvalidOrder(
                _("La fin de validité ne peut pas être dans le passé."), field="valid_until"
            )
        )
    elif valid_until > latest_valid_until(today):
        errors.append(
            InvalidOrder(
                _("La fin de validité ne peut pas dépasser le %(date)s (%(years)s ans au plus)."),
                field="valid_until",
                date=date_format(latest_valid_until(today), "SHORT_DATE_FORMAT"),
                years=MAX_VALIDITY_YEARS,
            )
        )
    if not 0 <= tolerance_days <= MAX_TOLERANCE_DAYS:
        errors.append(
            InvalidOrder(
                _("La tolérance après la fin de validité est de 0 à %(max)s jours."),
                field="tolerance_days",
                max=MAX_TOLERANCE_DAYS,
            )
        )
    return errors


def _label_errors(label: str) -> list[InvalidOrder]:
    limit = Order._meta.get_field("label").max_length or 0
    if len(label) > limit:
        return [
            InvalidOrder(_("Le libellé a au plus %(max)s caractères."), field="label", max=limit)
        ]
    if has_forbidden_characters(label):
        return [
            InvalidOrder(
                _("Le libellé ne peut pas contenir de caractère de contrôle."), field="label"
            )
        ]
    return []


def print_errors(*, print_text: str, logo: bytes | None) -> list[InvalidOrder]:
    errors = []
    if len(print_text) > MAX_PRINT_TEXT:
        errors.append(
            InvalidOrder(
                _("Le texte imprimé a au plus %(max)s caractères (il en a %(count)s)."),
                field="print_text",
                max=MAX_PRINT_TEXT,
                count=len(print_text),
            )
        )
    elif has_forbidden_characters(print_text, multiline=True):
        errors.append(
            InvalidOrder(
                _("Le texte imprimé ne peut pas contenir de caractère de contrôle."),
                field="print_text",
            )
        )
    if logo is not None:
        errors += _logo_errors(logo)
    return errors


def _logo_errors(logo: bytes) -> list[InvalidOrder]:
    """A PNG or JPEG image (from its first bytes, not its name), 1 MB at most, that the
    printing reads, of a reasonable size."""
    if not logo:
        return [InvalidOrder(_("Le fichier du logo est vide."), field="logo")]
    if len(logo) > MAX_LOGO_BYTES:
        return [InvalidOrder(_("Le logo dépasse 1 Mo."), field="logo")]
    if not any(logo.startswith(magic) for magic in LOGO_TYPES):
        return [InvalidOrder(_("Le logo doit être une image PNG ou JPEG."), field="logo")]
    from passnum.passes.printing.cover import logo_reader
    from passnum.passes.printing.exceptions import InvalidLogo

    try:
        width, height = logo_reader(logo).getSize()
    except InvalidLogo:
        return [
            InvalidOrder(
                _("Le logo n'est pas une image lisible : enregistrez-le à nouveau en PNG ou JPEG."),
                field="logo",
            )
        ]
    if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
        return [
            InvalidOrder(
                _("Le logo a au plus %(max)s pixels de côté."), field="logo", max=MAX_LOGO_PIXELS
            )
        ]
    return []


RULE_FIELDS = (
    "communes",
    "epcis",
    "departements",
    "regions",
    "place_types",
    "families",
    "services",
    "target_publics",
)


def _rules_errors(rules: UsageRules) -> list[InvalidOrder]:
    """Every list of codes well formed and known (geography, place types, nomenclature,
    publics), the time window in order: one error per field at fault."""
    errors = []
    broken = set()
    for name in RULE_FIELDS:
        for value in getattr(rules, name):
            if not isinstance(value, str) or len(value) > 50 or has_forbidden_characters(value):
                errors.append(
                    InvalidOrder(
                        _("Les règles d'utilisation contiennent un code invalide."), field=name
                    )
                )
                broken.add(name)
                break
    from passnum.geography.models import Commune, Departement, Epci, Region

    for name, pattern, label, model, key in (
        ("communes", COMMUNE_RE, _("commune"), Commune, "code"),
        ("epcis", EPCI_RE, _("EPCI"), Epci, "siren"),
        ("departements", DEPARTEMENT_RE, _("département"), Departement, "code"),
        ("regions", REGION_RE, _("région"), Region, "code"),
    ):
        values = getattr(rules, name)
        if name in broken or not values:
            continue
        bad = [value for value in values if not pattern.match(str(value))]
        if bad:
            errors.append(
                InvalidOrder(
                    _("Code de %(what)s invalide : %(codes)s."),
                    field=name,
                    what=label,
                    codes=", ".join(map(str, bad)),
                )
            )
            continue
        known = set(model.objects.filter(**{f"{key}__in": set(values)}).values_list(key, flat=True))
        unknown = sorted(set(values) - known)
        if unknown:
            errors.append(
                InvalidOrder(
                    _("Code de %(what)s inconnu : %(codes)s."),
                    field=name,
                    what=label,
                    codes=", ".join(unknown),
                )
            )
    for name, known_values, message in (
        ("place_types", set(PlaceType.values), _("Type de lieu inconnu : %(codes)s.")),
        ("target_publics", set(TargetPublic.values), _("Public inconnu : %(codes)s.")),
    ):
        if name in broken:
            continue
        bad = sorted(set(getattr(rules, name)) - known_values)
        if bad:
            errors.append(InvalidOrder(message, field=name, codes=", ".join(bad)))
    if "families" not in broken:
        known = set(
            ServiceFamily.objects.filter(code__in=rules.families).values_list("code", flat=True)
        )
        bad = sorted(set(rules.families) - known)
        if bad:
            errors.append(
                InvalidOrder(
                    _("Famille de services inconnue : %(codes)s."),
                    field="families",
                    codes=", ".join(bad),
                )
            )
    if "services" not in broken:
        known = set(Service.objects.filter(code__in=rules.services).values_list("code", flat=True))
        bad = sorted(set(rules.services) - known)
        if bad:
            errors.append(
                InvalidOrder(
                    _("Service inconnu : %(codes)s."), field="services", codes=", ".join(bad)
                )
            )
    if rules.usable_from and rules.usable_until and rules.usable_from > rules.usable_until:
        errors.append(
            InvalidOrder(
                _("La période d'utilisation se termine avant de commencer."), field="usable_until"
            )
        )
    return errors


def validate_rules(rules: UsageRules) -> None:
    """The usage rules alone (the live count of the places they leave): `InvalidOrder`."""
    errors = _rules_errors(rules)
    if errors:
        raise InvalidOrder.of(errors)
