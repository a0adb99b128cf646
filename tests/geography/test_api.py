"""Public geography endpoints: no token, the project's error shape.

Served by tests/geography/urls.py (an API configured like the project's) until
passnum/api/main.py mounts the router; then the same paths answer under the real /api/v1/.
"""

import pytest

from tests.api.helpers import API, assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.geography.urls")]


@pytest.fixture
def client(api):
    return api(None)  # no Authorization header


def test_communes_of_a_postcode_without_a_token(client):
    response = client.get(f"{API}/geography/communes", postcode="33000")
    assert response.status_code == 200
    (bordeaux,) = response.json()
    assert bordeaux["code"] == "33063"
    assert bordeaux["name"] == "Bordeaux"
    assert {"33000", "33800"} <= set(bordeaux["postcodes"])
    assert bordeaux["departement"] == {"code": "33", "name": "Gironde"}
    assert bordeaux["region"] == {"code": "75", "name": "Nouvelle-Aquitaine"}
    assert bordeaux["epci"] == {"siren": "243300316", "name": "Bordeaux Métropole", "kind": "METRO"}
    assert bordeaux["parent"] is None
    assert bordeaux["population"] > 250_000


def test_search_by_name(client):
    response = client.get(f"{API}/geography/communes", q="Saint-Etienne", limit=5)
    assert response.status_code == 200
    found = [c["code"] for c in response.json()]
    assert found[0] == "42218"
    assert len(found) == 5


def test_search_by_postcode_prefix_and_arrondissements(client):
    response = client.get(f"{API}/geography/communes", q="7501", limit=50)
    found = {c["code"]: c for c in response.json()}
    assert "75056" in found and "75111" in found
    assert found["75111"]["parent"] == "75056"


def test_an_invalid_token_does_not_matter_on_public_endpoints(client):
    client.headers["Authorization"] = "Bearer pn_not-a-token"
    assert client.get(f"{API}/geography/regions").status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "lyon", "postcode": "69001"},
        {"postcode": "6900"},
        {"q": ""},
        {"q": "a", "limit": 0},
    ],
)
def test_bad_queries_are_invalid_input(client, params):
    response = client.get(f"{API}/geography/communes", **params)
    assert_error(response, 400, "invalid_input")


def test_one_commune(client):
    response = client.get(f"{API}/geography/communes/2A004")
    assert response.status_code == 200
    assert response.json()["name"] == "Ajaccio"
    assert response.json()["region"] == {"code": "94", "name": "Corse"}


def test_an_unknown_commune_is_not_found(client):
    error = assert_error(client.get(f"{API}/geography/communes/99999"), 404, "not_found")
    assert "99999" in error["message"]


def test_departements(client):
    response = client.get(f"{API}/geography/departements")
    assert response.status_code == 200
    departements = response.json()
    assert len(departements) == 101
    assert departements[0] == {
        "code": "01",
        "name": "Ain",
        "region": {"code": "84", "name": "Auvergne-Rhône-Alpes"},
    }
    corse = client.get(f"{API}/geography/departements", region="94").json()
    assert [d["code"] for d in corse] == ["2A", "2B"]


def test_departements_of_an_unknown_region_are_not_found(client):
    assert_error(client.get(f"{API}/geography/departements", region="99"), 404, "not_found")


def test_regions(client):
    regions = client.get(f"{API}/geography/regions").json()
    assert len(regions) == 18
    assert {"code": "11", "name": "Île-de-France"} in regions


def test_the_openapi_document_shows_public_endpoints_in_their_own_tag(client):
    document = client.get(f"{API}/openapi.json").json()
    paths = {p: ops for p, ops in document["paths"].items() if "/geography/" in p}
    assert set(paths) == {
        "/api/v1/geography/communes",
        "/api/v1/geography/communes/{code}",
        "/api/v1/geography/departements",
        "/api/v1/geography/regions",
    }
    for operations in paths.values():
        operation = operations["get"]
        assert operation["tags"] == ["Géographie"]
        assert not operation.get("security")
