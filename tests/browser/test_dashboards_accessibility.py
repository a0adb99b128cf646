"""Dashboards (issue #8) in a real browser: no serious axe violation on the sponsor's order and
overall dashboards (SVG charts and their tables), the operator's sponsor picker and the
distributor's dashboard."""

import pytest
from playwright.sync_api import Page, expect

from passnum.accounts.enums import OrganisationKind
from tests.browser.test_accessibility import (
    assert_accessible,
    audit,
    distributed_order,
    log_in,
    log_out,
    only_live_server,
)
from tests.factories import make_acting, make_distributor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_dashboards_have_no_serious_accessibility_violation(page: Page, live_server):
    only_live_server(page, live_server)
    sponsor = make_acting(OrganisationKind.SPONSOR)
    operator = make_acting(OrganisationKind.OPERATOR)
    distributor = make_distributor(sponsor)
    order, _booklet = distributed_order(sponsor, operator, distributor)
    violations = []

    log_in(page, sponsor.user.email, f"/tableau-de-bord/commandes/{order.reference}/")
    expect(page.locator("#used-passes")).to_have_text("1")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    violations += audit(page, "order dashboard")
    page.goto("/tableau-de-bord/")
    expect(page.locator("#table-commandes")).to_contain_text(order.reference)
    violations += audit(page, "sponsor dashboard")
    log_out(page)

    log_in(page, operator.user.email, "/tableau-de-bord/")
    expect(page.locator("#sponsor-picker")).to_be_visible()
    violations += audit(page, "operator picks a sponsor")
    log_out(page)

    log_in(page, distributor.user.email, "/tableau-de-bord/")
    expect(page.locator("#table-stock")).to_contain_text(order.reference)
    violations += audit(page, "distributor dashboard")

    assert_accessible(violations)
