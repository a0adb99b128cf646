"""GET /api/v1/passes/{code} (what a place may know) and POST /passes/block|unblock."""

import datetime
from decimal import Decimal

import pytest

from passnum.catalogue.models import Service
from passnum.orders.services import UsageRules
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.places.enums import QualificationStatus
from passnum.redemptions.models import Redemption
from tests.api.helpers import API, assert_error, redeem, status_of
from tests.factories import PlaceFactory, a_service, make_order, offer, passes_of


def check(client, code: str, **params) -> dict:
    response = client.get(f"{API}/passes/{code}", **params)
    assert response.status_code == 200, response.content
    return response.json()


def refusal_codes(body: dict) -> list[str]:
    return [refusal["code"] for refusal in body["refusals"]]


def test_an_active_pass_is_usable(api, provider, paid_order):
    item = passes_of(paid_order)[0]
    body = check(api(provider), item.code)
    assert body == {
        "code": pass_codes.display(item.code),
        "known": True,
        "status": PassStatus.ACTIVE,
        "face_value_cents": 1000,
        "expires_on": paid_order.expires_on.isoformat(),
        "usable": True,
        "refusals": [],
    }


def test_a_code_typed_with_dashes_and_in_lower_case_is_found(api, provider, paid_order):
    item = passes_of(paid_order)[0]
    body = check(api(provider), pass_codes.display(item.code).lower())
    assert body["known"] is True and body["usable"] is True
    assert body["code"] == pass_codes.display(item.code)


@pytest.mark.django_db
def test_a_well_formed_unknown_code(api, provider):
    code = pass_codes.new_codes(1)[0]
    body = check(api(provider), code)
    assert body["known"] is False and body["usable"] is False
    assert body["status"] is None and body["face_value_cents"] is None
    assert refusal_codes(body) == ["unknown_pass"]


def test_a_wrong_check_character_is_caught_before_any_lookup(api, provider, paid_order):
    code = passes_of(paid_order)[0].code
    typo = code[:-1] + next(c for c in pass_codes.ALPHABET if c != code[-1])
    body = check(api(provider), typo)
    assert body["known"] is False and body["usable"] is False
    assert refusal_codes(body) == ["bad_check_character"]


@pytest.mark.parametrize("raw", ["ABC", "22222-22222-2222O", "2222222222222222"])
def test_a_malformed_code(api, provider, raw):
    body = check(api(provider), raw)
    assert body["known"] is False and body["usable"] is False
    assert refusal_codes(body) == ["malformed_code"]


def test_an_unpaid_order_pass_is_known_but_not_active(api, provider, sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False)
    body = check(api(provider), passes_of(order)[0].code)
    assert body["known"] is True and body["status"] == PassStatus.INACTIVE
    assert body["usable"] is False and refusal_codes(body) == ["not_active"]


def test_rules_apply_when_place_and_service_are_given(api, provider, place, sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, rules=UsageRules(departements=["75"]))
    code = passes_of(order)[0].code
    client = api(provider)
    offer(place)
    assert check(client, code)["usable"] is True  # no place: the perimeter cannot be judged
    here = check(client, code, place_id=place.pk, service=a_service().code)
    assert here["usable"] is False
    assert refusal_codes(here) == ["outside_perimeter"]
    paris = PlaceFactory(
        organisation=provider.organisation,
        postcode="75001",
        commune_name="Paris",
        commune_code="75056",
        epci_code="200054781",
        departement="75",
        region="11",
        latitude=Decimal("48.860000"),
        longitude=Decimal("2.340000"),
    )
    offer(paris)
    assert check(client, code, place_id=paris.pk, service=a_service().code)["usable"] is True


def test_a_service_the_sponsor_did_not_allow(api, provider, place, sponsor, operator):
    allowed = Service.objects.exclude(family=a_service().family).order_by("code").first()
    order = make_order(
        sponsor=sponsor, operator=operator, rules=UsageRules(families=[allowed.family.code])
    )
    code = passes_of(order)[0].code
    client = api(provider)
    offer(place)
    offer(place, service=allowed)
    refused = check(client, code, place_id=place.pk, service=a_service().code)
    assert refusal_codes(refused) == ["service_not_allowed"]
    assert check(client, code, place_id=place.pk, service=allowed.code)["usable"] is True


