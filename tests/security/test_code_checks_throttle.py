"""Pass-code checks throttled per API token and per client address: 429 `too_many_requests`
with Retry-After past the limit; a scan that succeeds never touches the cache."""

from unittest import mock

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client, RequestFactory

from passnum.core.throttle import Window, client_address
from passnum.passes import codes as pass_codes
from tests.api.helpers import API, assert_error, redeem, redemption_payload
from tests.factories import api_token_for, offer, passes_of

NOW = 1_800_000_030.25  # 29.75 s before the end of a one-minute window


@pytest.fixture(autouse=True)
def frozen_clock():
    """Every request of a test falls in the same window (no flaky minute boundary)."""
    with mock.patch("passnum.core.throttle.time.time", return_value=NOW):
        yield


def unknown_code(n: int = 0) -> str:
    body = f"{'2345678923456'}{pass_codes.ALPHABET[n]}"
    return body + pass_codes.check_character(body)


def check(token: str, code: str, address: str = "192.0.2.10"):
    return Client().get(
        f"{API}/passes/{code}",
        headers={"Authorization": f"Bearer {token}"},
        REMOTE_ADDR=address,
    )


def test_the_61st_check_in_a_minute_is_refused_with_retry_after(provider, paid_order):
    token = api_token_for(provider)
    code = pass_codes.display(passes_of(paid_order)[0].code)
    for _ in range(60):
        assert check(token, code).status_code == 200
    refused = check(token, code)
    error = assert_error(refused, 429, "too_many_requests")
    assert refused["Retry-After"] == "30"
    assert "30 secondes" in error["message"]
    # the same token from another address is refused too: the token's counter is full
    assert check(token, code, address="198.51.100.7").status_code == 429


def test_another_token_and_another_address_are_not_affected(provider, paid_order):
    code = pass_codes.display(passes_of(paid_order)[0].code)
    busy = api_token_for(provider)
    for _ in range(61):
        check(busy, code)
    assert check(busy, code).status_code == 429
    assert check(api_token_for(provider), code).status_code == 200  # same address
    assert check(api_token_for(provider), code, address="198.51.100.7").status_code == 200


def test_an_address_is_limited_whatever_the_tokens(settings, provider, paid_order):
    settings.PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS = 3
    code = pass_codes.display(passes_of(paid_order)[0].code)
    for _ in range(3):
        assert check(api_token_for(provider), code).status_code == 200
    assert_error(check(api_token_for(provider), code), 429, "too_many_requests")
    assert check(api_token_for(provider), code, address="198.51.100.7").status_code == 200


def test_unknown_codes_refused_by_a_redemption_count_as_checks(settings, provider, place):
    settings.PASSNUM_CODE_CHECKS_PER_MINUTE = 3
    offer(place, price_cents=1000)
    token = api_token_for(provider)
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}

    def pay(*codes):
        payload = redemption_payload(place, codes, price_cents=1000)
        return client.post(
            f"{API}/redemptions", payload, content_type="application/json", headers=headers
        )

    error = assert_error(pay(unknown_code(0), unknown_code(1)), 422, "redemption_refused")
    assert {detail["code"] for detail in error["details"]} == {"unknown_pass"}
    # a code with a wrong check character is not a guess: refused without counting
    bad = unknown_code(2)[:-1] + ("2" if unknown_code(2)[-1] != "2" else "3")
    assert_error(pay(bad), 422, "redemption_refused")
    assert_error(pay(unknown_code(3)), 422, "redemption_refused")  # the third check
    refused = pay(unknown_code(4))
    assert_error(refused, 429, "too_many_requests")
    assert refused["Retry-After"] == "30"
    # GET /passes/{code} shares the counter
    assert check(token, unknown_code(5)).status_code == 429


def test_a_normal_redemption_does_not_touch_the_cache(api, provider, place, paid_order):
    first, second = passes_of(paid_order)[:2]
    client = api(provider)
    calls = []
    spies = {
        name: mock.patch.object(
            LocMemCache,
            name,
            autospec=True,
            side_effect=lambda *args, _name=name, **kwargs: calls.append(_name),
        )
        for name in ("add", "incr", "get", "set", "get_many", "set_many", "touch")
    }
    for spy in spies.values():
        spy.start()
    try:
        assert redeem(client, place, [first], price_cents=1000).status_code == 201
        # a refusal for another reason than an unknown code does not count either
        again = redeem(client, place, [first], price_cents=1000)
        assert again.status_code == 422
        assert calls == []
        assert redeem(client, place, [second], price_cents=1000).status_code == 201
        assert calls == []
        redeem(client, place, [], price_cents=1000)
        assert calls == []
    finally:
        for spy in spies.values():
            spy.stop()


def test_the_openapi_document_says_429(db):
    paths = Client().get(f"{API}/openapi.json").json()["paths"]
    assert "429" in paths["/api/v1/passes/{code}"]["get"]["responses"]
    assert "429" in paths["/api/v1/redemptions"]["post"]["responses"]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.2"),  # no trusted proxy: the header is the client's words
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the left part is forged
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_trusts_forwarded_for_only_behind_configured_proxies(
    settings, proxies, forwarded, expected
):
    settings.PASSNUM_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_window_reopens_after_a_minute():
    window = Window("tests", limit=2)
    assert window.hit("k") is None and window.hit("k") is None
    assert window.hit("k") == 30
    with mock.patch("passnum.core.throttle.time.time", return_value=NOW + 60):
        assert window.hit("k") is None


def test_the_window_counts_in_redis_shared_by_every_worker(settings):
    """CACHE_URL=redis://…: the counter lives in Redis, so every worker process shares it."""
    pytest.importorskip("redis")
    import socket
    import uuid

    from django.core.cache import caches

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    prefix = f"passnum-tests-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    window = Window("tests", limit=2)
    assert window.hit("k") is None and window.hit("k") is None
    assert window.hit("k") == 30
    # another connection (another worker) sees the same count, and the key expires
    other = caches.create_connection("default")
    key = other.make_and_validate_key(f"throttle:tests:k:{int(NOW // 60) * 60}")
    client = other._cache.get_client(key)
    assert int(client.get(key)) == 3
    assert 0 < client.ttl(key) <= 61
    client.delete(key)
