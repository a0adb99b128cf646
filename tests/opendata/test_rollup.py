"""The territory rollup: each figure counted in the right month, funder and territory, from the
real services (orders, hand-outs, redemptions and their undoing, payouts, credit notes)."""

import datetime

import pytest
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.dashboards.models import ActivePlaceMonth, OpenDataCell, TerritoryMonth
from passnum.dashboards.territory import order_areas, refresh_territory_rollup
from passnum.orders.enums import TargetPublic
from passnum.orders.validation import UsageRules
from passnum.passes.distribution import NextInStock, assign_booklets, record_handout
from passnum.passes.models import Booklet
from passnum.payouts.services import mark_run_executed, run_payouts
from passnum.redemptions.services import undo_redemption
from tests.factories import (
    PlaceFactory,
    give_bank_details,
    make_acting,
    make_distributor,
    make_order,
    passes_of,
)
from tests.payouts.helpers import at, now_after, redeem_at

pytestmark = pytest.mark.django_db

NOV_1, NOV_30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def totals(**filters):
    rows = TerritoryMonth.objects.filter(**filters)
    names = ["committed_cents", "issued", "handed_out", "used", "used_cents", "paid_out"]
    return {name: sum(getattr(row, name) for row in rows) for name in names}


def test_orders_are_counted_in_the_territory_of_their_perimeter(sponsor, operator):
    gironde = make_order(sponsor=sponsor, operator=operator, rules=UsageRules(departements=["33"]))
    bordeaux = make_order(sponsor=sponsor, operator=operator, rules=UsageRules(communes=["33063"]))
    metropole = make_order(
        sponsor=sponsor, operator=operator, rules=UsageRules(epcis=["243300316"])
    )
    two = make_order(
        sponsor=sponsor, operator=operator, rules=UsageRules(departements=["33", "40"])
    )
    region = make_order(sponsor=sponsor, operator=operator, rules=UsageRules(regions=["75"]))
    everywhere = make_order(sponsor=sponsor, operator=operator)
    areas = order_areas([gironde, bordeaux, metropole, two, region, everywhere])
    assert (areas[gironde.pk].region, areas[gironde.pk].departement, areas[gironde.pk].epci) == (
        "75",
        "33",
        "",
    )
    assert areas[bordeaux.pk].epci == areas[metropole.pk].epci == "243300316"
    assert areas[metropole.pk].departement == "33"
    assert (areas[two.pk].region, areas[two.pk].departement) == ("75", "")
    assert (areas[region.pk].region, areas[region.pk].departement) == ("75", "")
    assert (areas[everywhere.pk].region, areas[everywhere.pk].departement) == ("", "")


def test_every_figure_in_its_month_funder_and_territory(provider, place, sponsor, operator):
    """Issued and committed in the order's département, handed out at the distributor's, used
    and paid out where the place is; an undone redemption and an unpaid one are not paid out."""
    give_bank_details(provider, validated_by=operator)
    lyon = PlaceFactory(
        organisation=provider.organisation,
        commune_name="Lyon",
        commune_code="69123",
        epci_code="200046977",
        departement="69",
        region="84",
        postcode="69001",
    )
    order = make_order(
        sponsor=sponsor,
        operator=operator,
        quantity=40,
        rules=UsageRules(departements=["33", "69"]),
    )
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    other = make_order(
        sponsor=other_sponsor, operator=operator, quantity=10, rules=UsageRules(departements=["33"])
    )
    distributor = make_distributor(sponsor)
    distributor.organisation.departement = "40"
    distributor.organisation.save()
    assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=NextInStock(2)
    )
    for booklet in Booklet.objects.filter(order=order).order_by("number")[:2]:
        record_handout(
            acting=distributor,
            booklet_number=booklet.number,
            handed_out_on=timezone.localdate(),
            public=TargetPublic.SENIOR,
        )
    items, others = passes_of(order), passes_of(other)
    redeem_at(provider, place, items[0:3], at(2026, 11, 3))
    redeem_at(provider, lyon, items[3:5], at(2026, 11, 5))
    redeem_at(provider, place, others[0:1], at(2026, 11, 6))
    undone = redeem_at(provider, place, items[5:6], timezone.now())  # undone at once
    undo_redemption(acting=provider, redemption=undone)
    outcome = run_payouts(
        acting=operator, period_start=NOV_1, period_end=NOV_30, now=now_after(NOV_30)
    )
    mark_run_executed(acting=operator, run=outcome.run, executed_on=datetime.date(2026, 12, 7))
    redeem_at(provider, place, items[6:7], at(2026, 12, 2))  # used in December, not paid

    counted = refresh_territory_rollup()

    this_month = timezone.localdate().replace(day=1)
    face = order.face_value_cents
    # The order spans two départements of two régions: national level only.
    assert (
        totals(sponsor=sponsor.organisation, departement="", region="", epci="")["committed_cents"]
        == order.face_total_cents
    )
    assert totals(sponsor=other_sponsor.organisation, departement="33")["issued"] == 10
    assert totals(departement="40", month=this_month)["handed_out"] == 20
    nov = datetime.date(2026, 11, 1)
    dec = datetime.date(2026, 12, 1)
    gironde = totals(sponsor=sponsor.organisation, departement="33", month=nov)
    assert (gironde["used"], gironde["used_cents"]) == (3, 3 * face)
    assert totals(departement="69", epci="200046977", month=nov)["used"] == 2
    assert totals(departement="33", month=dec)["used"] == 1
    paid = TerritoryMonth.objects.filter(paid_out__gt=0)
    assert {(row.month, row.departement, row.sponsor_id, row.paid_out) for row in paid} == {
        (dec, "33", sponsor.organisation.pk, 3),
        (dec, "69", sponsor.organisation.pk, 2),
        (dec, "33", other_sponsor.organisation.pk, 1),
    }
    assert sum(row.paid_out_cents for row in paid) == 5 * face + other.face_value_cents
    active = {(row.month, row.place_id) for row in ActivePlaceMonth.objects.all()}
    assert active == {(nov, place.pk), (nov, lyon.pk), (dec, place.pk)}
    assert counted["rows"] == TerritoryMonth.objects.count()
    assert OpenDataCell.objects.filter(level="national", month=nov).exists()


def test_a_rebuild_replaces_the_previous_one(provider, place, sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, quantity=20)
    redeem_at(provider, place, passes_of(order)[:2], at(2026, 11, 3))
    refresh_territory_rollup()
    first = TerritoryMonth.objects.count()
    undone = redeem_at(provider, place, passes_of(order)[2:3], timezone.now())
    refresh_territory_rollup()
    assert totals(departement="33")["used"] == 3
    assert TerritoryMonth.objects.count() == first + 1  # this month's row
    undo_redemption(acting=provider, redemption=undone)
    refresh_territory_rollup()
    assert totals(departement="33")["used"] == 2


def test_daily_job_and_command_rebuild_the_open_data(provider, place, sponsor, operator):
    from django.core.management import call_command

    from passnum.jobs.registry import daily_jobs

    order = make_order(sponsor=sponsor, operator=operator, quantity=20)
    redeem_at(provider, place, passes_of(order)[:12], at(2026, 11, 3))
    summary = daily_jobs()["refresh_territory_rollup"]()
    assert "cellule" in summary
    assert (
        OpenDataCell.objects.get(
            level="departement", code="33", month=datetime.date(2026, 11, 1)
        ).used
        == 12
    )
    OpenDataCell.objects.all().delete()
    call_command("dashboards", "refresh")
    assert OpenDataCell.objects.filter(level="national").exists()
