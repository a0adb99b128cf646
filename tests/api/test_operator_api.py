import pytest

from passnum.passes.enums import PassStatus
from passnum.reconciliation.checks import check_ledger
from tests.factories import make_order, passes_of

pytestmark = pytest.mark.django_db


def test_operator_issues_then_records_the_payment(api, operator, sponsor):
    order = make_order(sponsor=sponsor, operator=operator, quantity=20, paid=False, issued=False)
    client = api(operator)
    issued = client.post(f"/api/v1/orders/{order.pk}/issue", {})
    assert issued.status_code == 200 and issued.json()["issued"] is True
    assert {p.status for p in passes_of(order)} == {PassStatus.INACTIVE}
    wrong = client.post(
        f"/api/v1/orders/{order.pk}/payments",
        {"amount_cents": order.total_due_cents + 1, "reference": "VIR-1"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "overpayment"
    paid = client.post(
        f"/api/v1/orders/{order.pk}/payments",
        {"amount_cents": order.total_due_cents, "reference": "VIR-1"},
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert {p.status for p in passes_of(order)} == {PassStatus.ACTIVE}
    again = client.post(
        f"/api/v1/orders/{order.pk}/payments",
        {"amount_cents": order.total_due_cents, "reference": "VIR-1"},
    )
    assert again.status_code == 409
    assert check_ledger() == []


def test_a_sponsor_neither_issues_nor_records_its_own_payment(api, operator, sponsor):
    order = make_order(sponsor=sponsor, operator=operator, quantity=10, paid=False, issued=False)
    client = api(sponsor)
    assert client.post(f"/api/v1/orders/{order.pk}/issue", {}).status_code == 403
    response = client.post(
        f"/api/v1/orders/{order.pk}/payments",
        {"amount_cents": order.total_due_cents, "reference": "x"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_organisation_kind"
    assert {p.status for p in passes_of(order)} == set()


def test_a_provider_cannot_even_see_the_order(api, operator, sponsor, provider):
    order = make_order(sponsor=sponsor, operator=operator, quantity=10, paid=False, issued=False)
    assert api(provider).post(f"/api/v1/orders/{order.pk}/issue", {}).status_code == 404
