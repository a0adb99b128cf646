"""Automated accessibility audit (issue #3: RGAA, the French transposition of WCAG 2.1 AA).

axe-core, bundled by axe-playwright-python (nothing is fetched), runs in Chromium on the public
pages, the applicant's sign-up and file, and the members page, in French. Only the WCAG 2.0/2.1
A and AA rules run. Each page is audited at a desktop width and at 320 CSS pixels (WCAG 1.4.10,
reflow: nothing may be lost or need two-way scrolling there).

Two checks that axe cannot make are added: no button's visible text is cut off (the design
system turns a button with an icon into an icon-only one in some groups: the label disappears
for sighted people while axe still reads it), and no page scrolls sideways at 320 px. A third
test checks that the header's links stay reachable at 320 px.

A test fails on any "serious" or "critical" violation; "moderate" and "minor" ones are listed
in its message when it fails. An automated audit covers a fraction of the RGAA's criteria: it
backs up a manual review, it does not replace it."""

import re
from decimal import Decimal
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.places.enums import (
    AccessMode,
    OfferFormat,
    Public,
    QualificationStatus,
    SupportMode,
)
from passnum.places.models import Place
from passnum.places.services import set_service_offer
from tests.factories import PASSWORD, PlaceFactory, a_service, make_acting, make_invitation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = ("critical", "serious")
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}

Violation = dict[str, Any]

# An icon-only button is meant to be so when it has a title (the design system's "Menu"):
# its text is then shown as a tooltip. One without a title has lost its label by accident.
CLIPPED_LABELS = """() => [...document.querySelectorAll('.fr-btn:not([title])')]
  .filter(element => element.offsetParent !== null && element.textContent.trim()
    && getComputedStyle(element).overflow === 'hidden'
    && element.scrollWidth > element.clientWidth + 1)
  .map(element => element.textContent.trim())"""


# The design system's script adapts the header to the width (at desktop width it drops the
# menu's modal attributes): audit the page as people get it, once the script has done so.
DSFR_READY = """() => document.documentElement.getAttribute('data-fr-js') === 'true'
  && document.querySelector('#header-menu')?.dataset.frJsHeaderModal === 'true'"""


def audit(page: Page, name: str) -> list[Violation]:
    """The page's WCAG A/AA violations at both widths, each marked with the page's name."""
    found = []
    for viewport, where in [(DESKTOP, name), (NARROW, f"{name}, 320 px")]:
        page.set_viewport_size(viewport)
        page.wait_for_function(DSFR_READY, timeout=10_000)
        page.wait_for_timeout(50)  # its resize handler runs on the next frames
        results = AXE.run(page, options=AXE_OPTIONS)
        found += [{**violation, "page": where} for violation in results.response["violations"]]
        clipped = page.evaluate(CLIPPED_LABELS)
        if clipped:
            found.append(
                own_violation(where, "passnum-clipped-label", "Button text is cut off", clipped)
            )
        if viewport is NARROW and page.evaluate(
            "() => document.documentElement.scrollWidth > window.innerWidth"
        ):
            found.append(
                own_violation(where, "passnum-reflow", "The page scrolls sideways", ["html"])
            )
    page.set_viewport_size(DESKTOP)
    return found


def own_violation(page: str, rule: str, help: str, targets: list[str]) -> Violation:
    return {
        "page": page,
        "id": rule,
        "impact": "serious",
        "help": help,
        "nodes": [{"target": [target]} for target in targets],
    }


def describe(violations: list[Violation]) -> str:
    lines = []
    for violation in violations:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(
            f"[{violation['page']}] {violation['id']} ({violation['impact']}, "
            f"{len(violation['nodes'])} node(s)): {violation['help']} — {targets}"
        )
    return "\n".join(lines)


def assert_accessible(violations: list[Violation]) -> None:
    blocking = [violation for violation in violations if violation["impact"] in BLOCKING]
    others = [violation for violation in violations if violation["impact"] not in BLOCKING]
    message = "Serious or critical accessibility violations:\n" + describe(blocking)
    if others:
        message += "\nAlso (moderate or minor):\n" + describe(others)
    assert not blocking, message


def only_live_server(page: Page, live_server) -> None:
    """Nothing outside the test server is reached: no map tile, font or script from elsewhere."""
    page.context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + ")"), lambda route: route.abort()
    )


