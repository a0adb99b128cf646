"""Bearer-token authentication: every endpoint refuses a request without a valid token."""

import pytest
from django.test import Client

from passnum.accounts.models import ApiToken
from passnum.accounts.services import create_api_token, revoke_api_token
from tests.api.helpers import API, assert_error

SAMPLE_CODE = "22222-22222-22222"
RANGE = {"serial_first": 1, "serial_last": 1, "reason": "perdu"}

# Every authenticated endpoint: (method, path, JSON body or None).
ENDPOINTS = [
    ("get", f"{API}/passes/{SAMPLE_CODE}", None),
    ("post", f"{API}/redemptions", {"place_id": 1, "service": "X", "price_cents": 1, "codes": []}),
    ("get", f"{API}/redemptions", None),
    ("get", f"{API}/redemptions/1", None),
    ("delete", f"{API}/redemptions/1", None),
    ("get", f"{API}/places", None),
    ("get", f"{API}/orders", None),
    ("get", f"{API}/orders/1", None),
    ("post", f"{API}/orders", {"quantity": 10}),
    ("post", f"{API}/orders/1/issue", {}),
    ("post", f"{API}/orders/1/payments", {"amount_cents": 1, "reference": "VIR-1"}),
    pytest.param("post", f"{API}/passes/block", RANGE),
    pytest.param("post", f"{API}/passes/unblock", RANGE),
]


def call(method: str, path: str, body, authorization: str | None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    client = Client()
    if method == "post":
        return client.post(path, body, content_type="application/json", headers=headers)
    return getattr(client, method)(path, headers=headers)


def assert_invalid_token(response) -> None:
    error = assert_error(response, 401, "invalid_token")
    assert error["details"] == []
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    "authorization",
    [
        None,  # no header at all
        "Bearer",  # scheme without a token
        "Basic dXNlcjpwYXNz",  # another scheme
        "pn_abc",  # a token without the scheme
        "Bearer not-a-passnum-token",  # malformed: no pn_ prefix
        "Bearer pn_unknownunknownunknownunknownunknown",  # well-formed, unknown
    ],
    ids=["none", "empty", "basic", "no-scheme", "malformed", "unknown"],
)
@pytest.mark.django_db
def test_every_endpoint_refuses_a_missing_or_bad_token(method, path, body, authorization):
    assert_invalid_token(call(method, path, body, authorization))


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_a_revoked_token(provider, method, path, body):
    issued = create_api_token(actor=provider.user, membership=provider.membership, name="till")
    revoke_api_token(actor=provider.user, token=issued.token)
    assert_invalid_token(call(method, path, body, f"Bearer {issued.clear}"))


def test_a_token_works_until_it_is_revoked(provider, place):
    issued = create_api_token(actor=provider.user, membership=provider.membership, name="till")
    before = call("get", f"{API}/places", None, f"Bearer {issued.clear}")
    assert before.status_code == 200
    assert [p["id"] for p in before.json()] == [place.pk]

    revoke_api_token(actor=provider.user, token=ApiToken.objects.get(pk=issued.token.pk))
    assert_invalid_token(call("get", f"{API}/places", None, f"Bearer {issued.clear}"))


def test_a_deactivated_user_token_is_refused(provider):
    issued = create_api_token(actor=provider.user, membership=provider.membership, name="till")
    assert call("get", f"{API}/places", None, f"Bearer {issued.clear}").status_code == 200
    type(provider.user).objects.filter(pk=provider.user.pk).update(is_active=False)
    assert_invalid_token(call("get", f"{API}/places", None, f"Bearer {issued.clear}"))


def test_the_api_client_fixture_authenticates(api, provider):
    assert api(provider).get(f"{API}/places").status_code == 200
    assert_invalid_token(api(None).get(f"{API}/places"))
