"""The Content Security Policy header: on every document, not on the API's JSON answers."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", ["/", "/connexion/", "/mot-de-passe/oublie/", "/api/v1/docs"])
def test_documents_allow_only_the_site_and_the_map_tiles(path):
    response = Client().get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "https://*.tile.openstreetmap.fr"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "script-src" not in policy and "style-src" not in policy  # default-src: no inline


def test_json_answers_skip_the_policy(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
