"""The pass page (/p/<code>), for the person holding the pass: no account, nothing personal,
what it is worth and where to use it; wrong codes answered plainly; code reading throttled."""

import datetime
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnum.passes import codes as pass_codes
from passnum.passes.distribution import NextInStock, assign_booklets, record_handout
from passnum.passes.services import block_passes
from tests.factories import a_service, make_distributor, make_order, offer, passes_of
from tests.redemptions.test_redeem import redeem

pytestmark = pytest.mark.django_db


def page(code: str, client: Client | None = None, **params):
    return (client or Client()).get(reverse("pass_page", kwargs={"code": code}), params)


def state_of(response) -> str:
    text = response.text
    start = text.index('data-state="') + len('data-state="')
    return text[start : text.index('"', start)]


@pytest.fixture
def order(sponsor, operator):
    return make_order(sponsor=sponsor, operator=operator, quantity=20)


def test_a_usable_pass_with_the_nearest_places_that_accept_it(order, place):
    offer(place, service=a_service(), price_cents=1000)
    item = passes_of(order)[0]
    response = page(pass_codes.display(item.code), commune="Bordeaux")
    assert response.status_code == 200 and state_of(response) == "usable"
    text = response.text
    assert "Votre pass numérique de 10,00" in text
    assert pass_codes.display(item.code) in text
    assert "Dans le carnet de ce pass, 10 pass sont encore utilisables." in text
    assert 'id="places"' in text and place.name in text
    assert a_service().label in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_map_reads_the_same_places_as_geojson(order, place):
    offer(place)
    code = passes_of(order)[0].code
    page_of_places = Client().get(reverse("pass_page", kwargs={"code": code}), {"commune": "33000"})
    page_text = page_of_places.text
    assert 'id="places-map-section"' in page_text
    url = reverse("pass_places_geojson", kwargs={"code": code})
    assert f'data-geojson-url="{url}?commune=33000"' in page_text
    collection = Client().get(url, {"commune": "33000"}).json()
    assert [f["properties"]["name"] for f in collection["features"]] == [place.name]
    assert Client().get(reverse("pass_places_geojson", kwargs={"code": "ABC"})).status_code == 404


def test_near_me_by_position_and_by_postcode(order, place):
    offer(place)
    code = passes_of(order)[0].code
    by_position = page(code, lat="44.84", lon="-0.58").text
    assert place.name in by_position and "près de vous" in by_position
    assert place.name in page(code, commune="33000").text
    refused = page(code, commune="Zzzzzzzz")
    assert refused.status_code == 400 and "Aucune commune ne correspond" in refused.text


def test_a_place_the_rules_exclude_is_not_listed(sponsor, operator, place):
    from passnum.orders.services import UsageRules

    order = make_order(sponsor=sponsor, operator=operator, rules=UsageRules(departements=["75"]))
    offer(place)
    response = page(passes_of(order)[0].code, commune="Bordeaux")
    assert place.name not in response.text and 'id="places-none"' in response.text


def test_states_in_plain_words(sponsor, operator, provider, place):
    paid = make_order(sponsor=sponsor, operator=operator, quantity=10)
    unpaid = make_order(sponsor=sponsor, operator=operator, quantity=10, paid=False)
    used, blocked, fresh = passes_of(paid)[:3]
    redeem(provider, place, [used])
    block_passes(
        acting=sponsor, serial_first=blocked.serial, serial_last=blocked.serial, reason="vol"
    )
    assert state_of(page(used.code)) == "used"
    assert "Dans le carnet de ce pass, 8 pass sont encore utilisables." in page(fresh.code).text
    assert state_of(page(blocked.code)) == "blocked"
    inactive = page(passes_of(unpaid)[0].code)
    assert state_of(inactive) == "inactive" and 'id="near-form"' not in inactive.text
    later = datetime.datetime.combine(
        paid.expires_on + datetime.timedelta(days=1),
        datetime.time(12),
        tzinfo=timezone.get_current_timezone(),
    )
    with time_machine.travel(later, tick=False):
        assert state_of(page(fresh.code)) == "expired"


def test_nothing_personal_is_shown(sponsor, operator, order, provider, place):
    distributor = make_distributor(sponsor)
    assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=NextInStock(1)
    )
    first = passes_of(order)[0]
    record_handout(
        acting=distributor,
        booklet_number=first.booklet.number,
        handed_out_on=timezone.localdate(),
        public="senior",
        reference="DOSSIER-4242",
    )
    redeem(provider, place, [first])
    text = page(passes_of(order)[1].code).text + page(first.code).text
    for personal in ("DOSSIER-4242", distributor.organisation.name, place.name):
        assert personal not in text


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("ABC", 404, "Ce code n'est pas lisible"),
        ("IIIII-IIIII-IIIII", 404, "Ce code n'est pas lisible"),
        ("%00%00", 400, None),  # refused before the view (core request hygiene)
    ],
)
def test_unreadable_codes(code, status, message):
    response = Client().get(f"/p/{code}")
    assert response.status_code == status
    if message:
        assert message in unescape(response.text)


def test_a_typo_and_an_unknown_code(order):
    code = passes_of(order)[0].code
    wrong_check = code[:-1] + ("2" if code[-1] != "2" else "3")
    assert "erreur de frappe" in unescape(page(wrong_check).text)
    body = code[:14]
    other = next(
        body[:-1] + char + pass_codes.check_character(body[:-1] + char)
        for char in "23456789"
        if body[:-1] + char + pass_codes.check_character(body[:-1] + char) != code
    )
    response = page(other)
    assert response.status_code == 404 and "Aucun pass ne porte ce code" in response.text


def test_the_home_page_form_leads_to_the_pass(order):
    code = passes_of(order)[0].code
    home = Client().get("/").text
    assert reverse("pass_lookup") in home
    response = Client().get(
        reverse("pass_lookup"), {"code": f" {pass_codes.display(code).lower()} "}
    )
    assert response.status_code == 302
    assert Client().get(response.url).status_code == 200
    assert Client().get(reverse("pass_lookup"), {"code": "x\x00y"}).status_code == 400


def test_reading_codes_is_throttled_per_address(order, settings):
    settings.PASSNUM_PASS_PAGE_CHECKS_PER_MINUTE = 3
    code = passes_of(order)[0].code
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert page(code, client).status_code == 200
    refused = page(code, client)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert page(code, Client(REMOTE_ADDR="198.51.100.8")).status_code == 200


def test_in_english(order):
    client = Client(headers={"accept-language": "en"})
    client.cookies["django_language"] = "en"
    text = page(passes_of(order)[0].code, client).text
    assert "This pass can be used until" in text
