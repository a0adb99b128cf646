"""POST /api/v1/redemptions: all or nothing, every refusal explained, never a 500, idempotent."""

import pytest

from passnum.catalogue.models import Service
from passnum.ledger.models import LedgerTransaction, Posting
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.services import block_passes, unblock_passes
from passnum.places.enums import QualificationStatus
from passnum.places.services import remove_service_offer
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import RedemptionLine
from tests.api.helpers import (
    API,
    assert_error,
    assert_untouched,
    redeem,
    redemption_count,
    redemption_payload,
    status_of,
)
from tests.factories import PlaceFactory, a_service, offer, passes_of


@pytest.fixture
def place(place):
    """The qualified place, offering `a_service()` at 15 € (the payloads' default price)."""
    offer(place, price_cents=1500)
    return place


def test_one_pass_for_a_15_euro_service_leaves_5_euros_to_pay(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    response = redeem(api(provider), place, [item], price_cents=1500)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["place_id"] == place.pk
    assert body["service"] == a_service().code
    assert (body["price_cents"], body["amount_cents"], body["complement_cents"]) == (
        1500,
        1000,
        500,
    )
    assert body["undone_at"] is None
    assert body["passes"] == [
        {"code": pass_codes.display(item.code), "serial": item.serial, "face_value_cents": 1000}
    ]
    assert status_of(item) == PassStatus.REDEEMED
    assert status_of(passes_of(paid_order)[1]) == PassStatus.ACTIVE
    assert check_ledger() == []


def test_two_passes_cover_the_price_and_codes_may_be_typed_loosely(
    api, provider, place, paid_order
):
    items = passes_of(paid_order)[:2]
    typed = [pass_codes.display(items[0].code).lower(), " ".join(items[1].code)]
    response = api(provider).post(f"{API}/redemptions", redemption_payload(place, typed))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount_cents"], body["complement_cents"]) == (2000, 0)
    assert [p["serial"] for p in body["passes"]] == [items[0].serial, items[1].serial]
    assert {status_of(item) for item in items} == {PassStatus.REDEEMED}
    assert check_ledger() == []


def test_a_refusal_explains_every_bad_pass_and_redeems_nothing(
    api, provider, sponsor, place, paid_order
):
    items = passes_of(paid_order)
    good, used, lost = items[0], items[1], items[2]
    client = api(provider)
    assert redeem(client, place, [used]).status_code == 201
    block_passes(acting=sponsor, serial_first=lost.serial, serial_last=lost.serial, reason="vol")
    unknown = pass_codes.new_codes(1)[0]
    typo = good.code[:-1] + next(c for c in pass_codes.ALPHABET if c != good.code[-1])
    codes = [good.code, used.code, lost.code, unknown, typo, "HELLO"]
    lines_before = RedemptionLine.objects.count()
    offer(place, price_cents=9000)

    response = client.post(f"{API}/redemptions", redemption_payload(place, codes, price_cents=9000))

    error = assert_error(response, 422, "redemption_refused")
    reasons = {detail["pass"]: detail["code"] for detail in error["details"]}
    assert reasons == {
        pass_codes.display(used.code): "already_redeemed",
        pass_codes.display(lost.code): "blocked",
        pass_codes.display(unknown): "unknown_pass",
        pass_codes.display(typo): "bad_check_character",
        "HELLO": "malformed_code",
    }
    assert all(detail["message"] for detail in error["details"])
    where = next(d for d in error["details"] if d["code"] == "already_redeemed")["message"]
    assert place.name in where
    assert status_of(good) == PassStatus.ACTIVE
    assert status_of(used) == PassStatus.REDEEMED and status_of(lost) == PassStatus.BLOCKED
    assert RedemptionLine.objects.count() == lines_before and redemption_count() == 1
    assert check_ledger() == []


def test_more_passes_than_the_price_needs_is_refused(api, provider, place, paid_order):
    items = passes_of(paid_order)[:2]
    error = assert_error(
        redeem(api(provider), place, items, price_cents=1000), 422, "redemption_refused"
    )
    assert [detail["code"] for detail in error["details"]] == ["too_many_passes"]
    assert_untouched(*items)


def test_the_same_code_twice_is_refused(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    offer(place, price_cents=3000)
    response = api(provider).post(
        f"{API}/redemptions", redemption_payload(place, [item.code, item.code], price_cents=3000)
    )
    error = assert_error(response, 422, "redemption_refused")
    assert [detail["code"] for detail in error["details"]] == ["duplicate_code"]
    assert_untouched(item)


def test_a_place_not_qualified_cannot_redeem(api, provider, paid_order):
    suspended = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.SUSPENDED
    )
    item = passes_of(paid_order)[0]
    error = assert_error(redeem(api(provider), suspended, [item]), 422, "redemption_refused")
    assert [detail["code"] for detail in error["details"]] == ["place_not_qualified"]
    assert_untouched(item)


# --- the place's published offer: the service, at its price ----------------------------------


def ledger_rows() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), Posting.objects.count()


