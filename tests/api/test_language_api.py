"""Messages follow Accept-Language (French by default, English on request); codes never change."""

import pytest
from django.utils import translation

from tests.api.helpers import API, assert_error, redeem
from tests.factories import passes_of


@pytest.fixture(autouse=True)
def _restore_language():
    """LocaleMiddleware leaves the request's language active in the thread: put French back so
    that tests running after these ones do not inherit English."""
    language = translation.get_language()
    yield
    translation.activate(language)


def refuse_twice(api, provider, place, paid_order):
    """The same refusal (an already redeemed pass) in French, then in English."""
    item = passes_of(paid_order)[0]
    assert redeem(api(provider), place, [item]).status_code == 201
    french = assert_error(redeem(api(provider), place, [item]), 422, "redemption_refused")
    english = assert_error(
        redeem(api(provider, language="en"), place, [item]), 422, "redemption_refused"
    )
    return french, english


def test_codes_are_the_same_in_every_language(api, provider, place, paid_order):
    french, english = refuse_twice(api, provider, place, paid_order)
    assert [d["code"] for d in french["details"]] == [d["code"] for d in english["details"]]
    assert [d["pass"] for d in french["details"]] == [d["pass"] for d in english["details"]]
    assert "Paiement refusé" in french["message"]
    assert "déjà été utilisé" in french["details"][0]["message"]


def test_a_refusal_is_in_english_when_asked(api, provider, place, paid_order):
    french, english = refuse_twice(api, provider, place, paid_order)
    assert english["message"] != french["message"]
    assert "refused" in english["message"].lower()
    detail = english["details"][0]["message"]
    assert "already" in detail.lower() and place.name in detail


def test_a_token_error_is_in_english_when_asked(api):
    french = assert_error(api(None).get(f"{API}/places"), 401, "invalid_token")
    english = assert_error(api(None, language="en").get(f"{API}/places"), 401, "invalid_token")
    assert english["message"] != french["message"]
    assert "token" in english["message"].lower()


def test_an_invalid_payload_is_in_english_when_asked(api, provider):
    french = assert_error(api(provider).post(f"{API}/redemptions", {}), 400, "invalid_input")
    english = assert_error(
        api(provider, language="en").post(f"{API}/redemptions", {}), 400, "invalid_input"
    )
    assert english["message"] != french["message"]
    assert "données" not in english["message"]
