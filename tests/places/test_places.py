"""Who creates, imports and changes places: a provider its own, operator staff by import only."""

import io

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import NotFound
from passnum.places.enums import QualificationStatus
from passnum.places.models import Place
from passnum.places.services import (
    create_place,
    import_place,
    remove_service_offer,
    set_service_offer,
    update_place,
)
from passnum.places.services.places import LastOffer, ReviewedFieldsLocked
from passnum.places.standard import import_places
from passnum.places.validation import InvalidPlace
from tests.factories import OrganisationFactory, PlaceFactory, a_service, make_acting

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Espace Clic",
    "address": "2 rue Gambetta",
    "postcode": "33500",
    "commune_name": "Libourne",
    "commune_code": "33243",
    "departement": "33",
    "region": "75",
    "place_type": "epn",
}


def test_a_provider_creates_a_draft_place_of_its_own(provider):
    place = create_place(acting=provider, **FIELDS)
    assert place.organisation == provider.organisation
    assert place.qualification_status == QualificationStatus.DRAFT


@pytest.mark.parametrize(
    "kind",
    [
        OrganisationKind.OPERATOR,
        OrganisationKind.SPONSOR,
        OrganisationKind.DISTRIBUTOR,
        OrganisationKind.HUB,
    ],
)
def test_no_other_kind_of_organisation_creates_a_place(kind):
    with pytest.raises(WrongOrganisationKind):
        create_place(acting=make_acting(kind), **FIELDS)
    assert not Place.objects.exists()


def test_a_member_of_another_provider_never_changes_a_place(provider):
    place = PlaceFactory(organisation=provider.organisation)
    stranger = make_acting(OrganisationKind.PROVIDER)
    with pytest.raises(NotFound):
        update_place(acting=stranger, place=place, name="Volé")
    with pytest.raises(NotFound):
        set_service_offer(
            acting=stranger,
            place=place,
            service=a_service(),
            price_cents=1000,
            passes_needed=1,
            duration_minutes=60,
        )
    place.refresh_from_db()
    assert place.name != "Volé" and not place.offers.exists()


def test_operator_staff_import_a_place_for_a_provider_then_update_it(operator):
    organisation = OrganisationFactory(kind=OrganisationKind.PROVIDER)
    place, created = import_place(
        acting=operator, organisation=organisation, source="mednum", source_id="s-1", **FIELDS
    )
    assert created and place.organisation == organisation
    assert (place.source, place.source_id, place.qualification_status) == (
        "mednum",
        "s-1",
        QualificationStatus.DRAFT,
    )
    again, created = import_place(
        acting=operator,
        organisation=organisation,
        source="mednum",
        source_id="s-1",
        **{**FIELDS, "name": "Espace Clic (nouveau nom)"},
    )
    assert not created and again.pk == place.pk and again.name == "Espace Clic (nouveau nom)"
    other = OrganisationFactory(kind=OrganisationKind.PROVIDER)
    with pytest.raises(InvalidPlace, match="autre structure"):
        import_place(
            acting=operator, organisation=other, source="mednum", source_id="s-1", **FIELDS
        )


@pytest.mark.parametrize(
    "kind",
    [
        OrganisationKind.PROVIDER,
        OrganisationKind.SPONSOR,
        OrganisationKind.DISTRIBUTOR,
        OrganisationKind.HUB,
    ],
)
def test_only_operator_staff_import(kind):
    someone = make_acting(kind)
    organisation = OrganisationFactory(kind=OrganisationKind.PROVIDER)
    with pytest.raises(WrongOrganisationKind):
        import_place(acting=someone, organisation=organisation, source="x", source_id="1", **FIELDS)
    with pytest.raises(WrongOrganisationKind):
        import_places(acting=someone, stream=io.StringIO("id\n"), source="x")
    assert not Place.objects.exists()


def test_an_import_is_only_for_a_provider(operator):
    sponsor = OrganisationFactory(kind=OrganisationKind.SPONSOR)
    with pytest.raises(WrongOrganisationKind):
        import_place(acting=operator, organisation=sponsor, source="x", source_id="1", **FIELDS)
    assert not Place.objects.exists()


# --- After the decision: practical details and offer only ---------------------------------------


def test_a_qualified_place_keeps_up_its_hours_contacts_and_offer(provider):
    place = PlaceFactory(organisation=provider.organisation)
    update_place(
        acting=provider,
        place=place,
        opening_hours="Mo-Fr 10:00-17:00",
        phone="05 56 11 22 33",
        publics=["Seniors"],
        name=place.name,  # the same value: not a change
        address=place.address,
    )
    place.refresh_from_db()
    assert (place.opening_hours, place.phone) == ("Mo-Fr 10:00-17:00", "+33556112233")
    offer = set_service_offer(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=1500,
        passes_needed=2,
        duration_minutes=60,
    )
    assert offer.price_cents == 1500


@pytest.mark.parametrize(
    "status",
    [QualificationStatus.QUALIFIED, QualificationStatus.SUSPENDED, QualificationStatus.REJECTED],
)
@pytest.mark.parametrize(
    "change",
    [{"name": "Autre nom"}, {"address": "3 rue Neuve"}, {"place_type": "fablab"}],
)
def test_what_review_looked_at_stays_as_reviewed(provider, status, change):
    place = PlaceFactory(organisation=provider.organisation, qualification_status=status)
    with pytest.raises(ReviewedFieldsLocked) as refused:
        update_place(acting=provider, place=place, **change)
    assert refused.value.code == "reviewed_fields_locked"
    label = str(Place._meta.get_field(next(iter(change))).verbose_name)
    assert label in str(refused.value)
    assert Place.objects.get(pk=place.pk).name == place.name
    assert Place.objects.get(pk=place.pk).address == place.address


def test_a_place_to_correct_changes_everything(provider):
    place = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.DRAFT
    )
    update_place(acting=provider, place=place, name="Nouveau nom", address="3 rue Neuve")
    place.refresh_from_db()
    assert (place.name, place.address) == ("Nouveau nom", "3 rue Neuve")


def test_a_qualified_place_keeps_at_least_one_service(provider):
    place = PlaceFactory(organisation=provider.organisation)
    first, second = a_service(), a_service("smartphone")
    for service in (first, second):
        set_service_offer(
            acting=provider,
            place=place,
            service=service,
            price_cents=1000,
            passes_needed=1,
            duration_minutes=60,
        )
    offers = list(place.offers.order_by("pk"))
    remove_service_offer(acting=provider, offer=offers[0])
    with pytest.raises(LastOffer):
        remove_service_offer(acting=provider, offer=offers[1])
    assert place.offers.count() == 1
