"""The journey's "places" and "offer" steps: the provider's places (points de présence) and the
services of the nomenclature each one offers. Once the file is qualified, a new place and its
offer are added here too, then submitted alone for review."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passnum.accounts.selectors import Acting
from passnum.catalogue.selectors import get_service
from passnum.core.exceptions import DomainError
from passnum.core.money import format_euros
from passnum.geography.selectors import communes_for_postcode
from passnum.places.enums import FileStatus
from passnum.places.models import Place, ProviderFile
from passnum.places.selectors import offer_of, place_of, places_of
from passnum.places.services import (
    create_place,
    remove_service_offer,
    set_service_offer,
    submit_place,
    update_place,
)
from passnum.places.services.place_review import IncompletePlace
from passnum.www.public import Catalogue
from passnum.www.qualification.common import (
    STATUS_BADGES,
    applicant_view,
    found,
    is_editable,
    is_place_editable,
    may_add_places,
    may_submit_place,
    practical_only,
    require_place_editable,
    stepper,
)
from passnum.www.qualification.forms import HOURS_EXAMPLE, OfferForm, PlaceForm


def _places_context(file: ProviderFile) -> dict[str, Any]:
    """What every page of the places and offer steps shows about the file."""
    return {
        "file": file,
        "per_place_review": file.status == FileStatus.QUALIFIED,
        "may_add_places": may_add_places(file),
    }


def _places_page(
    request: HttpRequest,
    acting: Acting,
    file: ProviderFile,
    *,
    error: str | None = None,
    missing: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "www/qualification/places.html",
        {
            **_places_context(file),
            "editable": is_editable(file),
            "stepper": stepper("places"),
            "places": [
                {
                    "place": place,
                    "badge": STATUS_BADGES.get(place.qualification_status, ""),
                    "editable": is_place_editable(file, place),
                    "submittable": may_submit_place(file, place),
                }
                for place in places_of(acting=acting).prefetch_related("offers")
            ],
            "error": error,
            "missing": missing or [],
        },
        status=status,
    )


@applicant_view
def places(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    return _places_page(request, acting, file)


def _initial(place: Place) -> dict[str, Any]:
    fields = [
        "name", "place_type", "address", "postcode", "commune_code", "commune_name",
        "departement", "region", "latitude", "longitude", "opening_hours", "presentation",
        "specific_support", "publics", "access_modes", "support_modes", "phone", "email",
        "website", "booking_url",
    ]  # fmt: skip
    initial = {name: getattr(place, name) for name in fields}
    initial["typed_commune_code"] = place.commune_code
    if place.location_approximate:  # the commune's centre, not a position anyone gave
        initial["latitude"] = initial["longitude"] = None
    return initial


def _place_page(
    request: HttpRequest, acting: Acting, file: ProviderFile, place: Place | None
) -> HttpResponse:
    form = PlaceForm(
        request.POST if request.method == "POST" else None,
        initial=_initial(place) if place else {},
        communes_for=communes_for_postcode,
        practical_only=practical_only(file, place),
    )
    if request.method == "POST" and form.is_valid():
        try:
            require_place_editable(file, place)
            fields = form.place_fields()
            if place is None:
                saved = create_place(acting=acting, **fields)
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
            **_places_context(file),
            "form": form,
            "place": place,
            "editable": is_place_editable(file, place),
            "practical_only": form.practical_only,
            "stepper": stepper("places"),
            "hours_example": HOURS_EXAMPLE,
            "transitions": place.transitions.select_related("actor") if place else [],
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
    return _place_page(request, acting, file, found(place_of, acting=acting, place_id=place_id))


@require_POST
@applicant_view
def place_submit(
    request: HttpRequest, acting: Acting, file: ProviderFile, place_id: int
) -> HttpResponse:
    """A place added after the qualification, sent for review alone."""
    place = found(place_of, acting=acting, place_id=place_id)
    try:
        submit_place(acting=acting, place=place)
    except IncompletePlace as exc:
        return _places_page(
            request,
            acting,
            file,
            error=_("« %(name)s » n'est pas envoyé : %(reason)s")
            % {"name": place.name, "reason": exc},
            missing=[
                {
                    "label": detail["message"],
                    "url": reverse(
                        "qualification:place_offers"
                        if detail["code"] == "offer"
                        else "qualification:place_edit",
                        args=[place.pk],
                    ),
                }
                for detail in exc.details
            ],
            status=400,
        )
    except DomainError as exc:
        return _places_page(request, acting, file, error=str(exc), status=400)
    messages.success(
        request,
        _(
            "« %(name)s » est soumis à l'examen. Vous recevrez un e-mail dès qu'une décision "
            "sera prise."
        )
        % {"name": place.name},
    )
    return redirect("qualification:places")


@applicant_view
def offers(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    return render(
        request,
        "www/qualification/offers.html",
        {
            **_places_context(file),
            "editable": is_editable(file),
            "stepper": stepper("offer"),
            "places": [
                {"place": place, "editable": is_place_editable(file, place)}
                for place in places_of(acting=acting).prefetch_related("offers__service")
            ],
        },
    )


@applicant_view
def place_offers(
    request: HttpRequest, acting: Acting, file: ProviderFile, place_id: int
) -> HttpResponse:
    """A place's offer: the services it gives, and a form to add one (or change its terms)."""
    place = found(place_of, acting=acting, place_id=place_id)
    form = OfferForm(
        request.POST if request.method == "POST" else None,
        services=Catalogue.load().services,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            require_place_editable(file, place)
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
            **_places_context(file),
            "form": form,
            "error": error,
            "place": place,
            "place_offers": [
                {"offer": offer, "price": format_euros(offer.price_cents)}
                for offer in place.offers.select_related("service__family")
            ],
            "editable": is_place_editable(file, place),
            "submittable": may_submit_place(file, place),
            "stepper": stepper("offer"),
        },
        status=400 if form.errors or error else 200,
    )


@require_POST
@applicant_view
def offer_remove(
    request: HttpRequest, acting: Acting, file: ProviderFile, offer_id: int
) -> HttpResponse:
    offer = found(offer_of, acting=acting, offer_id=offer_id)
    place = offer.place
    try:
        require_place_editable(file, place)
        remove_service_offer(acting=acting, offer=offer)
    except DomainError as exc:
        form = OfferForm(services=Catalogue.load().services)
        return _offers_page(request, file, place, form, error=str(exc))
    messages.success(
        request, _("« %(service)s » est retiré de l'offre.") % {"service": offer.service.label}
    )
    return redirect("qualification:place_offers", place_id=place.pk)
