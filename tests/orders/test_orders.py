"""Orders: validation, who may order, the quote, payment, cancellation, reference numbers."""

import datetime
import re

import pytest
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import InvalidTransition
from passnum.ledger.enums import TransactionKind
from passnum.ledger.models import LedgerTransaction
from passnum.ledger.services import BANK, FEES, VAT, escrow_code
from passnum.orders.enums import OrderStatus
from passnum.orders.exceptions import InvalidOrder, PaymentMismatch
from passnum.orders.models import OrderTransition
from passnum.orders.services import UsageRules, cancel_order, create_order, record_payment
from passnum.orders.validation import default_valid_until
from passnum.passes.enums import PassStatus
from passnum.passes.models import PassEvent
from passnum.reconciliation.checks import check_ledger
from tests.factories import make_acting, make_order, passes_of

TODAY = timezone.localdate


def order(acting, **kwargs):
    kwargs.setdefault("quantity", 10)
    return create_order(acting=acting, **kwargs)


def payment_postings(an_order):
    entry = LedgerTransaction.objects.get(order=an_order, kind=TransactionKind.ORDER_PAYMENT)
    return {p.account.code: p.amount_cents for p in entry.postings.select_related("account")}


# Validation: each refusal is an InvalidOrder with a French message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quantity": 15}, "multiple de 10"),
        ({"quantity": 5}, "multiple de 10"),
        ({"quantity": 0}, "multiple de 10"),
        ({"quantity": 12, "booklet_size": 6}, "5 ou 10 pass"),
        ({"quantity": 1995, "booklet_size": 5}, "au moins 2000 pass"),
        ({"quantity": 2_000_010}, "Au plus 2000000 pass"),
        ({"face_value_cents": -1}, "valeur faciale"),
        ({"face_value_cents": 100_001}, "valeur faciale"),
        ({"valid_until": datetime.date(2000, 1, 1)}, "fin de validité"),
        ({"rules": UsageRules(communes=["3306"])}, "Code de commune invalide : 3306"),
        ({"rules": UsageRules(communes=["20001"])}, "Code de commune invalide"),
        ({"rules": UsageRules(epcis=["24330031"])}, "Code de EPCI invalide"),
        ({"rules": UsageRules(departements=["96"])}, "Code de département invalide : 96"),
        ({"rules": UsageRules(regions=["7"])}, "Code de région invalide : 7"),
        ({"rules": UsageRules(place_types=["cinema"])}, "Type de lieu inconnu : cinema"),
        ({"rules": UsageRules(families=["astrologie"])}, "Famille de services inconnue"),
        ({"rules": UsageRules(services=["XXX-99"])}, "Service inconnu : XXX-99"),
        ({"rules": UsageRules(target_publics=["martians"])}, "Public inconnu : martians"),
        (
            {
                "rules": UsageRules(
                    usable_from=datetime.date(2099, 2, 1), usable_until=datetime.date(2099, 1, 1)
                )
            },
            "se termine avant de commencer",
        ),
    ],
)
def test_invalid_orders_are_refused_in_french(sponsor, kwargs, message):
    kwargs.setdefault("quantity", 10)
    with pytest.raises(InvalidOrder) as caught:
        create_order(acting=sponsor, **kwargs)
    assert message in str(caught.value)
    assert not sponsor.organisation.orders.exists()


def test_a_zero_face_value_is_refused(sponsor):
    with pytest.raises(InvalidOrder):
        order(sponsor, face_value_cents=0)


def test_the_old_corsican_departement_code_is_refused(sponsor):
    with pytest.raises(InvalidOrder):
        order(sponsor, rules=UsageRules(departements=["20"]))


def test_valid_edge_cases_are_accepted(sponsor):
    assert order(sponsor, quantity=2000, booklet_size=5).booklet_count == 400
    assert order(sponsor, face_value_cents=100_000).face_total_cents == 1_000_000
    assert order(sponsor, face_value_cents=1).face_total_cents == 10
    assert order(sponsor, valid_until=TODAY()).valid_until == TODAY()
    rules = UsageRules(
        communes=["2A004", "97411", "33063"],
        epcis=["243300316"],
        departements=["2A", "2B", "971", "01", "95"],
        regions=["75"],
        place_types=["epn"],
        families=["securite"],
        usable_from=TODAY(),
        usable_until=TODAY(),
        target_publics=["senior"],
    )
    saved = order(sponsor, rules=rules)
    assert saved.perimeter_departements == ["01", "2A", "2B", "95", "971"]
    assert saved.has_perimeter


def test_default_validity_is_the_end_of_the_year_plus_a_month(sponsor):
    saved = order(sponsor)
    end_of_year = default_valid_until(TODAY())  # 31/12, of next year from October
    assert end_of_year.month == 12 and end_of_year.day == 31
    assert saved.valid_until == end_of_year
    assert saved.expires_on == end_of_year + datetime.timedelta(days=31)
    assert saved.status == OrderStatus.AWAITING_PAYMENT


# Who may order


@pytest.mark.parametrize("kind", [OrganisationKind.PROVIDER, OrganisationKind.DISTRIBUTOR])
def test_providers_and_distributors_cannot_order(db, kind):
    with pytest.raises(WrongOrganisationKind):
        order(make_acting(kind))


