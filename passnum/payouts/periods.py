"""Payout periods: a month (`2026-11`), an ISO week (`2026-W48`), or any span of days."""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from passnum.payouts.enums import PayoutKind
from passnum.payouts.exceptions import InvalidPeriod

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included
    kind: PayoutKind


def month(year: int, month_number: int) -> Period:
    last = calendar.monthrange(year, month_number)[1]
    return Period(
        datetime.date(year, month_number, 1),
        datetime.date(year, month_number, last),
        PayoutKind.MONTHLY,
    )


def previous_month(today: datetime.date) -> Period:
    last_day = today.replace(day=1) - datetime.timedelta(days=1)
    return month(last_day.year, last_day.month)


def previous_week(today: datetime.date) -> Period:
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    return Period(monday, monday + datetime.timedelta(days=6), PayoutKind.WEEKLY)


def parse_period(text: str) -> Period:
    """`2026-11` (a month) or `2026-W48` (an ISO week, Monday to Sunday)."""
    text = text.strip()
    try:
        if found := _MONTH.match(text):
            return month(int(found[1]), int(found[2]))
        if found := _WEEK.match(text):
            monday = datetime.date.fromisocalendar(int(found[1]), int(found[2]), 1)
            return Period(monday, monday + datetime.timedelta(days=6), PayoutKind.WEEKLY)
    except ValueError:
        pass
    raise InvalidPeriod(
        _("Période « %(text)s » illisible : AAAA-MM (un mois) ou AAAA-Wss (une semaine)."),
        text=text,
    )
