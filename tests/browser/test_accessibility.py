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


def distributed_order(sponsor, operator, distributor):
    """A paid order of four booklets: two at the distributor, one of them handed out and
    started (a pass used at a place), the others in the sponsor's stock."""
    import datetime

    from django.utils import timezone

    from passnum.passes.distribution import NextInStock, assign_booklets, record_handout
    from passnum.redemptions.services import redeem_passes
    from tests.factories import make_order, offer, passes_of

    order = make_order(
        sponsor=sponsor,
        operator=operator,
        quantity=40,
        valid_until=timezone.localdate() + datetime.timedelta(days=200),
    )
    assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=NextInStock(2)
    )
    first = order.booklets.order_by("number").first()
    record_handout(
        acting=distributor,
        booklet_number=first.number,
        handed_out_on=timezone.localdate(),
        public="senior",
    )
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation, phone="+33556123456")
    service = offer(place).service
    redeem_passes(
        acting=provider,
        place=place,
        service=service,
        price_cents=1000,
        codes=[passes_of(order)[0].code],
    )
    return order, first


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_attached()


def test_sponsor_and_distribution_pages_have_no_serious_accessibility_violation(
    page: Page, live_server
):
    """Issue #8: ordering, the order's page with its distribution block, the payments awaited,
    and the distribution pages of a sponsor, a distributor and the operator."""
    from tests.factories import make_distributor, make_draft

    only_live_server(page, live_server)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    operator = make_acting(OrganisationKind.OPERATOR)
    distributor = make_distributor(sponsor)
    order, booklet = distributed_order(sponsor, operator, distributor)
    awaiting = make_draft(sponsor=sponsor, quantity=20, label="Jeunes 16-25 ans")
    from passnum.orders.drafts import accept_quote

    awaiting = accept_quote(acting=sponsor, order=awaiting)
    violations = []

    log_in(page, sponsor.user.email, "/commandes/")
    expect(page.locator("h1")).to_be_visible()
    violations += audit(page, "orders")
    page.goto("/commandes/nouvelle/")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".fr-error-text, .fr-message--error").first).to_be_visible()
    violations += audit(page, "order form sent empty")
    page.goto(f"/commandes/{order.pk}/")
    expect(page.locator("#distribution-states")).to_be_visible()
    violations += audit(page, "order with its distribution")
    for path, name, ready in [
        ("/distribution/distributeurs/", "distributors", "h1"),
        ("/distribution/commandes/", "orders to distribute", "h1"),
        (f"/distribution/commandes/{order.reference}/", "order's booklets", "#booklet-list"),
        ("/distribution/bloquer/", "block (sponsor)", "h1"),
    ]:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        violations += audit(page, name)
    log_out(page)

    log_in(page, distributor.user.email, "/distribution/stock/")
    expect(page.locator("#booklet-list")).to_be_visible()
    violations += audit(page, "stock")
    page.goto("/distribution/remettre/")
    page.locator("form#one").get_by_role("button", name="Enregistrer la remise").click()
    expect(page.locator(".fr-error-text, .fr-message--error").first).to_be_visible()
    violations += audit(page, "hand-out sent empty")
    page.goto(f"/distribution/carnets/{booklet.number}/lettre/?commune=Bordeaux")
    expect(page.get_by_role("link", name="Lettre pour Bordeaux (33)")).to_be_visible()
    violations += audit(page, "cover letter")
    log_out(page)

    log_in(page, operator.user.email, "/paiements/")
    expect(page.locator("#payments-awaited")).to_contain_text(awaiting.reference)
    violations += audit(page, "payments awaited")
    page.goto(f"/commandes/{awaiting.pk}/")
    expect(page.locator("#payment-form")).to_be_visible()
    violations += audit(page, "order awaiting payment (operator)")
    page.goto("/distribution/remplacer/")
    expect(page.locator("h1")).to_be_visible()
    violations += audit(page, "reissue")

    assert_accessible(violations)