def test_an_operator_orders_for_a_sponsor_only(operator, sponsor, provider):
    saved = order(operator, sponsor=sponsor.organisation)
    assert saved.sponsor == sponsor.organisation
    assert saved.created_by == operator.user
    with pytest.raises(WrongOrganisationKind):
        order(operator)
    with pytest.raises(InvalidOrder):
        order(operator, sponsor=provider.organisation)


def test_a_sponsor_cannot_order_for_another_sponsor(sponsor):
    other = make_acting(OrganisationKind.SPONSOR)
    with pytest.raises(WrongOrganisationKind):
        order(sponsor, sponsor=other.organisation)
    assert order(sponsor, sponsor=sponsor.organisation).sponsor == sponsor.organisation


# The quote and the payment (SPEC §2: 4 % fee, 20 % VAT on the fee)


def test_quote_and_payment_of_ten_passes(sponsor, operator):
    saved = make_order(sponsor=sponsor, operator=operator, paid=False)
    assert (saved.face_total_cents, saved.upstream_fee_cents, saved.upstream_vat_cents) == (
        10_000,
        400,
        80,
    )
    assert saved.total_due_cents == 10_480
    paid = record_payment(acting=operator, order=saved, amount_cents=10_480, reference="VIR-1")
    assert paid.status == OrderStatus.PAID and paid.paid_at is not None
    assert payment_postings(saved) == {
        BANK: 10_480,
        escrow_code(saved.pk): -10_000,
        FEES: -400,
        VAT: -80,
    }
    assert {item.status for item in passes_of(saved)} == {PassStatus.ACTIVE}
    transition = OrderTransition.objects.get(order=saved)
    assert (transition.to_status, transition.actor, transition.reason) == (
        OrderStatus.PAID,
        operator.user,
        "VIR-1",
    )
    assert check_ledger() == []


def test_the_quote_rounds_half_up_once_per_order(sponsor):
    saved = order(sponsor, face_value_cents=1234)
    # fee 4 % of 123,40 € = 4,936 € → 4,94 €; VAT 20 % of 4,94 € = 0,988 € → 0,99 €
    assert (saved.upstream_fee_cents, saved.upstream_vat_cents) == (494, 99)
    assert saved.total_due_cents == 12_340 + 494 + 99


def test_a_wrong_amount_changes_nothing(sponsor, operator):
    saved = make_order(sponsor=sponsor, operator=operator, paid=False)
    with pytest.raises(PaymentMismatch) as caught:
        record_payment(acting=operator, order=saved, amount_cents=10_481)
    assert "104,80" in str(caught.value) and "104,81" in str(caught.value)
    saved.refresh_from_db()
    assert saved.status == OrderStatus.AWAITING_PAYMENT and saved.paid_at is None
    assert {item.status for item in passes_of(saved)} == {PassStatus.INACTIVE}
    assert not LedgerTransaction.objects.filter(order=saved).exists()
    assert not OrderTransition.objects.filter(order=saved).exists()
    assert check_ledger() == []


def test_paying_twice_is_refused(sponsor, operator):
    saved = make_order(sponsor=sponsor, operator=operator)
    with pytest.raises(InvalidTransition):
        record_payment(acting=operator, order=saved, amount_cents=saved.total_due_cents)
    assert LedgerTransaction.objects.filter(order=saved).count() == 1
    assert check_ledger() == []


def test_only_the_operator_records_payments(sponsor, operator):
    saved = make_order(sponsor=sponsor, operator=operator, paid=False)
    with pytest.raises(WrongOrganisationKind):
        record_payment(acting=sponsor, order=saved, amount_cents=saved.total_due_cents)
    saved.refresh_from_db()
    assert saved.status == OrderStatus.AWAITING_PAYMENT


# Cancellation


def test_cancelling_an_unpaid_order_blocks_its_passes(sponsor, operator):
    saved = make_order(sponsor=sponsor, operator=operator, paid=False)
    cancelled = cancel_order(acting=sponsor, order=saved, reason="erreur de saisie")
    assert cancelled.status == OrderStatus.CANCELLED
    assert {item.status for item in passes_of(saved)} == {PassStatus.BLOCKED}
    event = PassEvent.objects.get(order=saved, to_status=PassStatus.BLOCKED)
    assert (event.pass_count, event.actor, event.reason) == (10, sponsor.user, "erreur de saisie")
    with pytest.raises(InvalidTransition):
        record_payment(acting=operator, order=saved, amount_cents=saved.total_due_cents)
    assert check_ledger() == []


def test_a_paid_order_cannot_be_cancelled(sponsor, operator):
    saved = make_order(sponsor=sponsor, operator=operator)
    with pytest.raises(InvalidTransition):
        cancel_order(acting=operator, order=saved, reason="")
    assert {item.status for item in passes_of(saved)} == {PassStatus.ACTIVE}


def test_another_sponsor_cannot_cancel(sponsor, operator):
    saved = make_order(sponsor=sponsor, operator=operator, paid=False)
    with pytest.raises(WrongOrganisationKind):
        cancel_order(acting=make_acting(OrganisationKind.SPONSOR), order=saved, reason="")
    assert cancel_order(acting=operator, order=saved, reason="").status == OrderStatus.CANCELLED


# References


def test_references_are_sequential_per_year(sponsor):
    year = TODAY().year
    first, second = order(sponsor), order(sponsor)
    assert first.reference == f"CMD-{year}-000001"
    assert second.reference == f"CMD-{year}-000002"
    assert re.fullmatch(r"CMD-\d{4}-\d{6}", first.reference)
