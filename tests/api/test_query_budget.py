"""Query budgets of the hot paths: a scan must stay a handful of indexed statements."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import a_service, passes_of

pytestmark = pytest.mark.django_db

REDEEM_BUDGET = 16  # auth 1, place 1, service 1, idempotency 1, passes 1, write 5-6 + savepoints
CHECK_BUDGET = 6


def test_redeeming_stays_within_its_query_budget(api, provider, place, paid_order):
    client = api(provider)
    service = a_service()
    items = passes_of(paid_order)
    client.post(
        "/api/v1/redemptions",
        {
            "place_id": place.pk,
            "service": service.code,
            "price_cents": 1000,
            "codes": [items[0].code],
        },
    )
    for count in (1, 3):  # the number of passes must not change the number of queries
        codes = [item.code for item in items[1 : 1 + count]]
        items = items[count:]
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/redemptions",
                {
                    "place_id": place.pk,
                    "service": service.code,
                    "price_cents": 1000 * count,
                    "codes": codes,
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        assert response.status_code == 201, response.content
        assert len(queries) <= REDEEM_BUDGET, "\n".join(q["sql"] for q in queries)


def test_checking_a_pass_stays_within_its_query_budget(api, provider, place, paid_order):
    client = api(provider)
    code = passes_of(paid_order)[0].code
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/passes/{code}", place_id=place.pk, service=a_service().code)
    assert response.status_code == 200
    assert len(queries) <= CHECK_BUDGET, "\n".join(q["sql"] for q in queries)
