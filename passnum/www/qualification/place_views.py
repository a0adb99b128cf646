"""The journey's "places" and "offer" steps: the provider's places (points de présence) and the
services of the nomenclature each one offers."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passnum.accounts.selectors import Acting
from passnum.catalogue.selectors import get_service
from passnum.core.exceptions import DomainError, NotFound
from passnum.core.money import format_euros
from passnum.geography.selectors import communes_for_postcode
from passnum.places.models import Place, ProviderFile
from passnum.places.selectors import place_of, places_of
from passnum.places.services import (
    create_place,
    remove_service_offer,
    set_service_offer,
    update_place,
)
from passnum.www.public import Catalogue
from passnum.www.qualification.common import (
    applicant_view,
    is_editable,
    offer_of,
    require_editable,
    stepper,
)
from passnum.www.qualification.forms import HOURS_EXAMPLE, OfferForm, PlaceForm


def _owned_place(acting: Acting, place_id: int) -> Place:
    try:
        return place_of(acting=acting, place_id=place_id)
    except NotFound as exc:
        raise Http404 from exc


@applicant_view
def places(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    return render(
        request,
        "www/qualification/places.html",
        {
            "file": file,
            "editable": is_editable(file),
            "stepper": stepper("places"),
            "places": places_of(acting=acting).prefetch_related("offers"),
        },
    )


def _initial(place: Place) -> dict[str, Any]:
    fields = [
        "name", "place_type", "address", "postcode", "commune_code", "commune_name",
        "departement", "region", "latitude", "longitude", "opening_hours", "presentation",
        "specific_support", "publics", "access_modes", "support_modes", "phone", "email",
        "website", "booking_url",
    ]  # fmt: skip
    initial = {name: getattr(place, name) for name in fields}
    initial["typed_commune_code"] = place.commune_code
    return initial


def _place_page(
    request: HttpRequest, acting: Acting, file: ProviderFile, place: Place | None
) -> HttpResponse:
    form = PlaceForm(
        request.POST if request.method == "POST" else None,
        initial=_initial(place) if place else {},
        communes_for=communes_for_postcode,
    )
    if request.method == "POST" and form.is_valid():
        try:
            require_editable(file)
            fields = form.place_fields()
            if place is None:
                saved = create_place(actor=acting.user, organisation=acting.organisation, **fields)
            else:
                saved = update_place(acting=acting, place=place, **fields)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Lieu « %(name)s » enregistré.") % {"name": saved.name})
            return redirect("qualification:places")
    return render(
        request,
        "www/qualification/place_form.html",
        {
            "form": form,
            "place": place,
            "file": file,
            "editable": is_editable(file),
            "stepper": stepper("places"),
            "hours_example": HOURS_EXAMPLE,
        },
        status=400 if form.errors else 200,
    )


@applicant_view
def place_new(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    return _place_page(request, acting, file, None)


@applicant_view
def place_edit(
    request: HttpRequest, acting: Acting, file: ProviderFile, place_id: int
) -> HttpResponse:
    return _place_page(request, acting, file, _owned_place(acting, place_id))


@applicant_view
def offers(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    return render(
        request,
        "www/qualification/offers.html",
        {
            "file": file,
            "editable": is_editable(file),
            "stepper": stepper("offer"),
            "places": places_of(acting=acting).prefetch_related("offers__service"),
        },
    )


@applicant_view
def place_offers(
    request: HttpRequest, acting: Acting, file: ProviderFile, place_id: int
) -> HttpResponse:
    """A place's offer: the services it gives, and a form to add one (or change its terms)."""
    place = _owned_place(acting, place_id)
    form = OfferForm(
        request.POST if request.method == "POST" else None,
        services=Catalogue.load().services,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            require_editable(file)
            offer = set_service_offer(
                acting=acting,
                place=place,
                service=get_service(code=data["service"]),
                price_cents=form.price_cents(),
                passes_needed=data["passes_needed"],
                duration_minutes=data["duration_minutes"],
                format=data["format"],
                capacity=data["capacity"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("« %(service)s » est dans l'offre de %(place)s.")
                % {"service": offer.service.label, "place": place.name},
            )
            return redirect("qualification:place_offers", place_id=place.pk)
    return _offers_page(request, file, place, form)


def _offers_page(
    request: HttpRequest,
    file: ProviderFile,
    place: Place,
    form: OfferForm,
    error: str | None = None,
) -> HttpResponse:
    return render(
        request,
        "www/qualification/place_offers.html",
        {
            "form": form,
            "error": error,
            "place": place,
            "place_offers": [
                {"offer": offer, "price": format_euros(offer.price_cents)}
                for offer in place.offers.select_related("service__family")
            ],
            "file": file,
            "editable": is_editable(file),
            "stepper": stepper("offer"),
        },
        status=400 if form.errors or error else 200,
    )


@require_POST
@applicant_view
def offer_remove(
    request: HttpRequest, acting: Acting, file: ProviderFile, offer_id: int
) -> HttpResponse:
    offer = offer_of(acting=acting, offer_id=offer_id)
    place = offer.place
    try:
        require_editable(file)
        remove_service_offer(acting=acting, offer=offer)
    except DomainError as exc:
        form = OfferForm(services=Catalogue.load().services)
        return _offers_page(request, file, place, form, error=str(exc))
    messages.success(
        request, _("« %(service)s » est retiré de l'offre.") % {"service": offer.service.label}
    )
    return redirect("qualification:place_offers", place_id=place.pk)
