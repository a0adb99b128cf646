"""An order's usage rules (fléchage) in one plain French sentence, for the printed passes."""

import datetime
from collections.abc import Iterable, Mapping

from django.utils import formats
from django.utils.translation import gettext as _

from passnum.catalogue.models import Service, ServiceFamily
from passnum.geography.models import Commune, Departement, Epci, Region
from passnum.orders.enums import TargetPublic
from passnum.orders.models import Order
from passnum.places.enums import PlaceType

# Past this many named services, the sentence counts them instead of naming them.
MAX_NAMED_SERVICES = 3
_PUBLICS = set(TargetPublic.values)
_PLACE_TYPES = set(PlaceType.values)


def rules_in_words(order: Order) -> str:
    """E.g. « Utilisable dans les lieux qualifiés de Gironde (33), pour : Découvrir les enjeux
    du numérique du 01/03/2027 au 30/06/2027. Public visé : Senior. »"""
    places = _places(order)
    services = _services(order)
    if services:
        sentence = _("Utilisable dans %(places)s, pour : %(services)s") % {
            "places": places,
            "services": services,
        }
    else:
        sentence = _(
            "Utilisable dans %(places)s, pour tous les services de médiation numérique"
        ) % {"places": places}
    if order.usable_from and order.usable_until:
        sentence += " " + _("du %(start)s au %(end)s") % {
            "start": _date(order.usable_from),
            "end": _date(order.usable_until),
        }
    elif order.usable_from:
        sentence += " " + _("à partir du %(start)s") % {"start": _date(order.usable_from)}
    elif order.usable_until:
        sentence += " " + _("jusqu'au %(end)s") % {"end": _date(order.usable_until)}
    sentence += "."
    publics = []
    if TargetPublic.ALL not in order.target_publics:
        publics = [str(TargetPublic(p).label) for p in order.target_publics if p in _PUBLICS]
    if publics:
        sentence += " " + _("Public visé : %(publics)s.") % {"publics": _join(publics)}
    return sentence


def _places(order: Order) -> str:
    names = [
        *_named(Region.objects.filter(code__in=order.perimeter_regions), order.perimeter_regions),
        *(
            f"{name} ({code})"
            for code, name in _named_by_code(
                Departement.objects.filter(code__in=order.perimeter_departements),
                order.perimeter_departements,
            ).items()
        ),
        *_named(Epci.objects.filter(siren__in=order.perimeter_epcis), order.perimeter_epcis),
        *_named(
            Commune.objects.filter(code__in=order.perimeter_communes), order.perimeter_communes
        ),
    ]
    types = [str(PlaceType(t).label) for t in order.allowed_place_types if t in _PLACE_TYPES]
    if names:
        text = _("les lieux qualifiés de %(perimeter)s") % {"perimeter": _join(names)}
    else:
        text = _("tous les lieux qualifiés")
    if types:
        text += " " + _("(%(types)s)") % {"types": _join(types, _("ou"))}
    return text


def _services(order: Order) -> str:
    """The allowed families and services, "" when every service is allowed."""
    families = list(
        ServiceFamily.objects.filter(code__in=order.allowed_families)
        .order_by("name")
        .values_list("name", flat=True)
    )
    services = list(
        Service.objects.filter(code__in=order.allowed_services)
        .order_by("level", "code")
        .values_list("name", flat=True)
    )
    if len(services) > MAX_NAMED_SERVICES:
        services = [_("%(count)s services choisis") % {"count": len(services)}]
    return _join([*families, *services])


def _named(queryset: Iterable, codes: list[str]) -> list[str]:
    return list(_named_by_code(queryset, codes).values())


def _named_by_code(queryset: Iterable, codes: list[str]) -> Mapping[str, str]:
    """{code: name} in the order of `codes`; a code unknown to the geography stays as it is."""
    found = {obj.pk: obj.name for obj in queryset}
    return {code: found.get(code, code) for code in codes}


def _join(items: list[str], last: str | None = None) -> str:
    last = last if last is not None else _("et")
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")
