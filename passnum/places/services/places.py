from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import Organisation, User
from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service
from passnum.core.exceptions import Conflict, NotFound
from passnum.core.transitions import check_transition
from passnum.places.enums import (
    QUALIFICATION_TRANSITIONS,
    FileStatus,
    OfferFormat,
    PlaceType,
    QualificationStatus,
)
from passnum.places.models import Place, PlaceTransition, ProviderFile, ServiceOffer
from passnum.places.services.files import FileNotEditable
from passnum.places.validation import InvalidPlace, at_commune_centre, clean_place_fields

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


# What review looked at: once a place has been decided on, these stay as reviewed (the
# practical details — hours, contacts, publics, modalities, position on the map — and the offer
# remain the provider's to keep up to date).
REVIEWED_FIELDS = frozenset(
    {
        "name",
        "address",
        "postcode",
        "commune_name",
        "commune_code",
        "epci_code",
        "departement",
        "region",
        "place_type",
        "siret",
        "itinerant",
    }
)
DECIDED_STATUSES = (
    QualificationStatus.QUALIFIED,
    QualificationStatus.SUSPENDED,
    QualificationStatus.REJECTED,
)


class ReviewedFieldsLocked(Conflict):
    code = "reviewed_fields_locked"
    default_message = _(
        "Ce lieu a été examiné : son nom, son adresse, sa commune, son type et son SIRET ne se "
        "modifient plus (%(fields)s). Pour un nouveau lieu, ajoutez-le et soumettez-le à "
        "l'examen ; pour corriger ce lieu, écrivez à l'équipe d'examen."
    )


class LastOffer(Conflict):
    code = "last_offer"
    default_message = _(
        "Un lieu qualifié propose au moins un service : ajoutez-en un autre avant de retirer "
        "celui-ci."
    )


class PlaceNotEditable(Conflict):
    code = "place_not_editable"
    default_message = _(
        "Ce lieu est en cours d'examen : il ne peut pas être modifié avant la décision."
    )


