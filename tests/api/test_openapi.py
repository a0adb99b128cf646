"""The OpenAPI document and the docs page (served from local static files, no CDN)."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

from tests.api.helpers import API

EXPECTED = {
    "/api/v1/passes/{code}": {"get"},
    "/api/v1/redemptions": {"get", "post"},
    "/api/v1/redemptions/{redemption_id}": {"get", "delete"},
    "/api/v1/places": {"get"},
    "/api/v1/orders": {"get", "post"},
    "/api/v1/orders/{order_id}": {"get"},
    "/api/v1/orders/{order_id}/issue": {"post"},
    "/api/v1/orders/{order_id}/payments": {"post"},
    "/api/v1/passes/block": {"post"},
    "/api/v1/passes/unblock": {"post"},
}


@pytest.fixture
def document(api, db) -> dict:
    response = api(None).get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_the_document_lists_every_endpoint(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "passnum API"
    paths = document["paths"]
    for path, methods in EXPECTED.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))


def test_every_endpoint_declares_bearer_auth_and_the_error_shape(document):
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values())
    for path, methods in EXPECTED.items():
        for method in methods:
            operation = document["paths"][path][method]
            assert operation.get("security"), (path, method)
            assert "401" in operation["responses"], (path, method)
    assert "Error" in document["components"]["schemas"]


def test_the_redemption_request_is_documented(document):
    body = document["paths"]["/api/v1/redemptions"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = document["components"]["schemas"][ref]
    assert set(schema["required"]) == {"place_id", "service", "price_cents", "codes"}
    parameters = document["paths"]["/api/v1/redemptions"]["post"].get("parameters", [])
    assert "Idempotency-Key" in {p["name"] for p in parameters}


@pytest.mark.django_db
def test_the_docs_page_uses_only_local_static_files(api):
    response = api(None).get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"'<>]+", html)
    assert "/api/v1/openapi.json" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"missing static file {asset}"


def test_an_unknown_api_path_answers_in_the_error_shape(api, provider):
    response = api(provider).get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_body_that_is_not_json_is_invalid_input(api, provider):
    client = api(provider)
    response = client.client.post(
        "/api/v1/redemptions", "{not json", content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
