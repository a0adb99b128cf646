"""Who creates, imports and changes places: a provider its own, operator staff by import only."""

import io

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import NotFound
from passnum.places.enums import QualificationStatus
from passnum.places.models import Place
from passnum.places.services import create_place, import_place, set_service_offer, update_place
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