def another_service():
    return Service.objects.exclude(pk=a_service().pk).order_by("code").first()


def test_a_service_the_place_does_not_offer_is_refused(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    before = ledger_rows()
    payload = redemption_payload(place, [item.code], service=another_service())
    error = assert_error(
        api(provider).post(f"{API}/redemptions", payload), 422, "redemption_refused"
    )
    assert error["details"] == [
        {
            "code": "service_not_offered",
            "message": (
                f"Ce lieu ne propose pas le service « {another_service().label} » : ajoutez-le "
                "d'abord à l'offre du lieu pour pouvoir l'encaisser avec des pass."
            ),
        }
    ]
    assert_untouched(item)
    assert redemption_count() == 0 and RedemptionLine.objects.count() == 0
    assert ledger_rows() == before


@pytest.mark.parametrize("price", [1000, 1499, 1501, 3000])
def test_a_price_other_than_the_published_one_is_refused(api, provider, place, paid_order, price):
    item = passes_of(paid_order)[0]
    before = ledger_rows()
    payload = redemption_payload(place, [item.code], price_cents=price)
    error = assert_error(
        api(provider).post(f"{API}/redemptions", payload), 422, "redemption_refused"
    )
    assert [detail["code"] for detail in error["details"]] == ["price_not_offered"]
    assert "pass" not in error["details"][0]
    assert "15,00" in error["details"][0]["message"]
    assert_untouched(item)
    assert redemption_count() == 0 and ledger_rows() == before


def test_the_offered_service_at_its_published_price_is_redeemed(api, provider, place, paid_order):
    service = another_service()
    offer(place, service=service, price_cents=2000)
    items = passes_of(paid_order)[:2]
    payload = redemption_payload(place, [i.code for i in items], service=service, price_cents=2000)
    response = api(provider).post(f"{API}/redemptions", payload)
    assert response.status_code == 201, response.content
    assert response.json()["service"] == service.code
    assert response.json()["price_cents"] == 2000
    assert {status_of(item) for item in items} == {PassStatus.REDEEMED}
    assert check_ledger() == []


def test_a_service_removed_from_the_offer_after_qualification_is_refused(
    api, provider, place, paid_order
):
    removed = offer(place, service=another_service(), price_cents=1500)
    first, second = passes_of(paid_order)[:2]
    client = api(provider)
    payload = redemption_payload(place, [first.code], service=removed.service)
    assert client.post(f"{API}/redemptions", payload).status_code == 201
    remove_service_offer(acting=provider, offer=removed)
    payload = redemption_payload(place, [second.code], service=removed.service)
    error = assert_error(client.post(f"{API}/redemptions", payload), 422, "redemption_refused")
    assert [detail["code"] for detail in error["details"]] == ["service_not_offered"]
    assert_untouched(second)
    assert redemption_count() == 1


def test_checking_a_pass_tells_the_service_is_not_offered(api, provider, place, paid_order):
    code = passes_of(paid_order)[0].code
    client = api(provider)
    offered = client.get(f"{API}/passes/{code}", place_id=place.pk, service=a_service().code)
    assert offered.json()["usable"] is True, offered.content
    response = client.get(f"{API}/passes/{code}", place_id=place.pk, service=another_service().code)
    body = response.json()
    assert response.status_code == 200 and body["usable"] is False
    assert [refusal["code"] for refusal in body["refusals"]] == ["service_not_offered"]
    assert body["refusals"][0]["message"].startswith("Ce lieu ne propose pas le service")


def test_checking_a_pass_with_a_price_compares_it_with_the_offer(api, provider, place, paid_order):
    offer(place, service=a_service(), price_cents=1500)
    code = passes_of(paid_order)[0].code
    client = api(provider)
    query = {"place_id": place.pk, "service": a_service().code}
    right = client.get(f"{API}/passes/{code}", **query, price_cents=1500).json()
    assert right["usable"] is True, right
    wrong = client.get(f"{API}/passes/{code}", **query, price_cents=900).json()
    assert [refusal["code"] for refusal in wrong["refusals"]] == ["price_not_offered"]
    for bad in ("0", "-5", "1000001", "9223372036854775808", "quinze"):
        response = client.get(f"{API}/passes/{code}", **query, price_cents=bad)
        assert_error(response, 400, "invalid_input")


# --- invalid payloads: a 4xx in the one error shape, never a 500, nothing written ----------


def base_payload(place, item) -> dict:
    return redemption_payload(place, [item.code])


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"place_id": None}, 400, "invalid_input"),
        ({"service": None}, 400, "invalid_input"),
        ({"price_cents": None}, 400, "invalid_input"),
        ({"codes": None}, 400, "invalid_input"),
        ({"price_cents": 0}, 400, "invalid_input"),
        ({"price_cents": -1500}, 400, "invalid_input"),
        ({"price_cents": 1_000_001}, 400, "invalid_input"),
        ({"price_cents": 15.5}, 400, "invalid_input"),
        ({"price_cents": "quinze"}, 400, "invalid_input"),
        ({"codes": []}, 400, "invalid_input"),
        ({"codes": ["22222-22222-22222"] * 51}, 400, "invalid_input"),
        ({"codes": "ABCDE"}, 400, "invalid_input"),
        ({"codes": [123]}, 400, "invalid_input"),
        ({"place_id": "ici"}, 400, "invalid_input"),
        ({"service": "NOPE-99"}, 400, "unknown_service"),
        ({"place_id": 987_654_321}, 404, "not_found"),
        ({"place_id": 2**63 - 1}, 404, "not_found"),
        ({"place_id": 2**70}, 400, "invalid_input"),  # past 64 bits: refused before any query
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else None,
)
def test_an_invalid_payload_is_a_4xx(api, provider, place, paid_order, change, status, code):
    item = passes_of(paid_order)[0]
    payload = {**base_payload(place, item), **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    error = assert_error(api(provider).post(f"{API}/redemptions", payload), status, code)
    if code == "invalid_input":
        assert error["details"] and all(d["code"] == "invalid_field" for d in error["details"])
    assert_untouched(item)
    assert redemption_count() == 0


@pytest.mark.parametrize("body", ["pas du json", "[1, 2]", "null", '"texte"'])
def test_a_body_that_is_not_a_json_object_is_a_400(api, provider, place, paid_order, body):
    client = api(provider)
    response = client.client.post(
        f"{API}/redemptions", body, content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert redemption_count() == 0


def test_a_boolean_price_is_refused(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    payload = {**base_payload(place, item), "price_cents": True}
    assert_error(api(provider).post(f"{API}/redemptions", payload), 400, "invalid_input")
    assert_untouched(item)


# --- Idempotency-Key --------------------------------------------------------------------------


def test_the_same_key_and_body_replay_the_first_answer(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    client = api(provider)
    key = {"Idempotency-Key": "3f1c2a9e-0b7d-4c55-9d0e-7a1b2c3d4e5f"}
    first = redeem(client, place, [item], headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    # The same request typed differently (dashes, lower case) is the same request.
    payload = redemption_payload(place, [pass_codes.display(item.code).lower()])
    second = client.post(f"{API}/redemptions", payload, headers=key)
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert redemption_count() == 1
    assert RedemptionLine.objects.filter(pass_item=item).count() == 1
    assert status_of(item) == PassStatus.REDEEMED
    assert check_ledger() == []


def test_without_a_key_a_retry_is_refused_as_already_redeemed(api, provider, place, paid_order):
    item = passes_of(paid_order)[0]
    client = api(provider)
    assert redeem(client, place, [item]).status_code == 201
    error = assert_error(redeem(client, place, [item]), 422, "redemption_refused")
    assert error["details"][0]["code"] == "already_redeemed"
    assert redemption_count() == 1


def test_the_same_key_with_another_body_is_a_409(api, provider, place, paid_order):
    items = passes_of(paid_order)
    client = api(provider)
    key = {"Idempotency-Key": "paiement-42"}
    first = redeem(client, place, items[:1], headers=key)
    assert first.status_code == 201
    assert_error(redeem(client, place, items[1:2], headers=key), 409, "idempotency_key_reused")
    assert_error(
        redeem(client, place, items[:1], price_cents=1600, headers=key),
        409,
        "idempotency_key_reused",
    )
    assert_untouched(items[1])
    assert redemption_count() == 1


def test_a_refused_request_does_not_burn_its_key(api, provider, sponsor, place, paid_order):
    item = passes_of(paid_order)[0]
    client = api(provider)
    key = {"Idempotency-Key": "paiement-43"}
    block_passes(acting=sponsor, serial_first=item.serial, serial_last=item.serial, reason="vol")
    assert redeem(client, place, [item], headers=key).status_code == 422
    unblock_passes(acting=sponsor, serial_first=item.serial, serial_last=item.serial, reason="ok")
    retried = redeem(client, place, [item], headers=key)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert status_of(item) == PassStatus.REDEEMED


@pytest.mark.parametrize(
    "key", ["k" * 101, "clé-accentuée", "with space", "nul\x00byte", "tab\tkey"]
)
def test_a_key_too_long_or_not_printable_ascii_is_a_400(api, provider, place, paid_order, key):
    item = passes_of(paid_order)[0]
    response = redeem(api(provider), place, [item], headers={"Idempotency-Key": key})
    assert_error(response, 400, "invalid_input")
    assert_untouched(item)
