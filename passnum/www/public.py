"""The public site: search of qualified places (list first, map as an enhancement) and a page per
place. No login; only qualified places are ever shown."""

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from passnum.catalogue.models import Service
from passnum.core.money import format_euros
from passnum.places.enums import AccessMode, Public, SpecificSupport, SupportMode
from passnum.places.search import (
    DEFAULT_RADIUS_KM,
    RADIUS_CHOICES_KM,
    PlaceFilters,
    places_geojson,
    public_place,
    search_places,
)


@dataclass(frozen=True)
class Catalogue:
    """The choices of the family and service selects, from one query."""

    families: list[tuple[str, str]]
    services: list[tuple[str, list[tuple[str, str]]]]  # grouped by family label

    @classmethod
    def load(cls) -> "Catalogue":
        families: dict[str, str] = {}
        grouped: dict[str, list[tuple[str, str]]] = {}
        services = (
            Service.objects.filter(is_active=True)
            .select_related("family")
            .order_by("family__name", "code")
        )
        for service in services:
            families[service.family.code] = service.family.label
            grouped.setdefault(service.family.label, []).append(
                (service.code, f"{service.label} ({service.code})")
            )
        return cls(families=list(families.items()), services=list(grouped.items()))


class PlaceSearchForm(forms.Form):
    """The GET parameters of the search; invalid ones are reported and ignored."""

    q = forms.CharField(
        label=gettext_lazy("Commune ou code postal"), required=False, max_length=100
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    radius = forms.TypedChoiceField(
        label=gettext_lazy("Distance maximale"),
        choices=[(km, f"{km} km") for km in RADIUS_CHOICES_KM],
        coerce=int,
        required=False,
        empty_value=None,
    )
    family = forms.ChoiceField(label=gettext_lazy("Thème"), required=False)
    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    public = forms.ChoiceField(
        label=gettext_lazy("Public accueilli"), required=False, choices=Public.choices
    )
    specific_support = forms.ChoiceField(
        label=gettext_lazy("Accessibilité, prise en charge spécifique"),
        required=False,
        choices=SpecificSupport.choices,
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, catalogue: Catalogue) -> None:
        super().__init__(data)
        self.fields["family"].choices = catalogue.families  # type: ignore[attr-defined]
        self.fields["service"].choices = catalogue.services  # type: ignore[attr-defined]

    def filters(self) -> PlaceFilters:
        """The valid criteria (call after `is_valid()`)."""
        data = self.cleaned_data
        latitude, longitude = data.get("lat"), data.get("lon")
        near = (latitude, longitude) if latitude is not None and longitude is not None else None
        return PlaceFilters(
            q=data.get("q") or "",
            near=near,
            radius_km=data.get("radius") or DEFAULT_RADIUS_KM,
            family=data.get("family") or "",
            service=data.get("service") or "",
            public=data.get("public") or "",
            specific_support=data.get("specific_support") or "",
            page=data.get("page") or 1,
        )


def _search_form(request: HttpRequest) -> PlaceSearchForm:
    form = PlaceSearchForm(request.GET, catalogue=Catalogue.load())
    form.is_valid()
    return form


def _map_settings() -> dict[str, str]:
    return {
        "tile_url": settings.PASSNUM_MAP_TILE_URL,
        "tile_attribution": settings.PASSNUM_MAP_TILE_ATTRIBUTION,
    }


@require_GET
def places(request: HttpRequest) -> HttpResponse:
    """Search form, results as a list (the primary result, works without JavaScript), map."""
    form = _search_form(request)
    filters = form.filters()
    result = search_places(filters)
    return render(
        request,
        "www/public/places.html",
        {
            "form": form,
            "filters": filters,
            "result": result,
            "searched": not filters.is_empty,
            "radius_choices": RADIUS_CHOICES_KM,
            **_map_settings(),
        },
    )


@require_GET
def places_map(request: HttpRequest) -> JsonResponse:
    """The same search as GeoJSON, for the map."""
    filters = _search_form(request).filters()
    return JsonResponse(places_geojson(filters), content_type="application/geo+json")


@require_GET
def place(request: HttpRequest, standard_id: UUID) -> HttpResponse:
    """A qualified place's public page; 404 for any other place."""
    found = public_place(standard_id=standard_id)
    if found is None:
        raise Http404
    return render(
        request,
        "www/public/place.html",
        {
            "place": found,
            "hours": opening_hours_in_french(found.opening_hours),
            "phone": format_phone(found.phone),
            "offers": [_offer_row(offer) for offer in found.offers.all()],
            "access_modes": _labels(AccessMode, found.access_modes),
            "support_modes": _labels(SupportMode, found.support_modes),
            "publics": _labels(Public, found.publics),
            "specific_support": _labels(SpecificSupport, found.specific_support),
        },
    )


def _labels(choices: Any, values: list[str]) -> list[str]:
    """The translated labels of the standard's strings (an unknown string is shown as is)."""
    known = dict(choices.choices)
    return [str(known.get(value, value)) for value in values]


def _offer_row(offer: Any) -> dict[str, Any]:
    return {
        "service": offer.service,
        "price": format_euros(offer.price_cents),
        "passes": offer.passes_needed,
        "duration": format_duration(offer.duration_minutes),
        "format": offer.get_format_display(),
        "capacity": offer.capacity,
    }


def format_phone(value: str) -> str:
    """'+33556123456' (the stored, national-standard form) → '05 56 12 34 56'; others as is."""
    if re.fullmatch(r"\+33\d{9}", value):
        digits = "0" + value[3:]
        return " ".join(digits[index : index + 2] for index in range(0, 10, 2))
    return value


def format_duration(minutes: int) -> str:
    """45 → '45 min', 60 → '1 h', 90 → '1 h 30'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}


# --- Opening hours: the common subset of the OpenStreetMap syntax, in plain French -------------

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = (
    gettext_lazy("lundi"),
    gettext_lazy("mardi"),
    gettext_lazy("mercredi"),
    gettext_lazy("jeudi"),
    gettext_lazy("vendredi"),
    gettext_lazy("samedi"),
    gettext_lazy("dimanche"),
)
_RULE_RE = re.compile(
    r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:[-,](?:Mo|Tu|We|Th|Fr|Sa|Su|PH))*)\s+(?P<times>.+)$"
)
_TIME_RANGE_RE = re.compile(r"^(?P<start>\d\d:\d\d)-(?P<end>\d\d:\d\d)$")
_TIME_RE = re.compile(r"^(?P<hour>[01]\d|2[0-4]):(?P<minute>[0-5]\d)$")


def opening_hours_in_french(value: str) -> list[str] | None:
    """'Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00' →
    ['Du lundi au vendredi : de 9 h à 12 h et de 14 h à 18 h', 'Le samedi : de 9 h à 12 h'].

    Covers rules `<days> <time ranges>`, `<days> off` and `<time ranges>` (every day), days as
    single days, ranges and lists (Mo-We,Fr), PH (public holidays) and 24/7. Anything else gives None: show the raw string.
    """
    text = value.strip()
    if not text:
        return None
    if text == "24/7":
        return [_("Ouvert 24 h sur 24, 7 jours sur 7")]
    lines = []
    for rule in (part.strip() for part in text.split(";")):
        if not rule:
            continue
        match = _RULE_RE.match(rule)
        if match is not None:
            days, hours = _describe_days(match["days"]), _describe_hours(match["times"].strip())
        else:  # times alone: every day
            days, hours = _("tous les jours"), _describe_hours(rule)
        if days is None or hours is None:
            return None
        line = _("%(days)s : %(hours)s")  # a no-break space, French style
        lines.append(capfirst(line % {"days": days, "hours": hours}))
    return lines or None


def _describe_days(spec: str) -> str | None:
    parts = []
    for item in spec.split(","):
        if item == "PH":
            parts.append(_("les jours fériés"))
            continue
        first, _dash, last = item.partition("-")
        if "PH" in (first, last):
            return None
        if not last:
            parts.append(_("le %(day)s") % {"day": DAY_NAMES[DAY_CODES.index(first)]})
            continue
        start, end = DAY_CODES.index(first), DAY_CODES.index(last)
        if end <= start:
            return None
        parts.append(
            _("du %(first)s au %(last)s") % {"first": DAY_NAMES[start], "last": DAY_NAMES[end]}
        )
    return _join(parts)


def _describe_hours(spec: str) -> str | None:
    if spec in {"off", "closed"}:
        return _("fermé")
    ranges = []
    for item in spec.split(","):
        match = _TIME_RANGE_RE.match(item.strip())
        if match is None:
            return None
        start, end = _describe_time(match["start"]), _describe_time(match["end"])
        if start is None or end is None or match["start"] >= match["end"]:
            return None
        ranges.append(_("de %(start)s à %(end)s") % {"start": start, "end": end})
    return _join(ranges)


def _describe_time(value: str) -> str | None:
    match = _TIME_RE.match(value)
    if match is None or (match["hour"] == "24" and match["minute"] != "00"):
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if minute:
        return _("%(hour)s h %(minute)02d") % {"hour": hour, "minute": minute}
    return _("%(hour)s h") % {"hour": hour}


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("%(items)s et %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}
