"""The Content Security Policy in a real browser: the pages, the map with its tiles and the API
docs (Swagger UI, from django-ninja's static files) work under it, with no violation and no
console error. Tile requests are answered by the test (there is no network) after Chromium has
checked them against the policy, so a tile host missing from img-src is a violation here."""

import base64
import re

import pytest
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.config.env_urls import tile_sources
from tests.factories import PASSWORD, PlaceFactory, make_acting

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

TILES = "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
# Every violation, even of directives that only report, reaches the page as this event.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`
    + ` (${event.sourceFile || ''}:${event.lineNumber || ''})`);
});
"""


def test_pages_map_and_api_docs_work_under_the_policy(page: Page, live_server, settings_tiles):
    provider = make_acting(OrganisationKind.PROVIDER)
    PlaceFactory(organisation=provider.organisation, name="Médiathèque de la Bastide")
    tiles_served = []

    def serve_tile(route):
        tiles_served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PNG)

    page.context.route(re.compile(r"^https://[abc]\.tile\.openstreetmap\.fr/"), serve_tile)
    page.context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + r"|https://[abc]\.tile\.)"),
        lambda route: route.abort(),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(f"{page.url}: {message.type}: {message.text}")
            if message.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda error: console.append(f"{page.url}: pageerror: {error}"))
    violations = []

    def visit(path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.ok, path
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, (path, policy)
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, policy

    visit("/")
    expect(page.locator("html[data-fr-js='true']")).to_have_count(1)  # DSFR's script ran
    violations += page.evaluate("window.__violations")

    visit("/lieux/?q=bordeaux")
    expect(page.locator("#places-map .leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("#places-map img.leaflet-tile-loaded").first).to_be_attached()
    violations += page.evaluate("window.__violations")

    visit("/connexion/")
    expect(page.get_by_role("link", name="Mot de passe oublié ?")).to_be_visible()
    violations += page.evaluate("window.__violations")

    visit("/mot-de-passe/oublie/")
    violations += page.evaluate("window.__violations")

    visit("/api/v1/docs")
    # Swagger UI drew the operations from the OpenAPI document
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/passes/{code}")).to_be_visible()
    # open one operation (deep linking changes the URL's fragment, no navigation to wait for)
    page.locator(".opblock-summary-control").first.click(no_wait_after=True)
    expect(page.locator(".opblock-body").first).to_be_visible()
    violations += page.evaluate("window.__violations")

    assert tiles_served, "the map asked for no tile"
    assert violations == []
    assert console == []


def test_signed_in_pages_and_the_back_office_work_under_the_policy(page: Page, live_server):
    page.context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + ")"), lambda route: route.abort()
    )
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(f"{page.url}: {message.type}: {message.text}")
            if message.type in {"error", "warning"}
            else None
        ),
    )
    provider = make_acting(OrganisationKind.PROVIDER)
    operator = make_acting(OrganisationKind.OPERATOR)
    violations = []

    def log_in(email: str, next_url: str) -> None:
        page.goto(f"/connexion/?next={next_url}")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"**{next_url}")

    log_in(provider.user.email, "/devenir-qualifie/dossier/conditions/")
    expect(page.locator("#terms-text")).to_be_visible()  # its box: no style attribute
    violations += page.evaluate("window.__violations")
    page.get_by_role("button", name="Se déconnecter").click()

    operator.user.is_superuser = True
    operator.user.save(update_fields=["is_superuser"])
    log_in(operator.user.email, "/backoffice/")
    expect(page.locator("#content")).to_be_visible()
    violations += page.evaluate("window.__violations")
    page.goto("/backoffice/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()
    violations += page.evaluate("window.__violations")

    assert violations == []
    assert console == []


@pytest.fixture
def settings_tiles(settings):
    """The map draws OpenStreetMap France's tiles, whose host the default policy allows."""
    settings.PASSNUM_MAP_TILE_URL = TILES
    assert set(tile_sources(TILES)) <= set(
        settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    )
    return settings
