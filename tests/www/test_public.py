"""The public site: search of places (list without JavaScript, GeoJSON for the map), the place
page, accessibility basics, no third-party script or stylesheet."""

from decimal import Decimal
from html.parser import HTMLParser
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse

from passnum.places.enums import (
    AccessMode,
    OfferFormat,
    Public,
    QualificationStatus,
    SpecificSupport,
    SupportMode,
)
from passnum.places.services import change_place_qualification, set_service_offer
from passnum.places.wording import format_duration, format_phone, opening_hours_in_french
from tests.factories import PlaceFactory, a_service

pytestmark = pytest.mark.django_db

SEARCH = "/lieux/"
GEOJSON = "/lieux/carte.geojson"
NBSP = "\u00a0"
SAINT_ETIENNE = {
    "postcode": "42000",
    "commune_name": "Saint-Étienne",
    "commune_code": "42218",
    "departement": "42",
    "region": "84",
}


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def page(path: str, **params) -> str:
    response = Client().get(path, params)
    assert response.status_code == 200
    return response.content.decode()


def listed(path: str, **params) -> str:
    """The list of results of a search page (empty when nothing is found)."""
    html = page(path, **params)
    if '<ul id="places-list"' not in html:
        return ""
    return html.split('<ul id="places-list"')[1].split("</ul>")[0]


def a_place(provider, **fields):
    """A place of `provider`; any qualification status (PlaceFactory lacks changes_requested)."""
    status = fields.pop("qualification_status", QualificationStatus.QUALIFIED)
    if status != QualificationStatus.CHANGES_REQUESTED:
        return PlaceFactory(
            organisation=provider.organisation, qualification_status=status, **fields
        )
    place = PlaceFactory(
        organisation=provider.organisation,
        qualification_status=QualificationStatus.SUBMITTED,
        **fields,
    )
    return change_place_qualification(actor=provider.user, place=place, to_status=status)


def offer(provider, place, family: str, **terms):
    terms = {"price_cents": 1000, "passes_needed": 1, "duration_minutes": 60, **terms}
    return set_service_offer(acting=provider, place=place, service=a_service(family), **terms)


NOT_QUALIFIED = [
    status for status in QualificationStatus if status != QualificationStatus.QUALIFIED
]


def test_search_page_is_public_and_lists_results_without_javascript(provider):
    a_place(provider, name="Médiathèque Mériadeck")
    a_place(provider, name="Ailleurs", **SAINT_ETIENNE)
    html = page(SEARCH, q="bordeaux")
    tags = Tags(html)
    assert "1 lieu trouvé" in html
    assert [attrs["id"] for attrs in tags.all("ul") if attrs.get("id")] == ["places-list"]
    listed = html.split('id="places-list"')[1].split("</ul>")[0]
    assert "<h3" in listed and "Médiathèque Mériadeck" in listed and "Ailleurs" not in listed
    assert "Accepte le pass numérique" in listed
    # the count is announced; the map and the geolocation button wait for JavaScript
    (count,) = [attrs for attrs in tags.all("p") if attrs.get("id") == "results-count"]
    assert count["role"] == "status" and count["aria-live"] == "polite"
    (section,) = [attrs for attrs in tags.all("div") if attrs.get("id") == "places-map-section"]
    assert "hidden" in section and section["data-geojson-url"] == f"{GEOJSON}?q=bordeaux"
    (group,) = [attrs for attrs in tags.all("div") if attrs.get("id") == "near-me-group"]
    assert "hidden" in group and "class" not in group  # no DSFR class to override `hidden`
    (button,) = [attrs for attrs in tags.all("button") if attrs.get("id") == "near-me"]
    assert button["type"] == "button"


def test_search_page_without_criteria_lists_every_qualified_place(provider):
    a_place(provider, name="Shown")
    a_place(provider, name="Draft", qualification_status=QualificationStatus.SUBMITTED)
    html = page(SEARCH)
    assert "Shown" in html and "Draft" not in html


def test_near_me_search_sorts_by_distance_and_shows_it_in_french(provider):
    a_place(provider, name="Loin", latitude=Decimal("44.9150"), longitude=Decimal("-0.2440"))
    a_place(provider, name="Près", latitude=Decimal("44.8386"), longitude=Decimal("-0.6436"))
    html = page(SEARCH, lat="44.8378", lon="-0.5792", radius="50")
    assert html.index("Près") < html.index("Loin")
    assert "à 5,1 km" in html
    assert "Lieux à moins de 50 km de votre position" in html
    tags = Tags(html)
    (lat,) = [attrs for attrs in tags.all("input") if attrs.get("name") == "lat"]
    assert lat["value"] == "44.8378"  # kept in the form: changing a filter keeps the position
    nearby = listed(SEARCH, lat="44.8378", lon="-0.5792", radius="20")
    assert "Près" in nearby and "Loin" not in nearby


