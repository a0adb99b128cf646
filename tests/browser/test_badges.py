"""A skill badge from award to verification, in a real browser (issue #10): a place's member
awards a badge at a recent redemption on the award page, opens the printable badge page, and the
public verification page confirms it. axe-core finds no WCAG A/AA violation, of any impact, on
the badge and verification pages, at desktop width and at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.badges.models import Badge
from tests.browser.test_accessibility import AXE, AXE_OPTIONS, DESKTOP, DSFR_READY, NARROW, describe
from tests.browser.test_scan_page import watch
from tests.factories import PASSWORD, PlaceFactory, make_acting, make_order, passes_of
from tests.redemptions.test_redeem import redeem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def no_violations(page: Page, name: str) -> None:
    found = []
    for viewport, where in [(DESKTOP, name), (NARROW, f"{name}, 320 px")]:
        page.set_viewport_size(viewport)
        page.wait_for_function(DSFR_READY, timeout=10_000)
        page.wait_for_timeout(50)
        violations = AXE.run(page, options=AXE_OPTIONS).response["violations"]
        found += [{**violation, "page": where} for violation in violations]
    page.set_viewport_size(DESKTOP)
    assert not found, describe(found)


@pytest.fixture
def world(live_server):
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation, name="EPN des Capucins")
    order = make_order(
        sponsor=make_acting(OrganisationKind.SPONSOR),
        operator=make_acting(OrganisationKind.OPERATOR),
        quantity=10,
    )
    redemption = redeem(provider, place, [passes_of(order)[0]]).redemption
    return provider, place, redemption


def test_award_a_badge_then_verify_it(page: Page, world):
    provider, place, redemption = world
    problems = watch(page)
    competence = redemption.service.competences.order_by("code").first()

    page.goto("/connexion/?next=/badges/attribuer/")
    page.get_by_label("Adresse e-mail").fill(provider.user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Attribuer un badge de compétence")).to_be_visible()
    page.locator("#badge-redemptions tbody tr", has_text=place.name).get_by_role(
        "link", name="Attribuer"
    ).click()

    # the design system draws the radio over its label: a person clicks the label
    page.locator("#badge-award-form label", has_text=str(competence)).click()
    expect(page.get_by_label(str(competence))).to_be_checked()
    page.get_by_role("button", name="Attribuer le badge").click()
    expect(page.get_by_role("heading", name="Badge attribué", level=1)).to_be_visible()
    badge = Badge.objects.get()
    assert (badge.redemption_id, badge.competence_id, badge.holder_name) == (
        redemption.pk,
        competence.pk,
        "",
    )
    expect(page.locator("#badge-name-link")).to_be_visible()

    page.locator("#badge-page").click()
    expect(page.get_by_role("heading", name="Badge de compétence numérique")).to_be_visible()
    expect(page.locator("#badge-holder")).to_have_text("Anonyme")
    expect(page.locator("#badge-summary")).to_contain_text(competence.code)
    expect(page.locator("#badge-summary")).to_contain_text(place.name)
    no_violations(page, "badge")

    page.locator("#badge-verify").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text("Badge authentique et valable")
    expect(result).to_contain_text(competence.name)
    expect(result).to_contain_text(place.name)
    no_violations(page, "verification")

    # The signed file itself, pasted into the page, passes as well
    jwt = page.request.get(f"/badges/{badge.public_id}.jwt").text()
    page.get_by_label("Le badge à vérifier").fill(jwt)
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#verify-result")).to_contain_text("Badge authentique et valable")
    assert problems == []
