"""Operator staff's "Paiements attendus": every order awaiting payment with what is due and
received, and recording payments in euros (partial payments add up; the passes activate at the
total)."""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.core.money import format_euros
from passnum.orders.drafts import accept_quote
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Payment
from passnum.orders.services import record_payment
from passnum.passes.enums import PassStatus
from passnum.reconciliation.checks import check_ledger
from tests.factories import make_acting, make_draft, make_order, passes_of
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


def url(name, *args):
    return reverse(f"orders:{name}", args=args)


def accepted(sponsor, quantity=100):
    return accept_quote(acting=sponsor, order=make_draft(sponsor=sponsor, quantity=quantity))


def page_of(client, name, *args):
    response = client.get(url(name, *args))
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_operator_sees_every_order_awaiting_payment(sponsor, operator):
    other = make_acting(OrganisationKind.SPONSOR)
    mine, theirs = accepted(sponsor), accepted(other, quantity=20)
    record_payment(acting=operator, order=mine, amount_cents=50_050, reference="VIR-1")
    draft = make_draft(sponsor=sponsor)
    paid = make_order(sponsor=sponsor, operator=operator)
    page = page_of(logged_in(operator), "payments")
    assert mine.reference in page and theirs.reference in page
    assert sponsor.organisation.name in page and other.organisation.name in page
    assert draft.reference not in page and paid.reference not in page
    assert mine.invoices.get().number in page and theirs.invoices.get().number in page
    # 100 passes: 1 000,00 € + 40,00 € fee + 8,00 € VAT; 500,50 € received, 547,50 € to come
    for amount in (104_800, 50_050, 54_750, 20_960):
        assert format_euros(amount) in page
    assert format_euros(54_750 + 20_960) in page  # what remains in all


def test_partial_payments_in_euros_add_up_then_the_passes_activate(sponsor, operator):
    order = accepted(sponsor)
    client = logged_in(operator)
    detail = page_of(client, "detail", order.pk)
    assert "Enregistrer un paiement reçu" in detail and format_euros(104_800) in detail
    response = client.post(
        url("payment_record", order.pk),
        {"amount": "1 000,50", "reference": "VIR-2027-001", "received_on": TODAY},
        follow=True,
    )
    assert "reste 47,50" in unescape(response.content.decode()).replace("\u00a0", " ")
    payment = Payment.objects.get(order=order)
    assert (payment.amount_cents, payment.reference, str(payment.received_on)) == (
        100_050,
        "VIR-2027-001",
        TODAY,
    )
    assert payment.recorded_by == operator.user
    assert {p.status for p in passes_of(order)} == {PassStatus.INACTIVE}
    detail = page_of(client, "detail", order.pk)
    assert format_euros(100_050) in detail and format_euros(4_750) in detail

    client.post(
        url("payment_record", order.pk),
        {"amount": "47,50 €", "reference": "VIR-2027-002", "received_on": TODAY},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert {p.status for p in passes_of(order)} == {PassStatus.ACTIVE}
    table = page_of(client, "payments").split('id="payments-awaited"')[1]
    assert order.reference not in table and "Aucune commande n'attend de paiement." in table
    assert check_ledger() == []
    sponsor_view = page_of(logged_in(sponsor), "detail", order.pk)
    assert format_euros(104_800) in sponsor_view and "Payée" in sponsor_view


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1 048,01", "dépasse le reste à payer"),
        ("12,345", "Montant en euros attendu"),
        ("-5", "Montant en euros attendu"),
        ("0,00", "doit être positif"),
        ("", "Ce champ est obligatoire"),
    ],
)
def test_a_wrong_amount_is_refused_next_to_its_field(sponsor, operator, amount, message):
    order = accepted(sponsor)
    response = logged_in(operator).post(
        url("payment_record", order.pk),
        {"amount": amount, "reference": "VIR", "received_on": TODAY},
    )
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert 'id="id_amount_error"' in page and message in page
    assert not Payment.objects.exists()


def test_a_payment_is_not_received_in_the_future(sponsor, operator):
    order = accepted(sponsor)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = logged_in(operator).post(
        url("payment_record", order.pk),
        {"amount": "10,00", "reference": "VIR", "received_on": tomorrow.isoformat()},
    )
    assert response.status_code == 400
    assert 'id="id_received_on_error"' in response.content.decode()
    assert not Payment.objects.exists()


def test_an_order_not_awaiting_payment_takes_no_payment(sponsor, operator):
    draft = make_draft(sponsor=sponsor)
    response = logged_in(operator).post(
        url("payment_record", draft.pk),
        {"amount": "10,00", "reference": "VIR", "received_on": TODAY},
    )
    assert response.status_code == 400 and "impossible" in unescape(response.content.decode())
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "kind", [OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR, OrganisationKind.PROVIDER]
)
def test_only_operator_staff_see_payments_and_record_them(sponsor, kind):
    order = accepted(sponsor)
    client = logged_in(sponsor if kind == OrganisationKind.SPONSOR else make_acting(kind))
    assert client.get(url("payments")).status_code == 403
    response = client.post(
        url("payment_record", order.pk),
        {"amount": "1 048,00", "reference": "VIR", "received_on": TODAY},
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_the_operator_downloads_the_documents_of_any_order(sponsor, operator):
    order = accepted(sponsor)
    client = logged_in(operator)
    invoice = order.invoices.get()
    for address in (url("quote", order.pk), url("document", order.pk, invoice.pk)):
        response = client.get(address)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
