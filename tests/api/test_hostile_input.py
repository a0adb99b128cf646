"""No input gives a 500 (issue 7): each hostile input of the issue answers a 4xx in the API's error
shape (a small page on the web side), and writes nothing. The schemathesis run (test_fuzz.py)
covers the rest; these pin down the cases seen, and the limits the OpenAPI document states."""

import datetime
import json

import pytest
import schemathesis
from django.test import Client
from django.utils import timezone, translation

from passnum.api.types import INT64_MAX
from passnum.core.exceptions import InvalidInput
from passnum.orders.enums import OrderStatus
from passnum.orders.exceptions import InvalidOrder
from passnum.orders.models import Order, OrderTransition
from passnum.orders.services import create_order, latest_valid_until, record_payment
from passnum.passes.enums import PassStatus
from passnum.passes.models import PassEvent
from passnum.places.models import Place
from passnum.redemptions.models import Redemption
from tests.api.helpers import API, assert_error, redemption_payload
from tests.factories import make_order, passes_of

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "L'adresse demandée contient un caractère nul."


def field_errors(error: dict) -> dict[str, str]:
    return {detail["field"]: detail["message"] for detail in error["details"]}


# --- A NUL character in the address: 400 before any view, the API's shape or a page ----------


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/geography/communes/33%0063",
        f"{API}/geography/departements?region=7%005",
        f"{API}/geography/communes?q=Bor%00deaux",
        f"{API}/nothing/%00",
    ],
)
def test_a_nul_in_an_api_address_is_a_400_without_a_token(path):
    error = assert_error(Client().get(path), 400, "nul_character")
    assert error["message"] == NUL_MESSAGE


def test_a_nul_in_a_page_address_is_a_readable_400_page():
    for path in ("/lieux/?q=a%00b", "/lieux/%00/"):
        response = Client().get(path)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert '<html lang="fr">' in page and "<h1>Requête invalide</h1>" in page
        assert "contient un caractère nul" in page
    english = Client().get("/lieux/?q=%00", headers={"Accept-Language": "en"})
    assert english.status_code == 400 and '<html lang="en">' in english.content.decode()


def test_a_nul_in_an_authenticated_address_is_a_400(api, provider, place):
    client = api(provider)
    for path in (f"{API}/passes/22222-22222-22222?service=MES%0001", f"{API}/passes/2222%0022222"):
        assert_error(client.client.get(path, headers=client.headers), 400, "nul_character")


# --- NUL in JSON texts: 400 invalid_input, the field named, nothing written --------------------


def test_an_order_label_with_a_nul_is_refused(api, sponsor):
    response = api(sponsor).post(f"{API}/orders", {"quantity": 10, "label": "Médiathèques\x00"})
    error = assert_error(response, 400, "invalid_input")
    assert "caractère de contrôle" in field_errors(error)["payload.label"]
    assert not Order.objects.exists()


def test_a_block_reason_with_a_nul_is_refused(api, sponsor, paid_order):
    first = passes_of(paid_order)[0].serial
    events = PassEvent.objects.count()
    response = api(sponsor).post(
        f"{API}/passes/block",
        {"serial_first": first, "serial_last": first, "reason": "perdu\x00"},
    )
    error = assert_error(response, 400, "invalid_input")
    assert set(field_errors(error)) == {"payload.reason"}
    assert PassEvent.objects.count() == events
    assert {item.status for item in passes_of(paid_order)} == {PassStatus.ACTIVE}


def test_a_payment_reference_with_a_nul_is_refused(api, sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False)
    response = api(operator).post(
        f"{API}/orders/{order.pk}/payments",
        {"amount_cents": order.total_due_cents, "reference": "VIR\x00-1"},
    )
    error = assert_error(response, 400, "invalid_input")
    assert set(field_errors(error)) == {"payload.reference"}
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.payment_reference == ""
    assert not OrderTransition.objects.filter(order=order, to_status=OrderStatus.PAID).exists()


def test_a_scanned_code_with_a_nul_is_refused(api, provider, place, paid_order):
    payload = redemption_payload(place, ["22222\x00"])
    error = assert_error(api(provider).post(f"{API}/redemptions", payload), 400, "invalid_input")
    assert set(field_errors(error)) == {"payload.codes.0"}
    assert not Redemption.objects.exists()


# --- Integers past 64 bits: 400, not an overflow in the database -------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/redemptions?offset=9223372036854775808",
        f"{API}/orders?offset=99999999999999999999",
        f"{API}/orders/99999999999999999999",
        f"{API}/redemptions/9223372036854775808",
        f"{API}/passes/22222-22222-22222?place_id=9223372036854775808",
    ],
)
def test_an_integer_past_64_bits_is_a_400(api, provider, path):
    error = assert_error(api(provider).get(path), 400, "invalid_input")
    assert str(INT64_MAX) in error["details"][0]["message"]


