"""The "Distribution" block of an order's page: the booklets by state and the passes by status
once the passes are issued, links to the distribution pages for the order's sponsor, the same
figures read-only for operator staff, nothing for anyone else."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.orders.services import record_payment
from passnum.passes.distribution import NextInStock, assign_booklets, record_handout
from passnum.passes.services import block_passes
from passnum.redemptions.services import redeem_passes
from tests.factories import (
    PlaceFactory,
    make_acting,
    make_distributor,
    make_draft,
    make_order,
    offer,
    passes_of,
)
from tests.www.test_pages import logged_in
from tests.www.test_sponsor_pages import accepted

pytestmark = pytest.mark.django_db


def detail(order) -> str:
    return reverse("orders:detail", args=[order.pk])


def block(html: str) -> str:
    """The Distribution block of an order's page ('' when there is none)."""
    if 'id="distribution"' not in html:
        return ""
    return html.split('id="distribution"')[1].split("Règles d'utilisation")[0]


def cell(html: str, attribute: str, value: str) -> str:
    """The count in the row marked `data-<attribute>="<value>"`."""
    found = re.search(rf'data-{attribute}="{value}">.*?<td>(\d+)</td>', html, re.S)
    assert found, (attribute, value)
    return found.group(1)


@pytest.fixture
def order(sponsor, operator):
    """Four booklets of 10, paid, valid for 200 days."""
    return make_order(
        sponsor=sponsor,
        operator=operator,
        quantity=40,
        valid_until=timezone.localdate() + datetime.timedelta(days=200),
    )


@pytest.fixture
def distributed(order, sponsor, provider):
    """Two booklets at a distributor, one of them handed out and started (one pass used), one
    pass of a booklet still in stock blocked."""
    distributor = make_distributor(sponsor)
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
    place = PlaceFactory(organisation=provider.organisation)
    service = offer(place).service
    spent = passes_of(order)[0]
    redeem_passes(
        acting=provider, place=place, service=service, price_cents=1000, codes=[spent.code]
    )
    last = passes_of(order)[-1]
    block_passes(acting=sponsor, serial_first=last.serial, serial_last=last.serial, reason="Perdu")
    return distributor


def test_the_sponsor_sees_its_booklets_by_state_and_passes_by_status(order, sponsor, distributed):
    html = unescape(logged_in(sponsor).get(detail(order)).content.decode())
    shown = block(html)
    assert shown, "no Distribution block"
    assert "Carnets par état (4 carnets)" in shown
    counts = {
        state: cell(shown, "state", state)
        for state in ("in_stock", "at_distributor", "handed_out", "started", "finished", "blocked")
    }
    assert counts == {
        "in_stock": "2",
        "at_distributor": "1",
        "handed_out": "0",
        "started": "1",
        "finished": "0",
        "blocked": "0",
    }
    assert "Pass (40 pass émis)" in shown
    assert cell(shown, "status", "redeemed") == "1"
    assert cell(shown, "status", "blocked") == "1"
    assert cell(shown, "status", "unused") == "38"
    assert f"{distributed.organisation.name} : 2 carnets" in shown
    page = reverse("distribution:order", args=[order.reference])
    assert f'href="{page}#assign"' in shown and f'href="{page}#booklets"' in shown
    assert "peuvent être remis aux bénéficiaires jusqu'au" in shown


def test_operator_staff_see_the_same_figures_without_the_links(order, operator, distributed):
    shown = block(unescape(logged_in(operator).get(detail(order)).content.decode()))
    assert cell(shown, "state", "started") == "1"
    assert cell(shown, "status", "redeemed") == "1"
    assert f"{distributed.organisation.name} : 2 carnets" in shown
    assert reverse("distribution:order", args=[order.reference]) not in shown
    assert 'id="distribution-links"' not in shown


def test_an_unpaid_order_shows_its_figures_but_cannot_be_assigned_yet(sponsor, operator):
    order = accepted(sponsor, quantity=20)
    record_payment(acting=operator, order=order, amount_cents=1000, reference="Acompte")
    shown = block(unescape(logged_in(sponsor).get(detail(order)).content.decode()))
    assert cell(shown, "state", "in_stock") == "2"
    assert cell(shown, "status", "unused") == "20"
    assert "une fois la commande payée" in shown
    page = reverse("distribution:order", args=[order.reference])
    assert f'href="{page}#assign"' not in shown and f'href="{page}#booklets"' in shown
    assert "Aucun carnet chez un distributeur." in shown


def test_a_draft_has_no_distribution_block(sponsor):
    draft = make_draft(sponsor=sponsor)
    assert block(logged_in(sponsor).get(detail(draft)).content.decode()) == ""


def test_another_sponsor_and_a_distributor_never_see_the_figures(order, distributed):
    for kind in (OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR):
        response = logged_in(make_acting(kind)).get(detail(order))
        assert response.status_code in (403, 404), kind
        assert "distribution-states" not in response.content.decode()
    # Nor the partner distributor holding two of its booklets.
    assert logged_in(distributed).get(detail(order)).status_code in (403, 404)


def test_the_block_costs_the_same_queries_whatever_the_number_of_booklets(
    sponsor, operator, order, distributed
):
    client = logged_in(sponsor)
    client.get(detail(order))
    with CaptureQueriesContext(connection) as small:
        client.get(detail(order))
    bigger = make_order(
        sponsor=sponsor,
        operator=operator,
        quantity=200,
        valid_until=timezone.localdate() + datetime.timedelta(days=200),
    )
    assign_booklets(
        acting=sponsor,
        order=bigger,
        distributor=distributed.organisation,
        selection=NextInStock(12),
    )
    with CaptureQueriesContext(connection) as large:
        client.get(detail(bigger))
    assert len(large) == len(small)


def test_past_the_distribution_stop_the_block_says_so_and_offers_no_assignment(sponsor, operator):
    ending = make_order(
        sponsor=sponsor, operator=operator, quantity=10, valid_until=timezone.localdate()
    )
    shown = block(unescape(logged_in(sponsor).get(detail(ending)).content.decode()))
    assert "La remise des carnets aux bénéficiaires s'est arrêtée le" in shown
    page = reverse("distribution:order", args=[ending.reference])
    assert f'href="{page}#assign"' not in shown and f'href="{page}#booklets"' in shown
