"""The back-office (Django admin) shows money and audit rows read-only, in euros and in French;
its actions go through the services, as the acting operator, with a reason."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import Membership, MembershipLog, Organisation, User
from passnum.accounts.services import add_member
from passnum.core.money import format_euros
from passnum.ledger.models import Account, LedgerTransaction
from passnum.ledger.services import refundable_code
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order, OrderTransition
from passnum.orders.services import create_order
from passnum.passes.enums import PassStatus
from passnum.passes.models import Booklet, Pass, PassEvent
from passnum.places.models import Place
from passnum.reconciliation.checks import check_ledger
from passnum.redemptions.models import Redemption
from tests.factories import UserFactory, passes_of
from tests.redemptions.test_redeem import redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def backoffice(operator) -> Client:
    """Operator staff with every permission (a superuser): what they still cannot do, no one can."""
    operator.user.is_superuser = True
    operator.user.save()
    client = Client()
    client.force_login(operator.user)
    return client


@pytest.fixture
def history(provider, place, paid_order):
    redemption = redeem(provider, place, passes_of(paid_order)[:1]).redemption
    add_member(actor=provider.user, organisation=provider.organisation, user=UserFactory())
    return redemption


def url(model, view: str = "changelist", pk=None) -> str:
    base = f"/backoffice/{model._meta.app_label}/{model._meta.model_name}/"
    if view == "changelist":
        return base
    if view == "add":
        return f"{base}add/"
    return f"{base}{pk}/{view}/"


PROTECTED = [Order, Pass, Booklet, PassEvent, Redemption, LedgerTransaction, Account]
PROTECTED += [MembershipLog, Place]


@pytest.mark.parametrize("model", PROTECTED, ids=lambda m: m.__name__)
def test_money_and_audit_rows_are_read_only_in_the_backoffice(backoffice, history, model):
    pk = model.objects.values_list("pk", flat=True).first()
    assert pk is not None
    listing = backoffice.get(url(model))
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    assert backoffice.get(url(model, "delete", pk)).status_code == 403
    assert backoffice.post(url(model, "delete", pk), {"post": "yes"}).status_code == 403
    assert backoffice.get(url(model, "add")).status_code == 403
    page = backoffice.get(url(model, "change", pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert backoffice.post(url(model, "change", pk), {}).status_code == 403
    bulk = backoffice.post(url(model), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [pk]})
    assert bulk.status_code in (200, 302)
    assert model.objects.filter(pk=pk).exists()


def test_an_organisation_is_never_deleted_from_the_backoffice(backoffice, sponsor, paid_order):
    organisation = sponsor.organisation
    assert backoffice.get(url(Organisation, "delete", organisation.pk)).status_code == 403
    listing = backoffice.get(url(Organisation)).content.decode()
    assert "delete_selected" not in listing
    backoffice.post(
        url(Organisation), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [organisation.pk]}
    )
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_an_organisation_added_in_the_backoffice_gets_its_ledger_account(backoffice, operator):
    response = backoffice.post(
        url(Organisation, "add"),
        {
            "name": "Département de la Gironde",
            "kind": OrganisationKind.SPONSOR,
            "siren": "",
            "departement": "33",
            "territory": "[]",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Organisation.objects.get(name="Département de la Gironde")
    assert Account.objects.filter(code=refundable_code(created.pk)).exists()
    assert Membership.objects.filter(
        organisation=created, user=operator.user, role=MemberRole.ADMIN
    ).exists()
    page = backoffice.get(url(Organisation, "change", created.pk)).content.decode()
    assert 'name="kind"' not in page  # its kind is fixed: its accounts depend on it


def test_deleting_a_person_with_money_history_is_refused_with_a_page(backoffice, sponsor):
    create_order(acting=sponsor, quantity=10)  # the order names its author
    response = backoffice.post(url(User, "delete", sponsor.user.pk), {"post": "yes"})
    assert response.status_code == 200
    assert "Impossible de supprimer" in response.content.decode()
    assert User.objects.filter(pk=sponsor.user.pk).exists()


def test_lists_show_money_in_euros_and_labels_in_french(backoffice, history, paid_order):
    orders = backoffice.get(url(Order)).content.decode()
    assert format_euros(paid_order.total_due_cents) in orders
    assert "Total TTC à payer" in orders
    assert "o=4" in orders  # the euros column sorts, by the cents it shows
    assert str(paid_order.total_due_cents) not in orders
    redemptions = backoffice.get(url(Redemption)).content.decode()
    assert "10,00\u00a0€" in redemptions and "Valeur des pass" in redemptions
    order_page = backoffice.get(url(Order, "change", paid_order.pk)).content.decode()
    assert "Valeur faciale totale" in order_page and "(centimes)" not in order_page
    assert "Fait par" in order_page  # the transition log's actor
    entry = LedgerTransaction.objects.filter(redemption=history).first()
    page = backoffice.get(url(LedgerTransaction, "change", entry.pk)).content.decode()
    assert "-9,52\u00a0€" in page and "Montant (débit &gt; 0)" in page


def test_blocking_passes_asks_for_a_reason_then_goes_through_the_service(
    backoffice, operator, paid_order
):
    items = passes_of(paid_order)[:3]
    selected = {"action": "block", ACTION_CHECKBOX_NAME: [item.pk for item in items]}
    asked = backoffice.post(url(Pass), selected)
    assert asked.status_code == 200
    assert "Motif" in asked.content.decode()
    assert set(
        Pass.objects.filter(pk__in=selected[ACTION_CHECKBOX_NAME]).values_list("status", flat=True)
    ) == {PassStatus.ACTIVE}
    done = backoffice.post(url(Pass), {**selected, "apply": "1", "reason": "Carnet perdu"})
    assert done.status_code == 302
    assert {item.status for item in Pass.objects.filter(pk__in=[i.pk for i in items])} == {
        PassStatus.BLOCKED
    }
    event = PassEvent.objects.get(to_status=PassStatus.BLOCKED)
    assert (event.actor, event.reason, event.pass_count) == (operator.user, "Carnet perdu", 3)
    assert (event.serial_first, event.serial_last) == (items[0].serial, items[-1].serial)
    backoffice.post(
        url(Pass),
        {
            "action": "unblock",
            "apply": "1",
            "reason": "Retrouvé",
            ACTION_CHECKBOX_NAME: [items[1].pk],
        },
    )
    assert [p.status for p in passes_of(paid_order)[:3]] == [
        PassStatus.BLOCKED,
        PassStatus.ACTIVE,
        PassStatus.BLOCKED,
    ]
    assert check_ledger() == []


def test_blocking_needs_an_operator_membership(paid_order):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    item = passes_of(paid_order)[0]
    response = client.post(
        url(Pass),
        {"action": "block", "apply": "1", "reason": "Perdu", ACTION_CHECKBOX_NAME: [item.pk]},
        follow=True,
    )
    assert "membre d&#x27;aucun opérateur" in response.content.decode()
    assert Pass.objects.get(pk=item.pk).status == PassStatus.ACTIVE


def test_cancelling_orders_goes_through_the_service(backoffice, operator, sponsor, paid_order):
    unpaid = create_order(acting=sponsor, quantity=10)
    response = backoffice.post(
        url(Order),
        {
            "action": "cancel",
            "apply": "1",
            "reason": "Commande en double",
            ACTION_CHECKBOX_NAME: [unpaid.pk, paid_order.pk],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Commandes annulées : 1" in page
    unpaid.refresh_from_db()
    paid_order.refresh_from_db()
    assert (unpaid.status, paid_order.status) == (OrderStatus.CANCELLED, OrderStatus.PAID)
    log = OrderTransition.objects.get(order=unpaid)
    assert (log.actor, log.reason) == (operator.user, "Commande en double")


def test_every_backoffice_page_answers(backoffice, history, paid_order, sponsor):
    from django.contrib import admin

    create_order(acting=sponsor, quantity=10)
    for model in admin.site._registry:
        listing = backoffice.get(url(model))
        assert listing.status_code == 200, model
        pk = model.objects.values_list("pk", flat=True).first()
        if pk is not None:
            assert backoffice.get(url(model, "change", pk)).status_code == 200, model
