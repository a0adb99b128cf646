"""Territory dashboards and open data (issue #10) in a real browser: axe finds no violation at
all (desktop and 320 px) on a hub's dashboard, the operator's (filtered), and the public
open-data page."""

import pytest
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from passnum.dashboards.territory import refresh_territory_rollup
from passnum.orders.validation import UsageRules
from tests.browser.test_accessibility import audit, describe, log_in, log_out, only_live_server
from tests.factories import PlaceFactory, make_acting, make_order, passes_of
from tests.payouts.helpers import at, redeem_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_territory_dashboards_and_open_data_have_no_accessibility_violation(
    page: Page, live_server
):
    only_live_server(page, live_server)
    operator = make_acting(OrganisationKind.OPERATOR)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    provider = make_acting(OrganisationKind.PROVIDER)
    hub = make_acting(OrganisationKind.HUB)
    hub.organisation.territory = ["33"]
    hub.organisation.save()
    place = PlaceFactory(organisation=provider.organisation)
    order = make_order(
        sponsor=sponsor, operator=operator, quantity=20, rules=UsageRules(departements=["33"])
    )
    redeem_at(provider, place, passes_of(order)[:12], at(2026, 11, 3))
    redeem_at(provider, place, passes_of(order)[12:14], at(2026, 10, 3))
    refresh_territory_rollup()
    violations = []

    log_in(page, hub.user.email, "/tableau-de-bord/territoires/")
    expect(page.locator("#used-passes")).to_have_text("14")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    violations += audit(page, "hub territory dashboard")
    log_out(page)

    log_in(page, operator.user.email, "/tableau-de-bord/territoires/")
    expect(page.locator("#territory-filters")).to_be_visible()
    page.goto("/tableau-de-bord/territoires/?departement=33&du=2026-11")
    expect(page.locator("#used-passes")).to_have_text("12")
    violations += audit(page, "operator territory dashboard, filtered")
    log_out(page)

    page.goto("/donnees-ouvertes/")
    expect(page.locator("#licence")).to_contain_text("Licence Ouverte")
    violations += audit(page, "open data")

    assert not violations, "Accessibility violations:\n" + describe(violations)
