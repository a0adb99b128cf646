"""The pass page in a real browser: what the person holding a pass sees after scanning its QR
code — accessible (axe, desktop and 320 px), and usable without JavaScript."""

import pytest
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.passes import codes as pass_codes
from tests.browser.test_accessibility import (
    assert_accessible,
    audit,
    only_live_server,
    qualified_places_with_offers,
)
from tests.factories import make_acting, make_order, passes_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def pass_code() -> str:
    sponsor = make_acting(OrganisationKind.SPONSOR)
    operator = make_acting(OrganisationKind.OPERATOR)
    order = make_order(sponsor=sponsor, operator=operator, quantity=10)
    return pass_codes.display(passes_of(order)[0].code)


def test_the_pass_page_is_accessible(page: Page, live_server, pass_code):
    only_live_server(page, live_server)
    places = qualified_places_with_offers(2)
    violations = []
    page.goto("/")
    page.get_by_label("Code du pass").fill(pass_code.lower())
    page.get_by_role("button", name="Voir le pass").click()
    expect(page.locator("#pass-state")).to_have_attribute("data-state", "usable")
    violations += audit(page, "pass page")
    page.get_by_label("Votre commune ou votre code postal").fill("Bordeaux")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#places > li")).to_have_count(len(places))
    expect(page.locator("#places-map .leaflet-marker-icon")).to_have_count(len(places))
    violations += audit(page, "pass page with places")
    page.goto("/p/ABCDE-23456-FGH7K")
    expect(page.locator("#pass-problem")).to_be_visible()
    violations += audit(page, "unknown pass")
    assert_accessible(violations)


def test_the_pass_page_works_without_javascript(browser, live_server, pass_code):
    qualified_places_with_offers(1)
    context = browser.new_context(
        locale="fr-FR", base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(f"/p/{pass_code}")
        expect(page.locator("h1")).to_contain_text("Votre pass numérique de 10,00")
        expect(page.get_by_role("button", name="Près de moi")).to_be_hidden()
        page.get_by_label("Votre commune ou votre code postal").fill("33000")
        page.get_by_role("button", name="Chercher").click()
        expect(page.locator("#places > li")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_feedback_from_the_pass_page(page: Page, live_server):
    """After a service, the person opens the pass page (its QR) and gives feedback: three
    questions, no account; accessible at desktop width and 320 px."""
    from passnum.feedback.models import Feedback
    from tests.factories import offer
    from tests.redemptions.test_redeem import redeem

    only_live_server(page, live_server)
    (place,) = qualified_places_with_offers(1)
    provider = make_acting(OrganisationKind.PROVIDER, organisation=place.organisation)
    order = make_order(
        sponsor=make_acting(OrganisationKind.SPONSOR),
        operator=make_acting(OrganisationKind.OPERATOR),
        quantity=10,
    )
    item = passes_of(order)[0]
    offer(place)
    redeem(provider, place, [item])
    violations = []
    page.goto(f"/p/{pass_codes.display(item.code)}")
    expect(page.locator("#pass-state")).to_have_attribute("data-state", "used")
    page.get_by_role("link", name="Donner mon avis").click()
    expect(page.locator("#feedback-form")).to_be_visible()
    violations += audit(page, "feedback form")
    page.get_by_text("Beaucoup").click()
    page.get_by_role("group", name="Reviendriez-vous dans ce lieu ?").get_by_text("Oui").click()
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.locator("#feedback-thanks")).to_be_visible()
    violations += audit(page, "feedback thanks")
    assert_accessible(violations)
    feedback = Feedback.objects.get()
    assert (feedback.useful, feedback.would_return, feedback.place_id) == (4, "yes", place.pk)