def test_the_largest_64_bit_integers_are_accepted(api, provider, sponsor):
    assert api(provider).get(f"{API}/redemptions?offset={INT64_MAX}").json() == []
    assert_error(api(sponsor).get(f"{API}/orders/{INT64_MAX}"), 404, "not_found")


# --- Bodies too large, broken or too many fields -------------------------------------------------


def test_a_10_mb_body_is_a_413(api, provider, place, paid_order):
    client = api(provider)
    body = json.dumps(redemption_payload(place, [passes_of(paid_order)[0].code]))
    body = body[:-1] + ', "padding": "' + "x" * 10 * 1024 * 1024 + '"}'
    response = client.client.post(
        f"{API}/redemptions", body, content_type="application/json", headers=client.headers
    )
    error = assert_error(response, 413, "payload_too_large")
    assert "octets" in error["message"]
    assert not Redemption.objects.exists()


def test_a_body_too_large_is_refused_from_its_content_length_before_it_is_read(api, provider):
    """The test client's input holds 2 bytes and fails if more are read: the 413 comes first."""
    client = api(provider)
    response = client.client.generic(
        "POST",
        f"{API}/redemptions",
        b"{}",
        content_type="application/json",
        headers=client.headers,
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert_error(response, 413, "payload_too_large")


def test_a_multipart_field_too_large_is_a_413(api, operator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # Django's own check, while it parses
    client = api(operator)
    response = client.client.post(
        f"{API}/standard/import",
        {"source": "x" * 2000, "file": ("lieux.csv", b"id\n")},
        headers=client.headers,
    )
    assert_error(response, 413, "payload_too_large")
    assert not Place.objects.filter(source="x" * 2000).exists()


def test_too_many_query_fields_is_a_400(api, sponsor):
    query = "&".join(f"f{n}=1" for n in range(1100))
    assert_error(
        api(sponsor).client.get(f"{API}/orders?{query}", headers=api(sponsor).headers),
        400,
        "too_many_fields",
    )


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("provider", 403, "wrong_organisation_kind"),
        ("sponsor", 403, "wrong_organisation_kind"),
        ("operator", 400, "invalid_multipart"),
    ],
)
def test_a_multipart_body_without_boundary(api, request, kind, status, code):
    """Who may not import is refused before the body is parsed; the operator learns it is broken."""
    client = api(request.getfixturevalue(kind))
    places = Place.objects.count()
    response = client.client.post(
        f"{API}/standard/import",
        b"--x\r\nContent-Disposition: form-data; name=source\r\n\r\ns\r\n--x--\r\n",
        content_type="multipart/form-data",
        headers=client.headers,
    )
    assert_error(response, status, code)
    assert Place.objects.count() == places


def test_a_body_that_is_not_json_says_so(api, sponsor):
    client = api(sponsor)
    for body in ("{not json", "[" * 100_000, b"\xff\xfe"):
        response = client.client.post(
            f"{API}/orders", body, content_type="application/json", headers=client.headers
        )
        error = assert_error(response, 400, "invalid_input")
        assert error["message"] == "Le corps de la requête n'est pas du JSON valide."
    assert not Order.objects.exists()


# --- Orders: validity and label within what the database and dates can hold --------------------


@pytest.mark.parametrize("valid_until", ["9999-12-31", "2200-01-01"])
def test_a_validity_end_too_far_is_a_400(api, sponsor, valid_until):
    response = api(sponsor).post(f"{API}/orders", {"quantity": 10, "valid_until": valid_until})
    error = assert_error(response, 400, "invalid_input")
    latest = latest_valid_until().isoformat()
    assert field_errors(error) == {
        "payload.valid_until": f"La date doit être au plus tard le {latest}."
    }
    assert not Order.objects.exists()


def test_the_latest_validity_end_is_accepted(api, sponsor):
    latest = latest_valid_until()
    response = api(sponsor).post(f"{API}/orders", {"quantity": 10, "valid_until": str(latest)})
    assert response.status_code == 201, response.content
    assert response.json()["expires_on"] > str(latest)


def test_a_label_over_200_characters_is_a_400(api, sponsor):
    response = api(sponsor).post(f"{API}/orders", {"quantity": 10, "label": "é" * 201})
    error = assert_error(response, 400, "invalid_input")
    assert field_errors(error) == {"payload.label": "Au plus 200 caractère(s) permis."}
    assert not Order.objects.exists()
    response = api(sponsor).post(f"{API}/orders", {"quantity": 10, "label": "é" * 200})
    assert response.status_code == 201, response.content


