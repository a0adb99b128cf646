"""The end of validity on the sponsor's pages: the alert from J-30, the confirmation at J-7, the
timeline of each order; nobody else confirms or sees another sponsor's."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.services.system import system_acting
from passnum.orders.enums import Milestone
from passnum.orders.models import OrderMilestone
from passnum.orders.timeline import run_timeline
from tests.factories import make_acting, make_order
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db
END = datetime.date(2027, 6, 30)


def at(day: datetime.date):
    moment = datetime.datetime.combine(
        day, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def order(sponsor, operator):
    return make_order(sponsor=sponsor, operator=operator, valid_until=END)


def test_no_alert_before_j_minus_30(sponsor, order):
    with at(datetime.date(2027, 5, 30)):
        page = logged_in(sponsor).get(reverse("orders:detail", args=[order.pk])).text
        listing = logged_in(sponsor).get(reverse("orders:list")).text
    assert f'id="end-alert-{order.pk}"' not in page and f'id="end-alert-{order.pk}"' not in listing
    assert 'id="timeline"' in page  # the dates are shown from the start


def test_alert_then_confirmation_from_the_order_page(sponsor, order):
    detail = reverse("orders:detail", args=[order.pk])
    with at(datetime.date(2027, 6, 1)):
        client = logged_in(sponsor)  # a session opened on the day (sessions expire)
        page = client.get(detail).text
        assert f'id="end-alert-{order.pk}"' in page
        assert reverse("orders:confirm_end", args=[order.pk]) not in page  # not before J-7
        assert f'id="end-alert-{order.pk}"' in client.get(reverse("orders:list")).text
        refused = client.post(reverse("orders:confirm_end", args=[order.pk]), follow=True)
        assert "se confirme du 23/06/2027 au 31/07/2027" in refused.text
        assert not OrderMilestone.objects.filter(step=Milestone.CONFIRMED).exists()
    with at(datetime.date(2027, 6, 24)):
        run_timeline(acting=system_acting())
        client = logged_in(sponsor)
        page = client.get(detail).text
        assert reverse("orders:confirm_end", args=[order.pk]) in page
        done = client.post(reverse("orders:confirm_end", args=[order.pk]), follow=True)
        assert "Fin de validité confirmée" in done.text
        assert "Vous avez confirmé la fin de validité." in done.text
    confirmed = OrderMilestone.objects.get(order=order, step=Milestone.CONFIRMED)
    assert confirmed.actor == sponsor.user


def test_others_neither_confirm_nor_see(sponsor, operator, order):
    stranger = make_acting(OrganisationKind.SPONSOR)
    with at(datetime.date(2027, 6, 24)):
        url = reverse("orders:confirm_end", args=[order.pk])
        assert logged_in(stranger).post(url).status_code == 404
        assert logged_in(stranger).get(reverse("orders:detail", args=[order.pk])).status_code == 404
        assert f"end-alert-{order.pk}" not in logged_in(stranger).get(reverse("orders:list")).text
        staff = logged_in(operator).get(reverse("orders:detail", args=[order.pk])).text
        assert 'id="timeline"' in staff and url not in staff  # read-only for operator staff
        response = logged_in(operator).post(url)  # refused: only the sponsor confirms
        assert response.status_code == 302
        assert response.url == reverse("orders:detail", args=[order.pk])
        assert not OrderMilestone.objects.filter(step=Milestone.CONFIRMED).exists()


def test_the_timeline_shows_the_credit_note(sponsor, order):
    with at(datetime.date(2027, 8, 10)):
        run_timeline(acting=system_acting())
        page = logged_in(sponsor).get(reverse("orders:detail", args=[order.pk])).text
    number = OrderMilestone.objects.get(order=order, step=Milestone.CREDITED).details["credit_note"]
    assert f"avoir {number}" in page
    assert "sans envoi (date passée)" in page  # the alerts caught up late were not sent


def test_the_dashboard_shows_the_j30_alert_with_the_booklets(sponsor, operator, order):
    with at(datetime.date(2027, 6, 2)):
        run_timeline(acting=system_acting())
        overall = logged_in(sponsor).get(reverse("dashboard")).text
        of_order = (
            logged_in(sponsor)
            .get(reverse("order_dashboard", kwargs={"reference": order.reference}))
            .text
        )
        staff = (
            logged_in(operator)
            .get(reverse("order_dashboard", kwargs={"reference": order.reference}))
            .text
        )
    for page in (overall, of_order):
        assert f'id="end-alert-{order.pk}"' in page
        figures = page[page.index(f'id="end-figures-{order.pk}"') :]
        # one booklet, in stock: issued 1, handed out 0, not yet handed out 1, started 0
        row = figures[figures.index("<tbody>") : figures.index("</tbody>")]
        assert re.findall(r"<td>(\d+)</td>", row) == ["1", "0", "1", "0"]
    assert reverse("orders:confirm_end", args=[order.pk]) not in staff
    stranger = make_acting(OrganisationKind.SPONSOR)
    with at(datetime.date(2027, 6, 2)):
        assert f"end-alert-{order.pk}" not in logged_in(stranger).get(reverse("dashboard")).text
