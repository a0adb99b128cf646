"""Public search of places: every filter, accents and case, distance, pagination, only qualified
places, and a query budget. Runs on SQLite and PostgreSQL alike."""

from decimal import Decimal

import pytest

from passnum.places.enums import Public, QualificationStatus, SpecificSupport
from passnum.places.search import (
    PAGE_SIZE,
    PlaceFilters,
    haversine_km,
    normalise_name,
    places_geojson,
    public_place,
    search_places,
)
from passnum.places.services import change_place_qualification, set_service_offer
from tests.factories import PlaceFactory, a_service

pytestmark = pytest.mark.django_db

# (name, postcode, commune, INSEE code, département, région, latitude, longitude)
TOWNS = {
    "bordeaux": ("33000", "Bordeaux", "33063", "33", "75", "44.837800", "-0.579200"),
    "merignac": ("33700", "Mérignac", "33281", "33", "75", "44.838600", "-0.643600"),
    "libourne": ("33500", "Libourne", "33243", "33", "75", "44.915000", "-0.244000"),
    "saint-etienne": ("42000", "Saint-Étienne", "42218", "42", "84", "45.439700", "4.387200"),
    "lhay": ("94240", "L'Haÿ-les-Roses", "94038", "94", "11", "48.780000", "2.337500"),
    "coeuvres": ("02600", "Cœuvres-et-Valsery", "02201", "02", "32", "49.333000", "3.147000"),
}


def a_place(provider, town: str = "bordeaux", **fields):
    """A place of `provider` in one of TOWNS, qualified unless told otherwise (any status)."""
    postcode, commune, code, departement, region, latitude, longitude = TOWNS[town]
    values = {
        "postcode": postcode,
        "commune_name": commune,
        "commune_code": code,
        "departement": departement,
        "region": region,
        "latitude": Decimal(latitude),
        "longitude": Decimal(longitude),
        **fields,
    }
    status = values.pop("qualification_status", QualificationStatus.QUALIFIED)
    if status != QualificationStatus.CHANGES_REQUESTED:
        return PlaceFactory(
            organisation=provider.organisation, qualification_status=status, **values
        )
    # PlaceFactory has no path to changes_requested: submitted, then the transition
    place = PlaceFactory(
        organisation=provider.organisation,
        qualification_status=QualificationStatus.SUBMITTED,
        **values,
    )
    return change_place_qualification(actor=provider.user, place=place, to_status=status)


def offer(provider, place, service):
    return set_service_offer(
        acting=provider,
        place=place,
        service=service,
        price_cents=2000,
        passes_needed=2,
        duration_minutes=60,
    )


def names(result) -> list[str]:
    return [place.name for place in result.places]


def found(**criteria) -> list[str]:
    return names(search_places(PlaceFilters(**criteria)))


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("  Saint-Étienne ", "saint etienne"),
        ("L’HAŸ-LES-ROSES", "l hay les roses"),
        ("Cœuvres-et-Valsery", "coeuvres et valsery"),
        ("Bordeaux", "bordeaux"),
    ],
)
def test_normalise_name_folds_case_accents_ligatures_and_separators(typed, normalised):
    assert normalise_name(typed) == normalised


def test_a_five_digit_postcode_matches_exactly(provider):
    a_place(provider, "bordeaux", name="Bordeaux")
    a_place(provider, "merignac", name="Mérignac")
    assert found(q="33700") == ["Mérignac"]
    assert found(q=" 33 700 ") == ["Mérignac"]
    assert found(q="33701") == []


def test_two_digits_mean_the_departement(provider):
    for town in ("bordeaux", "merignac", "saint-etienne"):
        a_place(provider, town, name=town)
    assert found(q="33") == ["bordeaux", "merignac"]
    assert found(q="42") == ["saint-etienne"]


