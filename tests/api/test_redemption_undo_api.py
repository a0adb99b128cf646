"""DELETE /api/v1/redemptions/{id} (undo within 15 minutes) and GET /redemptions, /{id}.

Time is moved with `unittest.mock.patch("django.utils.timezone.now")`: undo_redemption reads
`timezone.now()` through the module, so the patch is what it sees; the redemption itself is
created at the real time before the patch starts.
"""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.passes.enums import PassStatus
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption
from tests.api.helpers import API, assert_error, redeem, status_of
from tests.factories import make_acting, passes_of


@pytest.fixture
def redeemed(api, provider, place, paid_order):
    """Two passes redeemed through the API: (client, response body, passes)."""
    client = api(provider)
    items = passes_of(paid_order)[:2]
    response = redeem(client, place, items, price_cents=2000)
    assert response.status_code == 201
    return client, response.json(), items


def minutes_later(minutes: float):
    return mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.now() + datetime.timedelta(minutes=minutes),
    )


def test_undo_gives_the_passes_back_and_reverses_the_ledger(redeemed, place):
    client, body, items = redeemed
    response = client.delete(f"{API}/redemptions/{body['id']}")
    assert response.status_code == 200, response.content
    undone = response.json()
    assert undone["id"] == body["id"] and undone["undone_at"] is not None
    assert {status_of(item) for item in items} == {PassStatus.ACTIVE}
    assert check_ledger() == []
    # The passes can be spent again.
    again = redeem(client, place, items, price_cents=2000)
    assert again.status_code == 201 and again.json()["id"] != body["id"]
    assert check_ledger() == []


def test_a_second_undo_is_a_409(redeemed):
    client, body, items = redeemed
    assert client.delete(f"{API}/redemptions/{body['id']}").status_code == 200
    assert_error(client.delete(f"{API}/redemptions/{body['id']}"), 409, "already_undone")
    assert {status_of(item) for item in items} == {PassStatus.ACTIVE}
    assert check_ledger() == []


def test_undo_after_15_minutes_is_too_late(redeemed):
    client, body, items = redeemed
    with minutes_later(16):
        error = assert_error(client.delete(f"{API}/redemptions/{body['id']}"), 409, "undo_too_late")
    assert "15" in error["message"]
    assert {status_of(item) for item in items} == {PassStatus.REDEEMED}
    assert Redemption.objects.get(pk=body["id"]).undone_at is None
    assert check_ledger() == []


def test_undo_is_still_possible_at_14_minutes(redeemed):
    client, body, items = redeemed
    with minutes_later(14):
        assert client.delete(f"{API}/redemptions/{body['id']}").status_code == 200
    assert {status_of(item) for item in items} == {PassStatus.ACTIVE}
    assert check_ledger() == []


def test_undo_until_is_15_minutes_after_creation(redeemed):
    _client, body, _items = redeemed
    created = datetime.datetime.fromisoformat(body["created_at"])
    undo_until = datetime.datetime.fromisoformat(body["undo_until"])
    assert undo_until - created == datetime.timedelta(minutes=15)


def test_an_unknown_redemption_is_a_404(api, provider):
    client = api(provider)
    assert_error(client.delete(f"{API}/redemptions/987654321"), 404, "not_found")
    assert_error(client.get(f"{API}/redemptions/987654321"), 404, "not_found")


def test_another_member_of_the_place_organisation_may_undo(redeemed, api, provider):
    _client, body, items = redeemed
    colleague = make_acting(
        OrganisationKind.PROVIDER, organisation=provider.organisation, role=MemberRole.MEMBER
    )
    assert api(colleague).delete(f"{API}/redemptions/{body['id']}").status_code == 200
    assert {status_of(item) for item in items} == {PassStatus.ACTIVE}


# --- reads ------------------------------------------------------------------------------------


def test_a_redemption_reads_as_it_was_created(redeemed):
    client, body, _items = redeemed
    response = client.get(f"{API}/redemptions/{body['id']}")
    assert response.status_code == 200
    assert response.json() == body


def test_the_list_is_newest_first_and_paginated(api, provider, place, paid_order):
    client = api(provider)
    ids = [redeem(client, place, [item]).json()["id"] for item in passes_of(paid_order)[:3]]
    listed = client.get(f"{API}/redemptions")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == ids[::-1]
    page = client.get(f"{API}/redemptions", limit=1, offset=1).json()
    assert [r["id"] for r in page] == [ids[1]]
    assert client.get(f"{API}/redemptions", limit=0).status_code == 400  # 1 to 200
    # An undone redemption stays in the list, marked undone.
    client.delete(f"{API}/redemptions/{ids[0]}")
    marked = {r["id"]: r["undone_at"] for r in client.get(f"{API}/redemptions").json()}
    assert marked[ids[0]] is not None and marked[ids[2]] is None


@pytest.mark.parametrize("path", ["/redemptions", "/orders"])
def test_a_negative_offset_is_not_a_500(api, provider, path):
    response = api(provider).get(f"{API}{path}", offset=-1)
    assert response.status_code in (200, 400)


def test_a_non_numeric_id_or_limit_is_a_400(api, provider):
    client = api(provider)
    assert_error(client.get(f"{API}/redemptions/abc"), 400, "invalid_input")
    assert_error(client.delete(f"{API}/redemptions/abc"), 400, "invalid_input")
    assert_error(client.get(f"{API}/redemptions", limit="x"), 400, "invalid_input")
