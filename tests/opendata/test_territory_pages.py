"""Territory dashboards (`/tableau-de-bord/territoires/`): a hub sees its own départements only
(pages and exports), operator staff see every one, anyone else gets a 403; the figures, filters
and CSV / XLSX exports."""

import csv
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from passnum.accounts.enums import OrganisationKind
from passnum.dashboards.territory import refresh_territory_rollup
from passnum.feedback.enums import Return, Usefulness
from passnum.feedback.services import record_feedback
from passnum.orders.validation import UsageRules
from tests.factories import PlaceFactory, make_acting, make_order, passes_of
from tests.payouts.helpers import at, redeem_at
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db

PAGE = "/tableau-de-bord/territoires/"


@pytest.fixture
def hub(db):
    acting = make_acting(OrganisationKind.HUB)
    acting.organisation.territory = ["33"]
    acting.organisation.save()
    return acting


@pytest.fixture
def world(provider, place, sponsor, operator):
    """Gironde: an order for the département, 3 passes used in November at `place`; Rhône: an
    order of another funder, 2 passes used at Lyon."""
    lyon = PlaceFactory(
        organisation=provider.organisation,
        name="EPN de Lyon",
        commune_name="Lyon",
        commune_code="69123",
        epci_code="200046977",
        departement="69",
        region="84",
        postcode="69001",
    )
    gironde = make_order(
        sponsor=sponsor, operator=operator, quantity=20, rules=UsageRules(departements=["33"])
    )
    rhone_funder = make_acting(OrganisationKind.SPONSOR)
    rhone = make_order(
        sponsor=rhone_funder, operator=operator, quantity=10, rules=UsageRules(departements=["69"])
    )
    redeem_at(provider, place, passes_of(gironde)[:3], at(2026, 11, 3))
    redeem_at(provider, lyon, passes_of(rhone)[:2], at(2026, 11, 4))
    refresh_territory_rollup()
    return {"gironde": gironde, "rhone": rhone, "rhone_funder": rhone_funder, "lyon": lyon}


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_a_hub_sees_its_territory_only(hub, world, sponsor):
    response = logged_in(hub).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "33 – Gironde" in page
    assert "69 – Rhône" not in page
    assert world["rhone_funder"].organisation.name not in page
    assert sponsor.organisation.name in page
    rows = csv_rows(
        logged_in(hub).get(reverse("territory_dashboard_export", args=["departements", "csv"]))
    )
    assert [row[0] for row in rows[1:]] == ["33 – Gironde"]
    assert rows[1][7] == "3"  # passes used
    assert logged_in(hub).get(PAGE, {"departement": "69"}).status_code == 404
    export = reverse("territory_dashboard_export", args=["mois", "csv"])
    assert logged_in(hub).get(export, {"departement": "69"}).status_code == 404


def test_a_hub_without_territory_sees_nothing(world):
    empty = make_acting(OrganisationKind.HUB)
    response = logged_in(empty).get(PAGE)
    assert response.status_code == 200
    rows = csv_rows(
        logged_in(empty).get(reverse("territory_dashboard_export", args=["epci", "csv"]))
    )
    assert rows[1:] == []


def test_operator_sees_every_departement_and_filters(operator, world):
    client = logged_in(operator)
    rows = csv_rows(client.get(reverse("territory_dashboard_export", args=["departements", "csv"])))
    labels = [row[0] for row in rows[1:]]
    assert "33 – Gironde" in labels and "69 – Rhône" in labels
    funder = world["rhone_funder"].organisation
    rows = csv_rows(
        client.get(
            reverse("territory_dashboard_export", args=["financeurs", "csv"]),
            {"financeur": funder.pk},
        )
    )
    assert [row[0] for row in rows[1:]] == [funder.name]
    assert rows[1][7] == "2"
    rows = csv_rows(
        client.get(reverse("territory_dashboard_export", args=["mois", "csv"]), {"du": "2026-12"})
    )
    assert all(row[7] == "0" for row in rows[1:])  # used in November only
    assert client.get(PAGE, {"financeur": "999999"}).status_code == 404
    page = client.get(
        PAGE, {"du": "2026-11", "au": "2026-11", "departement": "69"}
    ).content.decode()
    assert "EPN de Lyon" not in page  # places only by territory
    assert "Métropole de Lyon" in page or "200046977" in page


def test_epci_and_active_places(operator, world):
    rows = csv_rows(
        logged_in(operator).get(reverse("territory_dashboard_export", args=["epci", "csv"]))
    )
    by_label = {row[0]: row for row in rows[1:]}
    bordeaux = next(row for label, row in by_label.items() if "243300316" in label)
    assert (bordeaux[7], bordeaux[8]) == ("3", "1")  # 3 passes used, 1 active place


def test_xlsx_export(operator, world):
    response = logged_in(operator).get(reverse("territory_dashboard_export", args=["mois", "xlsx"]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(content)).namelist()


def test_feedback_is_shown_per_departement(hub, provider, place, sponsor, operator, world):
    redemption = redeem_at(provider, place, passes_of(world["gironde"])[5:6], at(2026, 11, 20))
    record_feedback(redemption=redemption, useful=Usefulness.VERY, would_return=Return.YES)
    rows = csv_rows(logged_in(hub).get(reverse("territory_dashboard_export", args=["avis", "csv"])))
    assert rows[1][0] == "33" and rows[1][1] == "1"


@pytest.mark.parametrize(
    "kind", [OrganisationKind.SPONSOR, OrganisationKind.PROVIDER, OrganisationKind.DISTRIBUTOR]
)
def test_others_are_refused(kind, world):
    client = logged_in(make_acting(kind))
    assert client.get(PAGE).status_code == 403
    assert (
        client.get(reverse("territory_dashboard_export", args=["mois", "csv"])).status_code == 403
    )


def test_anonymous_is_sent_to_login(world):
    response = Client().get(PAGE)
    assert response.status_code == 302


def test_unknown_table_or_format_is_404(operator, world):
    client = logged_in(operator)
    assert (
        client.get(reverse("territory_dashboard_export", args=["nothing", "csv"])).status_code
        == 404
    )
    assert (
        client.get(reverse("territory_dashboard_export", args=["mois", "pdf"])).status_code == 404
    )
