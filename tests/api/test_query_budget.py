"""Query budgets of the hot paths: a scan must stay a handful of indexed statements."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import a_service, offer, passes_of

pytestmark = pytest.mark.django_db

# Token 1, place 1, passes 1 (the nomenclature is cached, the idempotency key is only looked up
# after a failure), then the write: one statement on PostgreSQL, six through the ORM elsewhere;
# plus the savepoint and its release that the test's own transaction adds.
REDEEM_BUDGET = {"postgresql": 6, "sqlite": 11}
CHECK_BUDGET = 6
PRICE = 2500


def test_redeeming_stays_within_its_query_budget(api, provider, place, paid_order):
    client = api(provider)
    service = a_service()
    # One price that 1 pass and 3 passes of 10 € may pay (no pass left unused); the place's
    # offers come with the place, in the same statement.
    offer(place, service=service, price_cents=PRICE)
    offer(place, service=a_service("smartphone"), price_cents=1000)
    items = passes_of(paid_order)
    first = client.post(
        "/api/v1/redemptions",
        {
            "place_id": place.pk,
            "service": service.code,
            "price_cents": PRICE,
            "codes": [items[0].code],
        },
    )
    assert first.status_code == 201, first.content
    for count in (1, 3):  # the number of passes must not change the number of queries
        codes = [item.code for item in items[1 : 1 + count]]
        items = items[count:]
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/redemptions",
                {
                    "place_id": place.pk,
                    "service": service.code,
                    "price_cents": PRICE,
                    "codes": codes,
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        assert response.status_code == 201, response.content
        budget = REDEEM_BUDGET[connection.vendor]
        assert len(queries) <= budget, "\n".join(q["sql"] for q in queries)


def test_checking_a_pass_stays_within_its_query_budget(api, provider, place, paid_order):
    client = api(provider)
    offer(place, price_cents=1000)
    code = passes_of(paid_order)[0].code
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/passes/{code}", place_id=place.pk, service=a_service().code)
    assert response.status_code == 200
    assert response.json()["usable"] is True, response.content
    assert len(queries) <= CHECK_BUDGET, "\n".join(q["sql"] for q in queries)