@pytest.mark.parametrize(
    ("town", "typed"),
    [
        ("saint-etienne", "saint-etienne"),
        ("saint-etienne", "SAINT ÉTIENNE"),
        ("saint-etienne", "  Saint   Etienne "),
        ("lhay", "l'hay les roses"),
        ("lhay", "L’Haÿ-les-Roses"),
        ("coeuvres", "COEUVRES ET VALSERY"),
        ("merignac", "merignac"),
    ],
)
def test_commune_name_ignores_case_accents_and_separators(provider, town, typed):
    a_place(provider, town, name="Here")
    a_place(provider, "bordeaux", name="Elsewhere")
    assert found(q=typed) == ["Here"]


def test_commune_name_must_be_the_whole_name(provider):
    a_place(provider, "saint-etienne", name="Here")
    assert found(q="Saint") == []


def test_near_keeps_the_radius_and_sorts_by_distance(provider):
    a_place(provider, "libourne", name="Libourne")
    a_place(provider, "merignac", name="Mérignac")
    a_place(provider, "bordeaux", name="Bordeaux")
    a_place(provider, "saint-etienne", name="Saint-Étienne")
    centre = (44.8378, -0.5792)
    result = search_places(PlaceFilters(near=centre, radius_km=10))
    assert names(result) == ["Bordeaux", "Mérignac"]
    assert result.count == 2
    distances = [place.distance_km for place in result.places]
    assert distances[0] == pytest.approx(0, abs=0.01)
    assert distances[1] == pytest.approx(5.1, abs=0.2)
    assert found(near=centre, radius_km=50) == ["Bordeaux", "Mérignac", "Libourne"]


def test_haversine_distance_paris_bordeaux():
    assert haversine_km((48.8566, 2.3522), (44.8378, -0.5792)) == pytest.approx(499, abs=2)


def test_near_finds_places_without_coordinates_at_their_commune_centre_and_combines_with_text(
    provider,
):
    a_place(provider, "bordeaux", name="Somewhere", latitude=None, longitude=None)
    a_place(provider, "merignac", name="Mérignac")
    a_place(provider, "bordeaux", name="Bordeaux")
    centre = (44.8378, -0.5792)
    # "Somewhere" is placed at Bordeaux's town hall (44.83802, -0.57964), 40 m away
    assert found(near=centre, radius_km=20) == ["Bordeaux", "Somewhere", "Mérignac"]
    assert found(near=centre, radius_km=20, q="33700") == ["Mérignac"]
    assert found(q="Bordeaux") == ["Bordeaux", "Somewhere"]


def test_family_and_service_filters(provider):
    paperwork, phone = a_service("demarches"), a_service("smartphone")
    both = a_place(provider, name="Both")
    offer(provider, both, paperwork)
    offer(provider, both, phone)
    offer(provider, a_place(provider, name="Paperwork"), paperwork)
    offer(provider, a_place(provider, name="Phone"), phone)
    a_place(provider, name="Nothing")
    assert found(family="demarches") == ["Both", "Paperwork"]
    assert found(service=phone.code) == ["Both", "Phone"]
    assert found(family="demarches", service=phone.code) == ["Both"]
    assert found(family="no-such-family") == []


def test_public_and_specific_support_filters(provider):
    a_place(
        provider,
        name="Seniors",
        publics=[Public.SENIORS, Public.WOMEN],
        specific_support=[SpecificSupport.DEAF],
    )
    a_place(provider, name="Students", publics=[Public.STUDENTS])
    a_place(provider, name="Everyone")
    assert found(public=Public.SENIORS) == ["Seniors"]
    assert found(public=Public.STUDENTS) == ["Students"]  # "Étudiants": non-ASCII in JSON
    assert found(specific_support=SpecificSupport.DEAF) == ["Seniors"]
    assert found(specific_support=SpecificSupport.VISUAL) == []
    assert found(public=Public.STUDENTS, specific_support=SpecificSupport.DEAF) == []


