"""The pass page, `/p/<code>`: the target of the QR code on every printed pass, also reached by
typing a code on the home page. For the person holding the pass, with no account: what it is
worth, until when, what it pays for in plain words, and the nearest places that accept it
(`passes/holder.py`, `passes/cover_letter.places_near`). Works without JavaScript (a commune or
postcode typed); with it, "près de moi" asks the browser for the position. Nothing is stored:
not the code, not the commune, not the position.

Reading codes is throttled per client address (PASSNUM_PASS_PAGE_CHECKS_PER_MINUTE), so the
page cannot be used to guess codes faster than the API allows.
"""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from passnum.core import signing
from passnum.core.exceptions import DomainError
from passnum.core.text import has_forbidden_characters
from passnum.core.throttle import Window, client_address
from passnum.geography.selectors import commune, search_communes
from passnum.passes.cover_letter import commune_centre, places_near
from passnum.passes.holder import HolderView, pass_for_holder

NEARBY = 8


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code du pass"),
        max_length=40,
        help_text=gettext_lazy(
            "Les 15 caractères imprimés sous le code-barres, par exemple ABCDE-23456-FGH7K."
        ),
    )


class NearForm(forms.Form):
    commune = forms.CharField(
        label=gettext_lazy("Votre commune ou votre code postal"),
        max_length=100,
        required=False,
    )
    insee = forms.RegexField(
        regex=r"^[0-9][0-9AB][0-9]{3}$", required=False, widget=forms.HiddenInput
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


def _seconds_to_wait(request: HttpRequest) -> int | None:
    """Counts one reading of a pass code by this client address; the seconds it must wait if
    it is over PASSNUM_PASS_PAGE_CHECKS_PER_MINUTE (the pass page, its map, its feedback)."""
    window = Window("pass-page", settings.PASSNUM_PASS_PAGE_CHECKS_PER_MINUTE)
    return window.hit(client_address(request))


def throttled(request: HttpRequest) -> HttpResponse | None:
    """The 429 page (with Retry-After) if this client read too many codes, else None."""
    wait = _seconds_to_wait(request)
    if not wait:
        return None
    response = render(request, "www/pass/too_many.html", {"seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The instance's public keys (RFC 7517): what checks the signed QR code of a pass."""
    response = JsonResponse(signing.jwks())
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@never_cache
def lookup(request: HttpRequest) -> HttpResponse:
    """The home page's form: `?code=…` → the pass page."""
    raw = request.GET.get("code", "").strip()
    if not raw or len(raw) > 40 or has_forbidden_characters(raw):
        return render(
            request,
            "www/pass/lookup.html",
            {"form": CodeForm(request.GET or None)},
            status=400 if request.GET else 200,
        )
    return redirect("pass_page", code=raw.replace(" ", ""))


@require_GET
@never_cache
def pass_page(request: HttpRequest, code: str) -> HttpResponse:
    refused = throttled(request)
    if refused:
        return refused
    found = pass_for_holder(code[:40])
    if isinstance(found, str):
        return render(
            request,
            "www/pass/unknown.html",
            {"message": found, "form": CodeForm(initial={"code": code[:40]})},
            status=404,
        )
    near_form = NearForm(request.GET or None)
    places, where, matches, error = _nearby(found, near_form)
    response = render(
        request,
        "www/pass/page.html",
        {
            "holder": found,
            "near_form": near_form,
            "places": places,
            "where": where,
            "matches": matches,
            "near_error": error,
            "page_url": reverse("pass_page", kwargs={"code": code}),
            "geojson_url": reverse("pass_places_geojson", kwargs={"code": code})
            + ("?" + request.GET.urlencode() if request.GET else ""),
            "tile_url": settings.PASSNUM_MAP_TILE_URL,
            "tile_attribution": settings.PASSNUM_MAP_TILE_ATTRIBUTION,
        },
        status=400 if error else 200,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@never_cache
def pass_places_geojson(request: HttpRequest, code: str) -> JsonResponse:
    """The places the pass page lists, as GeoJSON for its map (the same search, the same
    throttle: the map's request counts as a reading of the code)."""
    wait = _seconds_to_wait(request)
    if wait:
        response = JsonResponse({"type": "FeatureCollection", "features": []}, status=429)
        response["Retry-After"] = str(wait)
        return response
    found = pass_for_holder(code[:40])
    if isinstance(found, str):
        return JsonResponse({"type": "FeatureCollection", "features": []}, status=404)
    places, _where, _matches, _error = _nearby(found, NearForm(request.GET or None))
    features = [
        {
            "type": "Feature",
            "id": str(near.place.standard_id),
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round(float(near.place.longitude), 6),
                    round(float(near.place.latitude), 6),
                ],
            },
            "properties": {
                "id": str(near.place.standard_id),
                "name": near.place.name,
                "commune": near.place.commune_name,
                "url": reverse("public_place", args=[near.place.standard_id]),
            },
        }
        for near in places
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
    )


def _nearby(holder: HolderView, form: NearForm):
    """(places, where they were searched around, other communes matching, error)."""
    if not holder.usable or not form.is_bound or not form.is_valid():
        return [], "", [], ""
    data = form.cleaned_data
    try:
        if data.get("lat") is not None and data.get("lon") is not None:
            centre = (data["lat"], data["lon"])
            return (
                places_near(order=holder.order, centre=centre, limit=NEARBY),
                _("près de vous"),
                [],
                "",
            )
        if data.get("insee"):
            chosen = commune(data["insee"])
            places = places_near(order=holder.order, centre=commune_centre(chosen), limit=NEARBY)
            return places, chosen.name, [], ""
        text = (data.get("commune") or "").strip()
        if not text:
            return [], "", [], ""
        if has_forbidden_characters(text):
            return [], "", [], _("Indiquez une commune ou un code postal.")
        matches = search_communes(text, limit=6)
        if not matches:
            return (
                [],
                "",
                [],
                _("Aucune commune ne correspond : vérifiez l'orthographe ou le code postal."),
            )
        chosen = matches[0]
        places = places_near(order=holder.order, centre=commune_centre(chosen), limit=NEARBY)
        return places, chosen.name, matches[1:], ""
    except DomainError as exc:
        return [], "", [], str(exc)
