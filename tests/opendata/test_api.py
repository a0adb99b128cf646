"""The open-data API (no token) and files: the published figures, secret cells as null with their
`secret` list, the licence, 404s, and the answers from the real services end to end."""

import csv
import datetime
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from passnum.accounts.enums import OrganisationKind
from passnum.dashboards.models import OpenDataCell, RollupState, TerritoryMonth
from passnum.dashboards.opendata import LICENCE, published_cells
from passnum.dashboards.territory import refresh_territory_rollup
from passnum.orders.validation import UsageRules
from tests.factories import OrganisationFactory, PlaceFactory, make_order, passes_of
from tests.payouts.helpers import at, redeem_at

pytestmark = pytest.mark.django_db

NOV, DEC = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)


@pytest.fixture
def funders(db):
    region = OrganisationFactory(kind=OrganisationKind.SPONSOR, name="Région Nouvelle-Aquitaine")
    company = OrganisationFactory(kind=OrganisationKind.SPONSOR, name="Opérateur télécom")
    rows = [
        TerritoryMonth(
            month=NOV,
            sponsor=region,
            region="75",
            departement="33",
            used=4,
            committed_cents=100_000,
            issued=100,
        ),
        TerritoryMonth(
            month=NOV, sponsor=region, region="75", departement="40", used=30, handed_out=50
        ),
        TerritoryMonth(
            month=NOV,
            sponsor=company,
            region="84",
            departement="69",
            used=50,
            paid_out=50,
            paid_out_cents=50_000,
        ),
        TerritoryMonth(month=DEC, sponsor=company, region="84", departement="69", used=70),
    ]
    OpenDataCell.objects.bulk_create(published_cells(rows))
    RollupState.objects.create(refreshed_at=datetime.datetime(2026, 12, 7, 3, tzinfo=datetime.UTC))
    return region, company


def get(path, **params):
    response = Client().get(f"/api/v1{path}", params)
    return response.status_code, response.json()


def test_national_series_with_licence_and_threshold(funders):
    status, body = get("/open-data/national")
    assert status == 200
    assert body["licence"] == LICENCE
    assert body["threshold"] == 11
    assert body["name"] == "France entière"
    assert [(row["month"], row["used"]) for row in body["rows"]] == [
        ("2026-11", 84),
        ("2026-12", 70),
    ]
    assert body["rows"][0]["committed_cents"] == 100_000
    assert set(body["fields"]) >= {"committed_cents", "paid_out_cents", "secret"}


def test_a_departement_series_shows_secret_cells_as_null(funders):
    status, body = get("/open-data/departements/33")
    assert status == 200
    assert body["name"] == "Gironde"
    (row,) = body["rows"]
    assert row["used"] is None and row["secret"] == ["used"]
    assert row["issued"] == 100  # never secret
    _status, landes = get("/open-data/departements/40")
    assert landes["rows"][0]["used"] is None  # complementary: 34 − 30 would give Gironde away


def test_months_range_and_one_month_of_every_area(funders):
    _status, body = get("/open-data/regions/84", start="2026-12", end="2026-12")
    assert [row["month"] for row in body["rows"]] == ["2026-12"]
    status, body = get("/open-data/departements", month="2026-11")
    assert status == 200
    assert [(row["code"], row["name"]) for row in body["rows"]] == [
        ("33", "Gironde"),
        ("40", "Landes"),
        ("69", "Rhône"),
    ]
    _status, body = get("/open-data/regions", month="2026-11")
    assert {row["code"]: row["used"] for row in body["rows"]} == {"75": 34, "84": 50}


def test_funders_are_named(funders):
    _region, company = funders
    _status, body = get("/open-data")
    assert [funder["name"] for funder in body["funders"]] == [
        "Opérateur télécom",
        "Région Nouvelle-Aquitaine",
    ]
    status, body = get(f"/open-data/funders/{company.pk}")
    assert status == 200 and body["name"] == "Opérateur télécom"
    assert body["rows"][0]["paid_out_cents"] == 50_000
    _status, body = get("/open-data/funders", month="2026-11")
    assert {row["name"] for row in body["rows"]} == {
        "Opérateur télécom",
        "Région Nouvelle-Aquitaine",
    }


@pytest.mark.parametrize(
    "path, params",
    [
        ("/open-data/departements/99", {}),
        ("/open-data/regions/99", {}),
        ("/open-data/funders/999999", {}),
    ],
)
def test_unknown_areas_are_404(funders, path, params):
    status, body = get(path, **params)
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_a_bad_month_is_400(funders):
    status, _body = get("/open-data/departements", month="2026-13")
    assert status == 400
    status, _body = get("/open-data/national", start="0000-01")
    assert status == 400


def test_a_provider_is_not_a_funder(funders, provider):
    status, _body = get(f"/open-data/funders/{provider.organisation.pk}")
    assert status == 404


# --- Files ---------------------------------------------------------------------------------------


def test_csv_file_of_every_departement(funders):
    response = Client().get(reverse("opendata_file", args=["departements", "csv"]))
    assert response.status_code == 200
    assert LICENCE["url"] in response["Link"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    gironde = next(row for row in rows if row["code"] == "33")
    assert (gironde["name"], gironde["month"], gironde["used"], gironde["secret"]) == (
        "Gironde",
        "2026-11",
        "",
        "used",
    )
    assert (
        next(row for row in rows if row["code"] == "69" and row["month"] == "2026-12")["used"]
        == "70"
    )


def test_json_file_of_one_funder_states_the_licence(funders):
    _region, company = funders
    response = Client().get(reverse("opendata_file", args=[f"financeur-{company.pk}", "json"]))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["licence"]["spdx"] == "etalab-2.0"
    assert [row["used"] for row in body["rows"]] == [50, 70]


@pytest.mark.parametrize("name", ["departement-99", "financeur-x", "lieux", "region-"])
def test_unknown_files_are_404(funders, name):
    assert Client().get(reverse("opendata_file", args=[name, "csv"])).status_code == 404
    assert Client().get(reverse("opendata_file", args=["national", "xml"])).status_code == 404


def test_index_page_lists_files_and_licence(funders):
    response = Client().get(reverse("opendata_index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert LICENCE["name"] in page
    assert reverse("opendata_file", args=["departements", "csv"]) in page
    assert "Opérateur télécom" in page


def test_end_to_end_from_the_services(provider, place, sponsor, operator):
    """Twelve passes used in Gironde are published; one used in Landes is secret, and so is
    Gironde then (the région total would give Landes away)."""
    order = make_order(
        sponsor=sponsor, operator=operator, quantity=20, rules=UsageRules(regions=["75"])
    )
    items = passes_of(order)
    redeem_at(provider, place, items[:12], at(2026, 11, 3))
    landes = PlaceFactory(
        organisation=provider.organisation,
        commune_name="Mont-de-Marsan",
        commune_code="40192",
        epci_code="244000675",
        departement="40",
        region="75",
        postcode="40000",
    )
    redeem_at(provider, landes, items[12:13], at(2026, 11, 4))
    refresh_territory_rollup()
    _status, gironde = get("/open-data/departements/33")
    _status, region = get("/open-data/regions/75")
    assert gironde["rows"][0]["used"] is None
    assert [row["used"] for row in region["rows"] if row["month"] == "2026-11"] == [13]
    _status, funder = get(f"/open-data/funders/{sponsor.organisation.pk}")
    assert funder["rows"][0]["month"] == "2026-11"