def test_bad_parameters_are_reported_and_ignored(provider):
    a_place(provider, name="Still listed")
    html = page(SEARCH, lat="north", lon="-0.57", family="no-such-family", radius="7")
    assert "Certains critères n'ont pas été compris" in html
    assert "Still listed" in html


def test_filters_by_family_public_and_support_from_the_form(provider):
    offer(provider, a_place(provider, name="Seniors", publics=[Public.SENIORS]), "demarches")
    a_place(provider, name="Sourds", specific_support=[SpecificSupport.DEAF])
    assert "Seniors" in listed(SEARCH, family="demarches", public=Public.SENIORS)
    assert "Sourds" not in listed(SEARCH, family="demarches")
    found = listed(SEARCH, specific_support=SpecificSupport.DEAF)
    assert "Sourds" in found and "Seniors" not in found
    html = page(SEARCH, specific_support=SpecificSupport.DEAF)
    assert f'<option value="{SpecificSupport.DEAF}" selected>' in html


def test_pagination_keeps_the_criteria(provider):
    for _ in range(21):
        a_place(provider, name="Espace")
    html = page(SEARCH, q="33")
    assert "21 lieux trouvés" in html
    assert 'href="?q=33&amp;page=2"' in html
    assert page(SEARCH, q="33", page="2").count('class="fr-card ') == 1


def test_every_field_has_a_label():
    html = page(SEARCH)
    tags = Tags(html)
    labelled = {attrs["for"] for attrs in tags.all("label") if attrs.get("for")}
    fields = [
        attrs
        for tag, attrs in tags.tags
        if tag in {"input", "select", "textarea"}
        and attrs.get("type") not in {"hidden", "submit"}
        and "csrfmiddlewaretoken" not in attrs.get("name", "")
    ]
    assert {attrs["name"] for attrs in fields} >= {
        "q",
        "radius",
        "family",
        "service",
        "public",
        "specific_support",
    }
    for attrs in fields:
        assert attrs.get("id") in labelled, attrs


