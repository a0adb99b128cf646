"""GET/POST /api/v1/orders, GET /orders/{id} and GET /api/v1/places."""

import pytest
from django.conf import settings
from django.utils import timezone

from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order
from passnum.orders.validation import default_valid_until
from passnum.places.enums import QualificationStatus
from tests.api.helpers import API, assert_error
from tests.factories import PlaceFactory


def test_a_sponsor_orders_passes_and_gets_the_quote(api, sponsor):
    payload = {
        "quantity": 20,
        "booklet_size": 10,
        "label": "Médiathèques 2026",
        "rules": {"departements": ["33", "75"], "place_types": ["epn"]},
    }
    response = api(sponsor).post(f"{API}/orders", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get(pk=body["id"])
    assert order.sponsor == sponsor.organisation and order.created_by == sponsor.user
    assert body["sponsor"] == sponsor.organisation.name
    assert body["reference"] == order.reference
    assert (body["quantity"], body["booklet_size"], body["label"]) == (20, 10, "Médiathèques 2026")
    # Accepted at once: invoice issued, passes issued (inactive until the payment).
    assert body["status"] == OrderStatus.AWAITING_PAYMENT and body["issued"] is True
    assert body["invoice_number"] == order.invoices.get().number
    assert body["amount_received_cents"] == 0
    face = settings.PASSNUM_FACE_VALUE_CENTS
    assert body["face_value_cents"] == face and body["face_total_cents"] == 20 * face
    assert body["upstream_fee_cents"] == order.upstream_fee_cents > 0
    assert body["upstream_vat_cents"] == order.upstream_vat_cents > 0
    assert body["total_due_cents"] == (
        body["face_total_cents"] + body["upstream_fee_cents"] + body["upstream_vat_cents"]
    )
    assert body["rules"]["departements"] == ["33", "75"]
    assert body["rules"]["place_types"] == ["epn"]
    assert body["expires_on"] == order.expires_on.isoformat()


def test_an_order_reads_back_the_same(api, sponsor):
    client = api(sponsor)
    created = client.post(f"{API}/orders", {"quantity": 10}).json()
    response = client.get(f"{API}/orders/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert [order["id"] for order in client.get(f"{API}/orders").json()] == [created["id"]]


def test_the_list_shows_an_issued_and_paid_order(api, sponsor, paid_order):
    body = api(sponsor).get(f"{API}/orders").json()
    assert [(o["id"], o["status"], o["issued"]) for o in body] == [
        (paid_order.pk, OrderStatus.PAID, True)
    ]


def test_the_list_is_paginated(api, sponsor):
    client = api(sponsor)
    ids = {client.post(f"{API}/orders", {"quantity": 10}).json()["id"] for _ in range(3)}
    first = client.get(f"{API}/orders", limit=2).json()
    rest = client.get(f"{API}/orders", limit=2, offset=2).json()
    assert len(first) == 2 and len(rest) == 1
    assert {o["id"] for o in first + rest} == ids


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"quantity": 7}, "invalid_order"),
        ({"quantity": 10, "booklet_size": 7}, "invalid_input"),  # the schema says 5 or 10
        ({"quantity": 10, "booklet_size": 5}, "invalid_order"),  # 5s need a large order
        ({"quantity": 10, "face_value_cents": -5}, "invalid_input"),
        ({"quantity": 10, "face_value_cents": 0}, "invalid_input"),
        ({"quantity": 10, "face_value_cents": 100_001}, "invalid_input"),
        ({"quantity": 10, "rules": {"departements": ["999"]}}, "invalid_order"),
        ({"quantity": 10, "rules": {"place_types": ["casino"]}}, "invalid_order"),
        (
            {"quantity": 10, "rules": {"usable_from": "2030-06-01", "usable_until": "2030-01-01"}},
            "invalid_order",
        ),
        ({"quantity": 10, "valid_until": "2001-01-01"}, "invalid_order"),
        ({"quantity": 10**12}, "invalid_order"),
        ({"quantity": 0}, "invalid_input"),
        ({"quantity": "dix"}, "invalid_input"),
        ({}, "invalid_input"),
        ({"quantity": 10, "valid_until": "demain"}, "invalid_input"),
        ({"quantity": 10, "rules": {"departements": "33"}}, "invalid_input"),
    ],
)
def test_an_invalid_order_is_a_400(api, sponsor, payload, code):
    assert_error(api(sponsor).post(f"{API}/orders", payload), 400, code)
    assert not Order.objects.exists()


def test_an_unknown_order_is_a_404(api, sponsor):
    assert_error(api(sponsor).get(f"{API}/orders/987654321"), 404, "not_found")
    assert_error(api(sponsor).get(f"{API}/orders/{2**63 - 1}"), 404, "not_found")
    assert_error(api(sponsor).get(f"{API}/orders/{2**70}"), 400, "invalid_input")


# --- places -----------------------------------------------------------------------------------


def test_a_provider_lists_its_places(api, provider, place):
    submitted = PlaceFactory(
        organisation=provider.organisation,
        name="Atelier du quai",
        qualification_status=QualificationStatus.SUBMITTED,
    )
    response = api(provider).get(f"{API}/places")
    assert response.status_code == 200
    body = sorted(response.json(), key=lambda p: p["id"])
    assert body == [
        {
            "id": place.pk,
            "name": place.name,
            "commune": "Bordeaux",
            "postcode": "33000",
            "place_type": "epn",
            "qualified": True,
        },
        {
            "id": submitted.pk,
            "name": "Atelier du quai",
            "commune": "Bordeaux",
            "postcode": "33000",
            "place_type": "epn",
            "qualified": False,
        },
    ]


def test_places_are_sorted_by_name(api, provider):
    for name in ["Zèbre numérique", "Agora", "Médiathèque"]:
        PlaceFactory(organisation=provider.organisation, name=name)
    names = [p["name"] for p in api(provider).get(f"{API}/places").json()]
    assert names == ["Agora", "Médiathèque", "Zèbre numérique"]


def test_valid_until_defaults_to_the_end_of_the_year(api, sponsor):
    body = api(sponsor).post(f"{API}/orders", {"quantity": 10}).json()
    assert body["valid_until"] == default_valid_until(timezone.localdate()).isoformat()
