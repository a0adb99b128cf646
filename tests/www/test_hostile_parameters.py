"""Query and path parameters that look like numbers to `str.isdigit()` but are not ASCII digits
("²", "٢"), and dates at the ends of the calendar: a 4xx or the parameter ignored, never a 500."""

import pytest
from django.test import Client

from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "٢٦", "1²", "9" * 40])
def test_dashboards_ignore_non_ascii_numbers(operator, value):
    client = logged_in(operator)
    assert client.get("/tableau-de-bord/", {"commanditaire": value}).status_code == 200
    territories = client.get(
        "/tableau-de-bord/territoires/", {"financeur": value, "du": f"202{value}-01"}
    )
    assert territories.status_code == 200


@pytest.mark.parametrize("value", ["²", "٢٦"])
def test_open_data_refuses_non_ascii_numbers(value):
    client = Client()
    assert client.get(f"/donnees-ouvertes/financeur-{value}.csv").status_code == 404
    response = client.get("/api/v1/open-data/national", {"start": f"20{value}-01"})
    assert response.status_code == 400, response.content
    assert client.get("/api/v1/geography/communes", {"postcode": "٣٣٠٠٠"}).status_code == 400


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_anomaly_at_the_ends_of_the_calendar_is_404(operator, day):
    for kind in ("rythme", "carnet", "refus-lieu", "refus-membre"):
        assert logged_in(operator).get(f"/anomalies/{kind}/1/{day}/").status_code == 404