def create_place(
    *,
    acting: Acting,
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
    """A new place of the acting provider, in draft; not while its file is under review (a
    place added once the file is qualified is then reviewed alone: `submit_place`).
    `details`: any other field of EDITABLE_FIELDS."""
    acting.require_kind(OrganisationKind.PROVIDER)
    fields = _checked_fields(
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
            _lock_open_file(acting.organisation)
            place = Place.objects.create(organisation=acting.organisation, **fields)
    except IntegrityError as exc:
        raise InvalidPlace(_("Ce SIRET est déjà enregistré pour un autre lieu.")) from exc
    return place


def import_place(
    *,
    acting: Acting,
    organisation: Organisation,
    source: str,
    source_id: str,
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
) -> tuple[Place, bool]:
    """Operator staff import a place of a provider from an outside source (the national
    standard's CSV): created in draft, or updated when that source already gave it.
    Returns the place and whether it was created."""
    acting.require_kind(OrganisationKind.OPERATOR)
    if organisation.kind != OrganisationKind.PROVIDER:
        raise WrongOrganisationKind()
    if not source or not source_id:
        raise InvalidPlace(_("Un lieu importé a une source et un identifiant à la source."))
    fields = _checked_fields(
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
            existing = (
                Place.objects.select_for_update().filter(source=source, source_id=source_id).first()
            )
            if existing is None:
                place = Place.objects.create(
                    organisation=organisation, source=source, source_id=source_id, **fields
                )
                return place, True
            if existing.organisation_id != organisation.pk:
                raise InvalidPlace(
                    _("Ce lieu a déjà été importé depuis cette source pour une autre structure.")
                )
            Place.objects.filter(pk=existing.pk).update(**fields)
    except IntegrityError as exc:
        raise InvalidPlace(_("Ce SIRET est déjà enregistré pour un autre lieu.")) from exc
    existing.refresh_from_db()
    return existing, False


def update_place(*, acting: Acting, place: Place, **changes: Any) -> Place:
    """A member of the place's organisation corrects its details (see `_lock_own_place`); once
    the place is decided on, only its practical details (not REVIEWED_FIELDS)."""
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    fields = _checked_fields(changes)
    try:
        with transaction.atomic():
            locked = _lock_own_place(acting, place)
            if locked.qualification_status in DECIDED_STATUSES:
                _refuse_reviewed_changes(locked, fields)
            _locate(locked, fields)
            Place.objects.filter(pk=locked.pk).update(**fields)
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
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    if not 1 <= price_cents <= 1_000_000:
        raise InvalidPlace(_("Le prix doit être compris entre 0,01 € et 10 000 €."))
    if not 1 <= passes_needed <= 50:
        raise InvalidPlace(_("Un service se paie avec 1 à 50 pass."))
    if not 5 <= duration_minutes <= 1440:
        raise InvalidPlace(_("La durée doit être comprise entre 5 minutes et 24 heures."))
    if format == OfferFormat.WORKSHOP and not (capacity and 2 <= capacity <= 100):
        raise InvalidPlace(_("Un atelier accueille de 2 à 100 personnes."))
    with transaction.atomic():
        locked = _lock_own_place(acting, place)
        offer, _created = ServiceOffer.objects.update_or_create(
            place=locked,
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
    """A service leaves a place's offer; a qualified place keeps at least one."""
    with transaction.atomic():
        locked = _lock_own_place(acting, offer.place)
        if (
            locked.qualification_status == QualificationStatus.QUALIFIED
            and not ServiceOffer.objects.filter(place=locked).exclude(pk=offer.pk).exists()
        ):
            raise LastOffer()
        offer.delete()


def change_place_qualification(
    *, actor: User, place: Place, to_status: QualificationStatus, reason: str = ""
) -> Place:
    """Move a place along the qualification workflow; refuses moves the table does not allow.

    Called by the file services (submission, review) and the per-place review services
    (place_review.py), which check who may do it.
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


def _refuse_reviewed_changes(place: Place, fields: dict[str, Any]) -> None:
    changed = sorted(
        name for name in REVIEWED_FIELDS & set(fields) if getattr(place, name) != fields[name]
    )
    if changed:
        labels = ", ".join(
            str(getattr(Place._meta.get_field(name), "verbose_name", name)) for name in changed
        )
        raise ReviewedFieldsLocked(fields=labels)


def _locate(place: Place, fields: dict[str, Any]) -> None:
    """A place whose position is cleared, or whose approximate position no longer matches its
    new commune, goes to the centre of its commune (clean_place_fields does it when the commune
    is among the changes)."""
    cleared = "latitude" in fields and fields["latitude"] is None
    if cleared and "commune_code" not in fields:
        at_commune_centre(fields, place.commune_code)
    elif "commune_code" in fields and "latitude" not in fields and place.location_approximate:
        at_commune_centre(fields, fields["commune_code"])


def _checked_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    return clean_place_fields(fields)


def _lock_open_file(organisation: Organisation | int) -> ProviderFile | None:
    """The organisation's file (if it has one), row-locked; refused while it is under review:
    reviewers decide on what they read."""
    file = ProviderFile.objects.select_for_update().filter(organisation=organisation).first()
    if file is not None and file.status == FileStatus.SUBMITTED:
        raise FileNotEditable()
    return file


def _lock_own_place(acting: Acting, place: Place) -> Place:
    """The place, row-locked (after its file: always in that order), if it is the acting
    organisation's and may change now: not while its file is under review, nor while the place
    is reviewed alone. A qualified provider may still update hours, contacts, offer."""
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    _lock_open_file(place.organisation_id)
    locked = Place.objects.select_for_update().get(pk=place.pk)
    if locked.qualification_status == QualificationStatus.SUBMITTED:
        raise PlaceNotEditable()
    return locked
