"""The public site: search of qualified places (list first, map as an enhancement) and a page per
place. No login; only qualified places are ever shown."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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
from passnum.places.wording import format_duration, format_phone, opening_hours_in_french


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