def test_create_order_refuses_the_same_for_every_caller(sponsor):
    """The service checks what the schema checks: pages, commands and tasks get the same."""
    today = timezone.localdate()
    for valid_until in (
        datetime.date(9999, 12, 31),
        latest_valid_until(today) + datetime.timedelta(1),
    ):
        with pytest.raises(InvalidOrder, match="La fin de validité ne peut pas dépasser le"):
            create_order(acting=sponsor, quantity=10, valid_until=valid_until)
    for label in ("x" * 201, "retour\x00", "ligne\nsuivante"):
        with pytest.raises(InvalidOrder):
            create_order(acting=sponsor, quantity=10, label=label)
    assert not Order.objects.exists()


def test_record_payment_refuses_a_reference_with_a_control_character(sponsor, operator):
    order = make_order(sponsor=sponsor, operator=operator, paid=False)
    for reference in ("VIR\x00", "x" * 101):
        with pytest.raises(InvalidInput):
            record_payment(
                acting=operator,
                order=order,
                amount_cents=order.total_due_cents,
                reference=reference,
            )
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


# --- Messages of invalid fields in the request's language ---------------------------------------


def test_field_messages_are_french_by_default_and_follow_accept_language(api, sponsor):
    payload = {"quantity": "dix", "booklet_size": 7}
    french = field_errors(
        assert_error(api(sponsor).post(f"{API}/orders", payload), 400, "invalid_input")
    )
    assert french == {
        "payload.quantity": "Un nombre entier est attendu.",
        "payload.booklet_size": "Valeur non permise ; valeurs permises : 5, 10.",
    }
    english = field_errors(
        assert_error(
            api(sponsor, language="en").post(f"{API}/orders", payload), 400, "invalid_input"
        )
    )
    with translation.override("en"):
        assert english["payload.quantity"] == translation.gettext("Un nombre entier est attendu.")
    assert "Input should be" not in json.dumps(english)


# --- The OpenAPI document states the limits ------------------------------------------------------


@pytest.fixture
def document(api) -> dict:
    return api(None).get(f"{API}/openapi.json").json()


def request_schemas(document: dict):
    """Every schema a client sends: parameters and request bodies, components resolved."""
    components = document["components"]["schemas"]

    def walk(schema: dict, where: str):
        if "$ref" in schema:
            yield from walk(components[schema["$ref"].rsplit("/", 1)[-1]], where)
            return
        yield where, schema
        for name, sub in schema.get("properties", {}).items():
            yield from walk(sub, f"{where}.{name}")
        for key in ("items",):
            if key in schema:
                yield from walk(schema[key], f"{where}[]")
        for sub in schema.get("anyOf", []):
            yield from walk(sub, where)

    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                yield from walk(parameter["schema"], f"{method} {path} {parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield from walk(content["schema"], f"{method} {path} body")


def test_every_string_and_integer_a_client_sends_is_bounded(document):
    strings = integers = 0
    for where, schema in request_schemas(document):
        if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
            strings += 1
            # a pattern: Text's (no control character) or a stricter one (postcode…)
            assert "maxLength" in schema and "pattern" in schema, where
        if schema.get("type") == "integer" and "enum" not in schema:
            integers += 1
            low = schema.get("minimum", schema.get("exclusiveMinimum", -(2**64)))
            high = schema.get("maximum", schema.get("exclusiveMaximum", 2**64))
            assert -(2**63) <= low <= high <= INT64_MAX, where
    assert strings >= 14 and integers >= 10


def test_the_document_states_ranges_codes_and_413(document):
    components = document["components"]["schemas"]
    serials = components["SerialRangeIn"]
    assert "serial_first` ≤ `serial_last" in serials["description"]
    assert serials["properties"]["serial_first"]["minimum"] == 1
    codes = components["RedemptionIn"]["properties"]["codes"]
    assert codes["minItems"] == 1 and codes["maxItems"] == 50
    assert codes["items"]["minLength"] == 1 and codes["items"]["maxLength"] == 64
    assert components["OrderIn"]["properties"]["label"]["maxLength"] == 200
    for path, method in [
        ("/api/v1/redemptions", "post"),
        ("/api/v1/orders", "post"),
        ("/api/v1/standard/import", "post"),
        ("/api/v1/passes/block", "post"),
    ]:
        assert "413" in document["paths"][path][method]["responses"], path


def test_the_document_is_valid_openapi(document):
    schemathesis.openapi.from_dict(document).validate()
