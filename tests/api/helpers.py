"""Helpers shared by the API tests (plain functions, no fixtures: each module declares its own)."""

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.places.models import Place
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption
from tests.factories import PlaceFactory, a_service, make_acting, offer

API = "/api/v1"


def assert_error(response, status: int, code: str) -> dict:
    """`response` is the API's one error shape with this status and stable code; returns it."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


def redemption_payload(place: Place, codes, *, price_cents: int = 1500, service=None) -> dict:
    return {
        "place_id": place.pk,
        "service": (service or a_service()).code,
        "price_cents": price_cents,
        "codes": list(codes),
    }


def redeem(client, place: Place, passes, *, price_cents: int = 1500, headers=None):
    """POST /redemptions for these passes (Pass objects) at `place`, which first offers
    `a_service()` at `price_cents` (a redemption must match the place's offer)."""
    offer(place, price_cents=price_cents)
    payload = redemption_payload(place, [item.code for item in passes], price_cents=price_cents)
    return client.post(f"{API}/redemptions", payload, headers=headers)


def status_of(item: Pass) -> str:
    item.refresh_from_db()
    return item.status


def assert_untouched(*passes: Pass) -> None:
    """Every pass is still active and the ledger balances: nothing was redeemed."""
    assert [status_of(item) for item in passes] == [PassStatus.ACTIVE] * len(passes)
    assert check_ledger() == []


def redemption_count() -> int:
    return Redemption.objects.count()


def other_provider() -> tuple[Acting, Place]:
    """A second provider organisation with its own qualified place."""
    acting = make_acting(OrganisationKind.PROVIDER)
    return acting, PlaceFactory(organisation=acting.organisation)
