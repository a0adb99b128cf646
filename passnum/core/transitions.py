"""Transition tables: each workflow declares which moves are allowed, services enforce them."""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import InvalidTransition


def check_transition(
    table: Mapping[str, Iterable[str]], *, current: str, target: str, label: str = ""
) -> None:
    if target not in table.get(current, ()):
        raise InvalidTransition(
            _("Passage de « %(current)s » à « %(target)s » impossible%(label)s."),
            current=current,
            target=target,
            label=f" ({label})" if label else "",
        )