def test_scripts_and_stylesheets_are_ours_and_the_tile_url_is_a_setting(settings):
    settings.PASSNUM_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    tags = Tags(page(SEARCH))
    sources = [attrs["src"] for attrs in tags.all("script") if attrs.get("src")]
    sources += [attrs["href"] for attrs in tags.all("link") if attrs.get("href")]
    assert "/static/vendor/leaflet/leaflet.js" in sources
    assert "/static/passnum/places-map.js" in sources
    assert all(source.startswith("/static/") for source in sources), sources
    (section,) = [attrs for attrs in tags.all("div") if attrs.get("id") == "places-map-section"]
    assert section["data-tile-url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.PASSNUM_MAP_TILE_URL = ""
    (section,) = [a for a in Tags(page(SEARCH)).all("div") if a.get("id") == "places-map-section"]
    assert section["data-tile-url"] == ""


def test_geojson_has_the_same_matches_and_only_public_fields(provider):
    shown = a_place(provider, name="Shown", latitude=Decimal("44.83"), longitude=Decimal("-0.57"))
    a_place(provider, name="Other town", **SAINT_ETIENNE)
    a_place(provider, name="Draft", qualification_status=QualificationStatus.DRAFT)
    response = Client().get(GEOJSON, {"q": "33000", "page": "3"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert (collection["count"], collection["truncated"]) == (1, False)
    (feature,) = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.57, 44.83]}
    assert feature["properties"] == {
        "id": str(shown.standard_id),
        "name": "Shown",
        "commune": "Bordeaux",
        "url": reverse("public_place", args=[shown.standard_id]),
        "approximate": False,
    }
    assert "Shown" in page(feature["properties"]["url"])


def test_place_page_shows_the_offer_hours_access_and_the_badge(provider):
    place = a_place(
        provider,
        name="Espace Victoire",
        opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
        phone="05 56 12 34 56",
        email="accueil@victoire.example.org",
        booking_url="https://rdv.example.org/victoire",
        publics=[Public.SENIORS],
        specific_support=[SpecificSupport.VISUAL],
        access_modes=[AccessMode.WALK_IN, AccessMode.PHONE],
        support_modes=[SupportMode.WORKSHOP],
    )
    service = offer(
        provider,
        place,
        "demarches",
        price_cents=2000,
        passes_needed=2,
        duration_minutes=90,
        format=OfferFormat.WORKSHOP,
        capacity=8,
    ).service
    html = page(reverse("public_place", args=[place.standard_id]))
    tags = Tags(html)
    (badge,) = [attrs for attrs in tags.all("p") if attrs.get("id") == "accepts-pass"]
    assert "fr-badge" in badge["class"]
    assert "Accepte le pass numérique" in html
    assert "1 place de la Victoire" in html and "33000 Bordeaux" in html
    assert f"Du lundi au vendredi{NBSP}: de 9 h à 12 h et de 14 h à 18 h" in html
    assert "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00" in html  # as written too
    assert "05 56 12 34 56" in html and "mailto:accueil@victoire.example.org" in html
    for label in ("Seniors", "Déficience visuelle", "Téléphoner", "Dans un atelier collectif"):
        assert label in html
    row = html.split('<table id="offer"')[1].split("</table>")[0].split("<tbody>")[1]
    for cell in (service.name, f"20,00{NBSP}€", "<td>2</td>", "1 h 30", "Atelier collectif"):
        assert cell in row
    assert "8 places" in row


@pytest.mark.parametrize("status", NOT_QUALIFIED)
def test_place_page_is_404_unless_qualified(provider, status):
    place = a_place(provider, qualification_status=status)
    url = reverse("public_place", args=[place.standard_id])
    assert Client().get(url).status_code == 404
    assert Client().get(reverse("public_place", args=[uuid4()])).status_code == 404


def test_search_page_query_budget(provider, django_assert_max_num_queries):
    for index in range(5):
        place = a_place(provider, name=f"Espace {index}")
        for family in ("demarches", "smartphone"):
            offer(provider, place, family)
    with django_assert_max_num_queries(4):  # catalogue, count, page, offers
        assert page(SEARCH, q="Bordeaux").count('class="fr-card ') == 5


@pytest.mark.parametrize(
    ("osm", "french"),
    [
        (
            "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
            "Du lundi au vendredi : de 9 h à 12 h et de 14 h à 18 h | Le samedi : de 9 h à 12 h",
        ),
        ("Mo,We,Fr 08:30-12:00", "Le lundi, le mercredi et le vendredi : de 8 h 30 à 12 h"),
        (
            "Mo-We,Fr 10:00-17:00; PH off",
            "Du lundi au mercredi et le vendredi : de 10 h à 17 h | Les jours fériés : fermé",
        ),
        ("Tu 09:00-10:00, 11:00-12:00", "Le mardi : de 9 h à 10 h et de 11 h à 12 h"),
        (
            "Sa 09:00-10:00,11:00-12:00,14:00-15:00",
            "Le samedi : de 9 h à 10 h, de 11 h à 12 h et de 14 h à 15 h",
        ),
        ("Sa off", "Le samedi : fermé"),
        ("10:00-18:00", "Tous les jours : de 10 h à 18 h"),
        ("Mo-Su 18:00-24:00", "Du lundi au dimanche : de 18 h à 24 h"),
        ("24/7", "Ouvert 24 h sur 24, 7 jours sur 7"),
    ],
)
def test_opening_hours_in_plain_french(osm, french):
    lines = opening_hours_in_french(osm)
    assert " | ".join(lines).replace(NBSP, " ") == french
    assert all(f"{NBSP}:" in line for line in lines if ":" in line)  # French spacing


NOT_IN_THE_SUBSET = ["", 'Mo-Fr 09:00-12:00 "sur rendez-vous"', "Fr-Mo 09:00-12:00", "Mo 12:00-09:00",
                     "Mo-Fr 09:00-25:00", "Mo 24:30-25:00", "sunrise-sunset", "Jan-Mar Mo 10:00-12:00",
                     "Mo-PH 10:00-12:00"]  # fmt: skip


@pytest.mark.parametrize("osm", NOT_IN_THE_SUBSET)
def test_opening_hours_outside_the_common_subset_fall_back_to_the_raw_string(osm):
    assert opening_hours_in_french(osm) is None


def test_small_formatters():
    assert [format_duration(m) for m in (45, 60, 90, 125)] == ["45 min", "1 h", "1 h 30", "2 h 05"]
    assert format_phone("+33556123456") == "05 56 12 34 56"
    assert format_phone("+590590123456") == "+590590123456"