def test_family_and_public_combine(provider):
    paperwork = a_service("demarches")
    offer(provider, a_place(provider, name="Match", publics=[Public.SENIORS]), paperwork)
    offer(provider, a_place(provider, name="Wrong public", publics=[Public.YOUNG]), paperwork)
    a_place(provider, name="No offer", publics=[Public.SENIORS])
    assert found(family="demarches", public=Public.SENIORS) == ["Match"]


@pytest.mark.parametrize(
    "status", [status for status in QualificationStatus if status != QualificationStatus.QUALIFIED]
)
def test_places_not_qualified_are_never_returned(provider, status):
    # The offer first: a place under review cannot be changed.
    hidden = a_place(provider, name="Hidden", qualification_status=QualificationStatus.DRAFT)
    offer(provider, hidden, a_service("demarches"))
    S = QualificationStatus
    path = {
        S.DRAFT: [],
        S.SUBMITTED: [S.SUBMITTED],
        S.CHANGES_REQUESTED: [S.SUBMITTED, S.CHANGES_REQUESTED],
        S.REJECTED: [S.SUBMITTED, S.REJECTED],
        S.SUSPENDED: [S.SUBMITTED, S.QUALIFIED, S.SUSPENDED],
    }[status]
    for step in path:
        hidden = change_place_qualification(actor=provider.user, place=hidden, to_status=step)
    a_place(provider, name="Shown")
    centre = (44.8378, -0.5792)
    for criteria in (
        {},
        {"q": "Bordeaux"},
        {"q": "33000"},
        {"q": "33"},
        {"near": centre},
        {"family": "demarches"},
    ):
        assert "Hidden" not in found(**criteria), criteria
    geojson = places_geojson(PlaceFilters())
    assert [feature["properties"]["name"] for feature in geojson["features"]] == ["Shown"]
    assert public_place(standard_id=hidden.standard_id) is None


def test_pages_of_twenty_in_a_stable_order(provider):
    for _ in range(PAGE_SIZE + 5):
        a_place(provider, name="Same name")
    first = search_places(PlaceFilters(q="Bordeaux"))
    second = search_places(PlaceFilters(q="Bordeaux", page=2))
    assert (first.count, len(first), len(second)) == (25, 20, 5)
    ids = [place.pk for place in [*first.places, *second.places]]
    assert ids == sorted(ids)
    assert first.has_next and not second.has_next and second.num_pages == 2
    assert [place.pk for place in search_places(PlaceFilters(page=99)).places] == ids[20:]
    near = PlaceFilters(near=(44.8378, -0.5792), page=2)
    assert [place.pk for place in search_places(near).places] == ids[20:]


def test_a_search_costs_three_queries_whatever_the_page_holds(provider, django_assert_num_queries):
    services = [a_service("demarches"), a_service("smartphone")]
    for index in range(6):
        place = a_place(provider, name=f"Place {index}")
        for service in services:
            offer(provider, place, service)

    def read_everything(filters):
        result = search_places(filters)
        return [
            (place.name, offer.service.label, offer.service.family.label)
            for place in result.places
            for offer in place.offers.all()
        ]

    with django_assert_num_queries(3):
        assert len(read_everything(PlaceFilters(q="bordeaux", family="demarches"))) == 12
    with django_assert_num_queries(3):
        assert len(read_everything(PlaceFilters(near=(44.84, -0.58), public=""))) == 12
    with django_assert_num_queries(1):
        assert len(places_geojson(PlaceFilters(q="33"))["features"]) == 6
    with django_assert_num_queries(2):
        place = public_place(standard_id=place.standard_id)
        assert [offer.service.family.code for offer in place.offers.all()]


def test_geojson_is_capped_and_says_so(provider):
    for index in range(3):
        a_place(provider, name=f"Place {index}")
    capped = places_geojson(PlaceFilters(), limit=2)
    assert (len(capped["features"]), capped["count"], capped["truncated"]) == (2, 3, True)
    whole = places_geojson(PlaceFilters(near=(44.84, -0.58)))
    assert (len(whole["features"]), whole["count"], whole["truncated"]) == (3, 3, False)
