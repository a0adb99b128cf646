from decimal import Decimal

from django.db import transaction

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.accounts.models import Organisation, User
from passnum.core.transitions import check_transition
from passnum.places.enums import QUALIFICATION_TRANSITIONS, PlaceType, QualificationStatus
from passnum.places.models import Place, PlaceTransition


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
) -> Place:
    if organisation.kind != OrganisationKind.PROVIDER:
        raise WrongOrganisationKind()
    with transaction.atomic():
        place = Place.objects.create(
            organisation=organisation,
            name=name,
            address=address,
            postcode=postcode,
            commune_name=commune_name,
            commune_code=commune_code,
            departement=departement,
            region=region,
            place_type=place_type,
            epci_code=epci_code,
            siret=siret,
            latitude=latitude,
            longitude=longitude,
        )
    return place


def change_place_qualification(
    *, actor: User, place: Place, to_status: QualificationStatus, reason: str = ""
) -> Place:
    """Move a place along the qualification workflow; refuses moves the table does not allow."""
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
