"""Transition tables: a refused move names the states by their labels, in the reader's language,
never by their stored values ("awaiting_payment → paid")."""

import pytest
from django.utils import translation

from passnum.core.exceptions import InvalidTransition
from passnum.core.transitions import check_transition, state_label
from passnum.orders.enums import ORDER_TRANSITIONS, OrderStatus
from passnum.orders.services import cancel_order


def test_a_refused_move_names_both_states_by_their_labels():
    with pytest.raises(InvalidTransition) as refused:
        check_transition(
            ORDER_TRANSITIONS, current="paid", target=OrderStatus.AWAITING_PAYMENT, label="C-1"
        )
    assert refused.value.code == "invalid_transition"
    with translation.override("fr"):
        assert str(refused.value) == (
            "Passage de « Payée » à « En attente de paiement » impossible (C-1)."
        )
    with translation.override("en"):
        assert str(refused.value) == "Cannot go from “Paid” to “Awaiting payment” (C-1)."


def test_state_label_keeps_a_value_it_does_not_know():
    assert str(state_label(ORDER_TRANSITIONS, "cancelled")) == "Annulée"
    assert state_label(ORDER_TRANSITIONS, "lost") == "lost"
    assert state_label({"a": {"b"}}, "a") == "a"  # a table not keyed by choices


@pytest.mark.django_db
def test_cancelling_a_paid_order_is_refused_in_the_reader_s_language(sponsor, paid_order):
    with pytest.raises(InvalidTransition) as refused:
        cancel_order(acting=sponsor, order=paid_order, reason="Erreur de saisie")
    with translation.override("en"):
        message = str(refused.value)
    assert "“Paid” to “Cancelled”" in message
    assert "paid" not in message.replace("Paid", "")
    assert paid_order.reference in message