def test_scan_pages_have_no_serious_accessibility_violation(page: Page, live_server):
    """Issue #9: the scanning page with its list of passes (one usable, one refused), the
    form's own check (without the script's list), a payment's result, and the recent scans."""
    from tests.factories import make_order, offer, passes_of

    only_live_server(page, live_server)
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation, name="EPN de la Bastide")
    service = offer(place, price_cents=1500).service
    PlaceFactory(organisation=provider.organisation, name="Annexe du Lac")
    order = make_order(
        sponsor=make_acting(OrganisationKind.SPONSOR),
        operator=make_acting(OrganisationKind.OPERATOR),
        quantity=10,
    )
    codes = [item.code for item in passes_of(order)]
    violations = []

    log_in(page, provider.user.email, "/scanner/")
    expect(page.get_by_role("link", name=re.compile("EPN de la Bastide"))).to_be_visible()
    violations += audit(page, "scan: places")
    page.get_by_role("link", name=re.compile("EPN de la Bastide")).click()
    page.get_by_label("Service rendu").select_option(service.code)
    for code in (codes[0], "ABCDE-FGHJK-MNPQR"):
        page.get_by_label("Code du pass").fill(code)
        page.get_by_label("Code du pass").press("Enter")
    expect(page.locator("#scan-list .fr-badge--success")).to_have_count(1)
    expect(page.locator("#scan-list .fr-badge--error")).to_have_count(1)
    violations += audit(page, "scan: list of passes")

    page.get_by_role("button", name="Retirer — ABCDE-FGHJK-MNPQR").click()
    page.get_by_role("button", name="Confirmer le paiement").click()
    expect(page.locator("#result")).to_be_visible()
    violations += audit(page, "scan: result")

    page.get_by_role("link", name="Scanner d'autres pass").click()
    expect(page.locator("#recent-list tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Confirmer le paiement").click()  # nothing listed
    expect(page.locator("#scan-status")).to_contain_text("Ajoutez au moins un pass")
    violations += audit(page, "scan: recent scans")

    # The page's service worker (docs/offline.md) would serve the script from its cache: gone.
    page.evaluate(
        "navigator.serviceWorker.getRegistrations()"
        ".then(found => Promise.all(found.map(each => each.unregister())))"
    )
    page.add_init_script(
        "navigator.serviceWorker.register = () => Promise.reject(new Error('no worker'))"
    )
    page.route("**/static/passnum/scan.js", lambda route: route.abort())
    page.reload()
    page.get_by_label("Service rendu").select_option(service.code)
    page.get_by_label("Codes des pass").fill(f"{codes[0]}\n{codes[1]}")
    page.get_by_role("button", name="Vérifier les pass").click()
    expect(page.locator("#checks tbody tr")).to_have_count(2)
    violations += audit(page, "scan: checks without the script")
    page.get_by_role("button", name="Confirmer le paiement").click()
    expect(page.locator("#refusal")).to_be_visible()
    violations += audit(page, "scan: refusal without the script")

    assert_accessible(violations)


def test_payout_pages_have_no_serious_accessibility_violation(page: Page, live_server):
    """Issue #9: finance staff's runs, a run with its transfers and carried providers, the
    confirmation of its execution, a transfer's rejection sent empty; a provider's payments."""
    import datetime

    from django.utils import timezone

    from passnum.payouts.periods import previous_month
    from passnum.payouts.services import run_payouts
    from tests.factories import give_bank_details, make_order, passes_of
    from tests.payouts.helpers import redeem_at

    def at_eleven(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(11)))

    only_live_server(page, live_server)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    operator = make_acting(OrganisationKind.OPERATOR)
    items = passes_of(make_order(sponsor=sponsor, operator=operator, quantity=20))
    period = previous_month(timezone.localdate())
    when = at_eleven(period.start)
    providers = []
    for index, validated in enumerate([True, False]):
        provider = make_acting(OrganisationKind.PROVIDER)
        give_bank_details(provider, validated_by=operator if validated else None)
        place = PlaceFactory(organisation=provider.organisation, name=f"Espace numérique {index}")
        redeem_at(provider, place, items[index * 2 : index * 2 + 2], when)
        providers.append((provider, place))
    run = run_payouts(acting=operator, period_start=period.start, period_end=period.end).run
    paid, paid_place = providers[0]
    redeem_at(paid, paid_place, items[10:11], at_eleven(timezone.localdate()))
    transfer = run.transfers.get()
    violations = []

    log_in(page, operator.user.email, "/virements/")
    expect(page.locator("#runs")).to_contain_text(run.reference)
    violations += audit(page, "payout runs")
    page.get_by_role("button", name="Préparer le paiement").click()
    expect(page.locator(".fr-alert--error").first).to_be_visible()
    violations += audit(page, "payout run form sent empty")
    page.goto(f"/virements/{run.pk}/")
    expect(page.locator("#transfers")).to_contain_text(transfer.end_to_end_id)
    expect(page.locator("#carried tbody tr")).to_have_count(1)
    violations += audit(page, "payout run")
    page.goto(f"/virements/{run.pk}/executer/")
    expect(page.locator("#execute-form")).to_be_visible()
    violations += audit(page, "payout run execution")
    page.goto(f"/virements/{run.pk}/virements/{transfer.pk}/rejeter/")
    page.get_by_role("button", name="Enregistrer le rejet").click()
    expect(page.locator(".fr-error-text").first).to_be_visible()
    violations += audit(page, "transfer rejection sent empty")
    log_out(page)

    log_in(page, paid.user.email, "/mes-paiements/")
    expect(page.locator("#my-transfers")).to_contain_text(transfer.statement_number)
    expect(page.locator("svg.passnum-chart").first).to_be_visible()
    violations += audit(page, "my payments")

    assert_accessible(violations)


