from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import Organisation, User
from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service
from passnum.core.exceptions import NotFound
from passnum.core.transitions import check_transition
from passnum.places.enums import (
    QUALIFICATION_TRANSITIONS,
    FileStatus,
    OfferFormat,
    PlaceType,
    QualificationStatus,
)
from passnum.places.models import Place, PlaceTransition, ServiceOffer
from passnum.places.validation import InvalidPlace, clean_place_fields

EDITABLE_FIELDS = {
    "name",
    "address",
    "postcode",
    "commune_name",
    "commune_code",
    "epci_code",
    "departement",
    "region",
    "latitude",
    "longitude",
    "place_type",
    "siret",
    "presentation",
    "opening_hours",
    "phone",
    "email",
    "website",
    "booking_url",
    "acceslibre_url",
    "itinerant",
    "publics",
    "specific_support",
    "access_modes",
    "support_modes",
}


def create_place(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    address: str,
    postcode: str,
    commune_name: str,
    commune_code: str,
    departement: str,
    region: str,
    place_type: PlaceType,
    epci_code: str = "",
    siret: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    **details: Any,
) -> Place:
    """A new place of a provider, in draft. `details`: any other field of EDITABLE_FIELDS."""
    if organisation.kind != OrganisationKind.PROVIDER:
        raise WrongOrganisationKind()
    unknown = set(details) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    fields = clean_place_fields(
        {
            "name": name,
            "address": address,
            "postcode": postcode,
            "commune_name": commune_name,
            "commune_code": commune_code,
            "departement": departement,
            "region": region,
            "place_type": place_type,
            "epci_code": epci_code,
            "siret": siret,
            "latitude": latitude,
            "longitude": longitude,
            **details,
        }
    )
    try:
        with transaction.atomic():
            place = Place.objects.create(organisation=organisation, **fields)
    except IntegrityError as exc:
        raise InvalidPlace(_("Ce SIRET est déjà enregistré pour un autre lieu.")) from exc
    return place


def update_place(*, acting: Acting, place: Place, **changes: Any) -> Place:
    """A member of the place's organisation corrects its details."""
    _require_owner(acting, place)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    fields = clean_place_fields(changes)
    try:
        with transaction.atomic():
            Place.objects.filter(pk=place.pk).update(**fields)
    except IntegrityError as exc:
        raise InvalidPlace(_("Ce SIRET est déjà enregistré pour un autre lieu.")) from exc
    place.refresh_from_db()
    return place


def set_service_offer(
    *,
    acting: Acting,
    place: Place,
    service: Service,
    price_cents: int,
    passes_needed: int,
    duration_minutes: int,
    format: OfferFormat = OfferFormat.INDIVIDUAL,
    capacity: int | None = None,
) -> ServiceOffer:
    """Add a service of the nomenclature to a place's offer, or change its terms."""
    _require_owner(acting, place)
    if not 1 <= price_cents <= 1_000_000:
        raise InvalidPlace(_("Le prix doit être compris entre 0,01 € et 10 000 €."))
    if not 1 <= passes_needed <= 50:
        raise InvalidPlace(_("Un service se paie avec 1 à 50 pass."))
    if not 5 <= duration_minutes <= 1440:
        raise InvalidPlace(_("La durée doit être comprise entre 5 minutes et 24 heures."))
    if format == OfferFormat.WORKSHOP and not (capacity and 2 <= capacity <= 100):
        raise InvalidPlace(_("Un atelier accueille de 2 à 100 personnes."))
    with transaction.atomic():
        offer, _created = ServiceOffer.objects.update_or_create(
            place=place,
            service=service,
            defaults={
                "price_cents": price_cents,
                "passes_needed": passes_needed,
                "duration_minutes": duration_minutes,
                "format": format,
                "capacity": capacity if format == OfferFormat.WORKSHOP else None,
            },
        )
    return offer


def remove_service_offer(*, acting: Acting, offer: ServiceOffer) -> None:
    _require_owner(acting, offer.place)
    with transaction.atomic():
        offer.delete()


def change_place_qualification(
    *, actor: User, place: Place, to_status: QualificationStatus, reason: str = ""
) -> Place:
    """Move a place along the qualification workflow; refuses moves the table does not allow.

    Called by the file services (submission, review) which check who may do it.
    """
    with transaction.atomic():
        locked = Place.objects.select_for_update().get(pk=place.pk)
        check_transition(
            QUALIFICATION_TRANSITIONS,
            current=locked.qualification_status,
            target=to_status,
            label=locked.name,
        )
        PlaceTransition.objects.create(
            place=locked,
            from_status=locked.qualification_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
        )
        locked.qualification_status = to_status
        locked.save(update_fields=["qualification_status"])
    return locked


def _require_owner(acting: Acting, place: Place) -> None:
    """The place is the acting organisation's, and its file is not under review (reviewers
    decide on what they read; a qualified provider may still update hours, contacts, offer)."""
    from passnum.places.models import ProviderFile
    from passnum.places.services.files import FileNotEditable

    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    if ProviderFile.objects.filter(
        organisation_id=place.organisation_id, status=FileStatus.SUBMITTED
    ).exists():
        raise FileNotEditable()