def log_in(page: Page, email: str, next_url: str) -> None:
    page.goto(f"/connexion/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def qualified_places_with_offers(count: int) -> list[Place]:
    provider = make_acting(OrganisationKind.PROVIDER)
    places = []
    for number in range(count):
        place = PlaceFactory(
            organisation=provider.organisation,
            name=f"Médiathèque de quartier {number + 1}",
            latitude=Decimal("44.830000") + Decimal("0.010000") * number,
            phone="+33556123456",
            email="contact@example.org",
            opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa off",
            access_modes=[AccessMode.WALK_IN],
            support_modes=[SupportMode.INDIVIDUAL],
            publics=[Public.SENIORS],
        )
        set_service_offer(
            acting=provider,
            place=place,
            service=a_service("smartphone"),
            price_cents=1000,
            passes_needed=1,
            duration_minutes=60,
        )
        set_service_offer(
            acting=provider,
            place=place,
            service=a_service("demarches"),
            price_cents=2000,
            passes_needed=2,
            duration_minutes=90,
            format=OfferFormat.WORKSHOP,
            capacity=8,
        )
        places.append(place)
    return places


def test_public_pages_have_no_serious_accessibility_violation(page: Page, live_server):
    only_live_server(page, live_server)
    places = qualified_places_with_offers(3)
    violations = []

    for path, name in [
        ("/", "home"),
        ("/connexion/", "login"),
        ("/devenir-qualifie/", "qualification"),
        ("/devenir-qualifie/grille/", "scoring grid"),
        ("/devenir-qualifie/compte/", "sign-up"),
    ]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        violations += audit(page, name)

    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".fr-error-text").first).to_be_visible()
    violations += audit(page, "sign-up sent empty")

    page.goto("/lieux/?q=bordeaux")
    expect(page.locator("#places-list > li")).to_have_count(len(places))
    # The map is drawn by JavaScript: audit it with its markers. Nothing of Leaflet's needs
    # excluding: markers are out of the tab order with an alt, zoom buttons are named.
    expect(page.locator("#places-map .leaflet-marker-icon")).to_have_count(len(places))
    violations += audit(page, "search with results")

    page.goto("/lieux/?q=" + "x" * 101 + "&radius=7&lat=north")
    expect(page.locator("#id_q-error")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("ont été ignorés")
    violations += audit(page, "search with an invalid query")

    page.goto(f"/lieux/{places[0].standard_id}/")
    expect(page.locator("#offer tbody tr")).to_have_count(2)
    violations += audit(page, "place")

    assert_accessible(violations)


def test_member_pages_have_no_serious_accessibility_violation(page: Page, live_server):
    only_live_server(page, live_server)
    provider = make_acting(OrganisationKind.PROVIDER)
    make_acting(
        OrganisationKind.PROVIDER, organisation=provider.organisation, role=MemberRole.MEMBER
    )
    make_invitation(provider)
    PlaceFactory(
        organisation=provider.organisation,
        name="Espace numérique du Port",
        qualification_status=QualificationStatus.DRAFT,
    )
    violations = []

    log_in(page, provider.user.email, "/devenir-qualifie/dossier/")
    expect(page.get_by_role("heading", name="Mon dossier de qualification")).to_be_visible()
    violations += audit(page, "file")

    page.goto("/devenir-qualifie/dossier/structure/")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.locator(".fr-error-text").first).to_be_visible()
    violations += audit(page, "file step sent empty")

    page.goto("/membres/")
    expect(page.locator("#invitations tbody tr")).to_have_count(1)
    violations += audit(page, "members")

    page.goto("/services/")
    expect(page.locator("h1")).to_have_text("Nomenclature des services")
    violations += audit(page, "services")

    assert_accessible(violations)


def test_header_links_are_reachable_on_a_narrow_screen(page: Page, live_server):
    """WCAG 1.4.10: at 320 px the header's links (log in, log out, members, language) move
    into the design system's menu, behind a "Menu" button, instead of disappearing."""
    only_live_server(page, live_server)
    provider = make_acting(OrganisationKind.PROVIDER)
    page.set_viewport_size(NARROW)
    page.goto("/")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Se connecter")).to_be_hidden()
    banner.get_by_role("button", name="Menu").click()
    banner.get_by_role("link", name="Se connecter").click()

    page.get_by_label("Adresse e-mail").fill(provider.user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    banner.get_by_role("button", name="Menu").click()
    expect(banner.get_by_role("link", name="Membres")).to_be_visible()
    banner.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="Menu").click()
    expect(banner.get_by_role("link", name="Se connecter")).to_be_visible()