def test_anomaly_pages_have_no_serious_accessibility_violation(page: Page, live_server, settings):
    """Issue #9: the operator's anomalies, one with the redemptions behind it, one with the
    refused scans behind it."""
    from passnum.redemptions.exceptions import RedemptionRefused
    from passnum.redemptions.services import redeem_passes
    from tests.factories import make_order, offer, passes_of

    settings.PASSNUM_ANOMALY_MIN_PASSES_PER_DAY = 1
    only_live_server(page, live_server)
    operator = make_acting(OrganisationKind.OPERATOR)
    provider = make_acting(OrganisationKind.PROVIDER)
    place = PlaceFactory(organisation=provider.organisation, name="EPN des Chartrons")
    service = offer(place, price_cents=1000).service
    order = make_order(sponsor=make_acting(OrganisationKind.SPONSOR), operator=operator)
    for item in passes_of(order)[:2]:
        redeem_passes(
            acting=provider, place=place, service=service, price_cents=1000, codes=[item.code]
        )
    for _ in range(settings.PASSNUM_ANOMALY_REFUSALS_PER_DAY):
        with pytest.raises(RedemptionRefused):
            redeem_passes(
                acting=provider,
                place=place,
                service=service,
                price_cents=1000,
                codes=["ABCDE-FGHJK-MNPQR"],
            )
    violations = []

    log_in(page, operator.user.email, "/anomalies/")
    expect(page.locator("#anomalies tbody tr")).to_have_count(3)
    violations += audit(page, "anomalies")
    page.get_by_role("link", name=re.compile("Voir les scans — Rythme inhabituel")).click()
    expect(page.locator("#scans tbody tr")).to_have_count(2)
    violations += audit(page, "anomaly: redemptions")
    page.go_back()
    page.get_by_role("link", name=re.compile("Voir les scans — Refus répétés d'un lieu")).click()
    expect(page.locator("#scans tbody tr")).to_have_count(settings.PASSNUM_ANOMALY_REFUSALS_PER_DAY)
    violations += audit(page, "anomaly: refused scans")

    assert_accessible(violations)
