"""Every rule a redemption must pass, each with a stable reason code and a plain message.

Pure functions of the pass, its order, the place and its offers, the service, the price and the
day: the API's pass check
and the redemption itself use the same ones, so they can never disagree.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from passnum.catalogue.models import Service
from passnum.core.money import format_euros
from passnum.orders.models import Order
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.places.models import Place

if TYPE_CHECKING:
    from django.db.models import QuerySet


class Reason:
    MALFORMED_CODE = "malformed_code"
    BAD_CHECK_CHARACTER = "bad_check_character"
    DUPLICATE_CODE = "duplicate_code"
    UNKNOWN_PASS = "unknown_pass"  # noqa: S105 (a reason code)
    NOT_ACTIVE = "not_active"
    ALREADY_REDEEMED = "already_redeemed"
    BLOCKED = "blocked"
    EXPIRED = "expired"
    OUTSIDE_TIME_WINDOW = "outside_time_window"
    OUTSIDE_PERIMETER = "outside_perimeter"
    PLACE_TYPE_NOT_ALLOWED = "place_type_not_allowed"
    SERVICE_NOT_ALLOWED = "service_not_allowed"
    PLACE_NOT_QUALIFIED = "place_not_qualified"
    TOO_MANY_PASSES = "too_many_passes"
    NO_PASSES = "no_passes"
    TOO_MANY_CODES = "too_many_codes"
    INVALID_PRICE = "invalid_price"
    SERVICE_NOT_OFFERED = "service_not_offered"
    PRICE_NOT_OFFERED = "price_not_offered"


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    pass_code: str | None = None

    def as_detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.pass_code is not None:
            detail["pass"] = pass_codes.display(self.pass_code)
        return detail


def code_refusal(code: str) -> Refusal | None:
    problem = pass_codes.problem_with(code)
    if problem == pass_codes.CodeProblem.MALFORMED:
        return Refusal(
            Reason.MALFORMED_CODE,
            _(
                "Code illisible : un code a 15 caractères, chiffres 2 à 9 et lettres sauf I, L et O."
            ),
            code,
        )
    if problem == pass_codes.CodeProblem.BAD_CHECK:
        return Refusal(
            Reason.BAD_CHECK_CHARACTER,
            _(
                "Code mal saisi : le dernier caractère ne correspond pas. Vérifiez chaque caractère."
            ),
            code,
        )
    return None


def pass_refusal(
    item: Pass, *, place: Place | None, service: Service | None, today: datetime.date
) -> Refusal | None:
    """The first rule `item` breaks (state first, then the sponsor's usage rules), or None."""
    order = item.order
    code = item.code
    if item.status == PassStatus.REDEEMED:
        return Refusal(Reason.ALREADY_REDEEMED, _("Ce pass a déjà été utilisé."), code)
    if item.status in (PassStatus.BLOCKED, PassStatus.REPLACED):
        return Refusal(
            Reason.BLOCKED,
            _("Ce pass est bloqué (perte, vol ou annulation). Il ne peut pas être utilisé."),
            code,
        )
    if item.status == PassStatus.EXPIRED or today > order.expires_on:
        return Refusal(
            Reason.EXPIRED,
            _("Ce pass a expiré le %(date)s.")
            % {"date": formats.date_format(order.expires_on, "SHORT_DATE_FORMAT")},
            code,
        )
    if item.status == PassStatus.INACTIVE:
        return Refusal(
            Reason.NOT_ACTIVE,
            _("Ce pass n'est pas encore activé : le commanditaire ne l'a pas encore payé."),
            code,
        )
    window = _time_window_refusal(order, today)
    if window:
        return Refusal(Reason.OUTSIDE_TIME_WINDOW, window, code)
    if place is not None:
        if order.has_perimeter and not _in_perimeter(order, place):
            return Refusal(
                Reason.OUTSIDE_PERIMETER,
                _(
                    "Ce pass n'est pas utilisable dans ce territoire (règle fixée par son financeur)."
                ),
                code,
            )
        if order.allowed_place_types and place.place_type not in order.allowed_place_types:
            return Refusal(
                Reason.PLACE_TYPE_NOT_ALLOWED,
                _(
                    "Ce pass n'est pas utilisable dans ce type de lieu (règle fixée par son financeur)."
                ),
                code,
            )
    if service is not None and not _service_allowed(order, service):
        return Refusal(
            Reason.SERVICE_NOT_ALLOWED,
            _("Ce pass ne peut pas payer ce service (règle fixée par son financeur)."),
            code,
        )
    return None


def already_redeemed_refusal(code: str, *, when: datetime.datetime, place: Place) -> Refusal:
    return Refusal(
        Reason.ALREADY_REDEEMED,
        _("Ce pass a déjà été utilisé le %(when)s à %(place)s (%(commune)s).")
        % {
            "when": formats.date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT"),
            "place": place.name,
            "commune": place.commune_name,
        },
        code,
    )


def place_refusal(place: Place) -> Refusal | None:
    if not place.is_qualified:
        return Refusal(
            Reason.PLACE_NOT_QUALIFIED,
            _("Ce lieu n'est pas qualifié : il ne peut pas accepter de pass pour le moment."),
        )
    return None


def offer_refusal(
    *, offers: Mapping[int, int], service: Service, price_cents: int | None
) -> Refusal | None:
    """The service must be one of the place's offers (`offers`: {service id: price in cents},
    `places.selectors.offer_prices`) and the price exactly the one it publishes, in cents. The
    offer's number of passes is indicative: how many passes pay is the face values' business
    (`quantity_refusal`). `price_cents` None: the service alone is checked."""
    offered = offers.get(service.pk)
    if offered is None:
        return Refusal(
            Reason.SERVICE_NOT_OFFERED,
            _(
                "Ce lieu ne propose pas le service « %(service)s » : ajoutez-le d'abord à l'offre "
                "du lieu pour pouvoir l'encaisser avec des pass."
            )
            % {"service": service.label},
        )
    if price_cents is not None and price_cents != offered:
        return Refusal(
            Reason.PRICE_NOT_OFFERED,
            _(
                "Le prix saisi (%(price)s) n'est pas celui que ce lieu affiche pour "
                "« %(service)s » (%(offered)s). Pour un autre prix, modifiez d'abord l'offre "
                "du lieu."
            )
            % {
                "price": format_euros(price_cents),
                "service": service.label,
                "offered": format_euros(offered),
            },
        )
    return None


def quantity_refusal(*, price_cents: int, faces: list[int]) -> Refusal | None:
    """Passes pay in whole units and no change is given: no pass may be left unused."""
    if faces and sum(faces) - min(faces) >= price_cents:
        return Refusal(
            Reason.TOO_MANY_PASSES,
            _(
                "Trop de pass pour ce prix : %(count)s pass de %(value)s pour un service à %(price)s. "
                "Rendez les pass en trop à la personne."
            )
            % {
                "count": len(faces),
                "value": format_euros(min(faces)),
                "price": format_euros(price_cents),
            },
        )
    return None


def _time_window_refusal(order: Order, today: datetime.date) -> str | None:
    if order.usable_from and today < order.usable_from:
        return _("Ce pass n'est utilisable qu'à partir du %(date)s.") % {
            "date": formats.date_format(order.usable_from, "SHORT_DATE_FORMAT")
        }
    if order.usable_until and today > order.usable_until:
        return _("Ce pass n'était utilisable que jusqu'au %(date)s.") % {
            "date": formats.date_format(order.usable_until, "SHORT_DATE_FORMAT")
        }
    return None


def allowed_places(order: Order) -> "QuerySet[Place]":
    """The qualified places where a pass of `order` may be used, as a queryset: the rules of
    `place_refusal` (qualified), `_in_perimeter`, the place types, and `_service_allowed` (the
    place offers at least one allowed active service) in SQL. `order` need not be saved: the
    order form counts the places its rules leave before anything is written. The test
    `test_allowed_places_agree_with_the_rules` holds both versions to the same answers."""
    from django.db.models import Exists, OuterRef, Q

    from passnum.places.enums import QualificationStatus
    from passnum.places.models import ServiceOffer

    places = Place.objects.filter(qualification_status=QualificationStatus.QUALIFIED)
    if order.has_perimeter:
        places = places.filter(
            Q(commune_code__in=order.perimeter_communes)
            | Q(epci_code__in=[code for code in order.perimeter_epcis if code])
            | Q(departement__in=order.perimeter_departements)
            | Q(region__in=order.perimeter_regions)
        )
    if order.allowed_place_types:
        places = places.filter(place_type__in=order.allowed_place_types)
    if order.allowed_services or order.allowed_families:
        places = places.filter(
            Exists(
                ServiceOffer.objects.filter(
                    Q(service__code__in=order.allowed_services)
                    | Q(service__family__code__in=order.allowed_families),
                    place=OuterRef("pk"),
                    service__is_active=True,
                )
            )
        )
    return places


def _in_perimeter(order: Order, place: Place) -> bool:
    return (
        place.commune_code in order.perimeter_communes
        or (bool(place.epci_code) and place.epci_code in order.perimeter_epcis)
        or place.departement in order.perimeter_departements
        or place.region in order.perimeter_regions
    )


def _service_allowed(order: Order, service: Service) -> bool:
    if not order.allowed_services and not order.allowed_families:
        return True
    return service.code in order.allowed_services or service.family.code in order.allowed_families


def service_allowed(order: Order, service: Service) -> bool:
    """The order's services and families allow `service` (the service check of `pass_refusal`;
    the cover letter lists a place's services with it)."""
    return _service_allowed(order, service)
