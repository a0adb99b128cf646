"""A dashboard table: French column titles, typed cells, and its optional chart. The same object
is rendered as an HTML table under its chart, and exported as CSV or XLSX (`exports.py`)."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.functional import Promise

from passnum.core.money import format_euros


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    CENTS = "cents"  # integer cents, shown and exported in euros
    PERCENT = "percent"  # a Decimal percentage with one decimal, or None


@dataclass(frozen=True)
class Column:
    title: str | Promise
    kind: Kind = Kind.TEXT


@dataclass
class Table:
    """`chart` is "bars" (label: first column, value: column `value_column`), "series" (the same,
    over time) or ""."""

    slug: str
    title: str | Promise
    columns: list[Column]
    rows: list[list[object]] = field(default_factory=list)
    chart: str = ""
    value_column: int = 1
    note: str | Promise = ""

    def chart_points(self) -> list[tuple[str, int]]:
        return [(str(row[0]), int(row[self.value_column] or 0)) for row in self.rows]  # type: ignore[call-overload]

    def formatted_rows(self) -> list[list[str]]:
        return [
            [
                format_cell(value, column.kind)
                for value, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]


def percent(part: int, whole: int) -> Decimal | None:
    """`part / whole` as a percentage with one decimal (half up), None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def format_cell(value: object, kind: Kind) -> str:
    if value is None:
        return "–"
    if kind == Kind.CENTS:
        return format_euros(int(value))  # type: ignore[call-overload]
    if kind == Kind.COUNT:
        return f"{int(value):,}".replace(",", "\u202f")  # type: ignore[call-overload]
    if kind == Kind.PERCENT:
        return f"{value}".replace(".", ",") + "\u00a0%"
    return str(value)
