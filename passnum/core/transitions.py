"""Transition tables: each workflow declares which moves are allowed, services enforce them."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import InvalidTransition


def state_label(table: Mapping[str, Iterable[str]], value: str) -> Any:
    """The translated label of a state of `table` (whose keys are members of a `TextChoices`),
    for messages: "En attente de paiement", not "awaiting_payment". The value itself when the
    table is not keyed by choices or the value is none of them."""
    for member in table:
        if isinstance(member, models.Choices):
            return dict(type(member).choices).get(value, value)
    return value


def check_transition(
    table: Mapping[str, Iterable[str]], *, current: str, target: str, label: str = ""
) -> None:
    if target not in table.get(current, ()):
        raise InvalidTransition(
            _("Passage de « %(current)s » à « %(target)s » impossible%(label)s."),
            current=state_label(table, current),
            target=state_label(table, target),
            label=f" ({label})" if label else "",
        )
