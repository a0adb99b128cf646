"""A place given no position is placed at its commune's centre (data shipped in
geography/data/commune-centres-2026.json.gz), marked approximate: on the map, in "near me", on
its page; whether it comes by import or by the qualification form."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from passnum.geography.models import Commune
from passnum.places.models import Place
from passnum.places.search import PlaceFilters, places_geojson, search_places
from passnum.places.services import create_place, update_place
from passnum.places.standard import export_rows, import_places, public_places
from passnum.places.validation import InvalidPlace
from tests.factories import PlaceFactory
from tests.places.standard_csv import csv_text, line
from tests.www.test_pages import logged_in
from tests.www.test_qualification_pages import PLACE

pytestmark = pytest.mark.django_db

REIMS_CENTRE = (Decimal("49.25752"), Decimal("4.03185"))  # its town hall
BORDEAUX = {
    "name": "Espace Victoire",
    "address": "1 place de la Victoire",
    "postcode": "33000",
    "commune_name": "Bordeaux",
    "commune_code": "33063",
    "departement": "33",
    "region": "75",
    "place_type": "epn",
}


def test_every_commune_has_a_centre_in_its_territory():
    from passnum.places.validation import in_france

    communes = Commune.objects.values_list("departement_id", "latitude", "longitude")
    assert communes.count() == 34_920
    assert all(lat is not None and in_france(lat, lon, dep) for dep, lat, lon in communes)


def test_an_imported_line_without_coordinates_is_placed_at_its_commune_centre(operator):
    lines = [
        line(latitude="", longitude=""),
        line(id="paris-11", commune="Paris", code_postal="75011", code_insee="75111"),
    ]
    lines[1].update(latitude="", longitude="")
    report = import_places(acting=operator, stream=io.StringIO(csv_text(lines)), source="s")
    assert report.count("created") == 2
    reims = Place.objects.get(source_id="lieu-1")
    assert reims.location_approximate and (reims.latitude, reims.longitude) == REIMS_CENTRE
    paris = Place.objects.get(source_id="paris-11")  # the arrondissement's own centre
    assert paris.commune_code == "75056" and paris.location_approximate
    assert (paris.latitude, paris.longitude) == (Decimal("48.85850"), Decimal("2.37952"))
    again = import_places(
        acting=operator, stream=io.StringIO(csv_text([line(latitude="49.2", longitude="4.1")])),
        source="s",
    )  # fmt: skip
    assert again.count("updated") == 1
    reims.refresh_from_db()
    assert not reims.location_approximate and reims.latitude == Decimal("49.2")


def test_the_export_does_not_pass_a_commune_centre_off_as_a_position(provider):
    place = PlaceFactory(organisation=provider.organisation, latitude=None, longitude=None)
    assert place.location_approximate and place.latitude is not None
    (row,) = [row for row in export_rows(public_places()) if row["id"] == str(place.standard_id)]
    assert (row["latitude"], row["longitude"]) == ("", "")


def test_the_services_place_a_place_without_position_and_keep_a_given_one(provider):
    place = create_place(acting=provider, **BORDEAUX)
    assert place.location_approximate
    assert (place.latitude, place.longitude) == (Decimal("44.83802"), Decimal("-0.57964"))
    place = update_place(
        acting=provider, place=place, latitude=Decimal("44.84"), longitude=Decimal("-0.58")
    )
    assert not place.location_approximate and place.latitude == Decimal("44.84")
    place = update_place(acting=provider, place=place, latitude=None, longitude=None)
    assert place.location_approximate and place.latitude == Decimal("44.83802")
    moved = update_place(
        acting=provider,
        place=place,
        postcode="33400",
        commune_name="Talence",
        commune_code="33522",
    )
    assert moved.location_approximate and moved.latitude == Decimal("44.80863")


def test_the_services_refuse_a_position_outside_france_or_half_given(provider):
    with pytest.raises(InvalidPlace, match="hors de France métropolitaine"):
        create_place(
            acting=provider, **BORDEAUX, latitude=Decimal("-0.57"), longitude=Decimal("44.83")
        )
    with pytest.raises(InvalidPlace, match="latitude et la longitude"):
        create_place(acting=provider, **BORDEAUX, latitude=Decimal("44.83"))


def test_the_form_places_a_place_without_position_and_shows_it_blank(provider):
    client = logged_in(provider)
    assert (
        client.post(
            reverse("qualification:place_new"), {**PLACE, "commune_code": "33243"}
        ).status_code
        == 302
    )
    place = Place.objects.get(organisation=provider.organisation)
    assert place.location_approximate and place.latitude is not None  # Libourne's centre
    form = client.get(reverse("qualification:place_edit", args=[place.pk])).text
    assert f'value="{place.latitude}"' not in form and 'name="latitude"' in form
    with_position = {**PLACE, "commune_code": "33243", "latitude": "44.915", "longitude": "-0.244"}
    assert (
        client.post(reverse("qualification:place_edit", args=[place.pk]), with_position).status_code
        == 302
    )
    place.refresh_from_db()
    assert not place.location_approximate and place.latitude == Decimal("44.915000")
    outside = {**with_position, "latitude": "48.2", "longitude": "16.37"}  # Vienna
    response = client.post(reverse("qualification:place_edit", args=[place.pk]), outside)
    assert response.status_code == 400 and "Coordonnées hors de France" in response.text


def test_an_approximate_place_is_on_the_map_in_near_me_and_says_so_on_its_page(provider):
    place = PlaceFactory(organisation=provider.organisation, latitude=None, longitude=None)
    precise = PlaceFactory(organisation=provider.organisation, name="Précis")
    near = PlaceFilters(near=(44.8378, -0.5792), radius_km=5)
    assert place in search_places(near).places
    features = {f["properties"]["name"]: f for f in places_geojson(near)["features"]}
    assert features[place.name]["properties"]["approximate"] is True
    assert features[place.name]["geometry"]["coordinates"] == [-0.57964, 44.83802]
    assert features["Précis"]["properties"]["approximate"] is False
    page = Client().get(reverse("public_place", args=[place.standard_id])).text
    assert "Emplacement approximatif (centre de la commune)" in page
    other = Client().get(reverse("public_place", args=[precise.standard_id])).text
    assert "Emplacement approximatif" not in other


def test_the_migration_places_existing_places_without_position(provider):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection as default

    migration = import_module("passnum.places.migrations.0008_place_location_approximate")
    place = PlaceFactory(organisation=provider.organisation)
    Place.objects.filter(pk=place.pk).update(latitude=None, longitude=None)

    class Editor:
        connection = default

    migration.place_at_commune_centres(apps, Editor())
    place.refresh_from_db()
    assert place.location_approximate
    assert (place.latitude, place.longitude) == (Decimal("44.83802"), Decimal("-0.57964"))