def test_a_place_not_qualified_is_told_so(api, provider, paid_order):
    draft = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.SUBMITTED
    )
    body = check(api(provider), passes_of(paid_order)[0].code, place_id=draft.pk)
    assert body["usable"] is False and refusal_codes(body) == ["place_not_qualified"]


def test_an_unknown_service_is_a_400(api, provider, place, paid_order):
    response = api(provider).get(
        f"{API}/passes/{passes_of(paid_order)[0].code}", place_id=place.pk, service="NOPE-99"
    )
    assert_error(response, 400, "unknown_service")


def test_an_already_redeemed_pass_says_when_and_where(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    client = api(provider)
    assert redeem(client, place, [item]).status_code == 201
    body = check(client, item.code)
    assert body["known"] is True and body["status"] == PassStatus.REDEEMED
    assert body["usable"] is False and refusal_codes(body) == ["already_redeemed"]
    message = body["refusals"][0]["message"]
    assert place.name in message and place.commune_name in message


def test_the_redemption_time_is_shown_in_local_time(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    client = api(provider)
    redemption_id = redeem(client, place, [item]).json()["id"]
    at = datetime.datetime(2026, 1, 15, 9, 30, tzinfo=datetime.UTC)  # 10:30 in Paris
    Redemption.objects.filter(pk=redemption_id).update(created_at=at)
    message = check(client, item.code)["refusals"][0]["message"]
    assert "15/01/2026 10:30" in message


def test_a_sponsor_cannot_check_passes(api, sponsor, paid_order):
    response = api(sponsor).get(f"{API}/passes/{passes_of(paid_order)[0].code}")
    assert_error(response, 403, "wrong_organisation_kind")


# --- block / unblock -------------------------------------------------------------------------


def serial_range(passes, reason: str = "carnet perdu") -> dict:
    return {"serial_first": passes[0].serial, "serial_last": passes[-1].serial, "reason": reason}


def test_a_sponsor_blocks_then_unblocks_its_passes(api, sponsor, provider, place, paid_order):
    items = passes_of(paid_order)[:3]
    client = api(sponsor)
    response = client.post(f"{API}/passes/block", serial_range(items))
    assert response.status_code == 200 and response.json() == {"count": 3}
    assert {status_of(item) for item in items} == {PassStatus.BLOCKED}
    assert status_of(passes_of(paid_order)[3]) == PassStatus.ACTIVE
    assert refusal_codes(check(api(provider), items[0].code)) == ["blocked"]
    refused = redeem(api(provider), place, items[:1])
    assert assert_error(refused, 422, "redemption_refused")["details"][0]["code"] == "blocked"

    response = client.post(f"{API}/passes/unblock", serial_range(items))
    assert response.status_code == 200 and response.json() == {"count": 3}
    assert {status_of(item) for item in items} == {PassStatus.ACTIVE}


def test_blocking_twice_changes_nothing_the_second_time(api, sponsor, paid_order):
    items = passes_of(paid_order)[:2]
    client = api(sponsor)
    assert client.post(f"{API}/passes/block", serial_range(items)).status_code == 200
    assert_error(client.post(f"{API}/passes/block", serial_range(items)), 409, "no_passes_changed")
    assert_error(
        client.post(f"{API}/passes/unblock", serial_range(passes_of(paid_order)[5:6])),
        409,
        "no_passes_changed",
    )


def test_the_operator_blocks_any_pass(api, operator, paid_order):
    items = passes_of(paid_order)[:1]
    response = api(operator).post(f"{API}/passes/block", serial_range(items))
    assert response.status_code == 200 and response.json() == {"count": 1}
    assert status_of(items[0]) == PassStatus.BLOCKED


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"serial_first": 5, "serial_last": 4, "reason": "perdu"}, "invalid_input"),  # schema
        ({"serial_first": 1, "serial_last": 200_000, "reason": "perdu"}, "invalid_serial_range"),
        ({"serial_first": 0, "serial_last": 4, "reason": "perdu"}, "invalid_input"),
        ({"serial_first": 1, "serial_last": 4, "reason": ""}, "invalid_input"),
        ({"serial_first": "un", "serial_last": 4, "reason": "perdu"}, "invalid_input"),
        ({"serial_last": 4, "reason": "perdu"}, "invalid_input"),
    ],
)
def test_a_bad_range_is_a_400(api, sponsor, paid_order, payload, code):
    assert_error(api(sponsor).post(f"{API}/passes/block", payload), 400, code)
    assert {item.status for item in passes_of(paid_order)} == {PassStatus.ACTIVE}
