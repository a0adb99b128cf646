"""A provider's statement (relevé) for one transfer: every redemption paid, as CSV and as PDF.

Both read the transfer's lines (their figures were fixed by the run) with the redemption's date,
place and service, in one query streamed in chunks. The PDF is a Django template rendered by
WeasyPrint like the invoices (orders/documents): in French, fonts of the system, no network.

All the CSV statements of a run (`write_run_csv_statements`): on PostgreSQL the database writes
each statement's lines (dates, decimal commas, CSV quoting exactly as Python's `csv` module does)
and hands over one text per statement, so Python only writes files (a Python loop over a million
lines took ~30 s); elsewhere the same lines come from the portable row-by-row path.
"""

import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from passnum.catalogue.models import Service
from passnum.core.money import format_euros
from passnum.orders.documents.rendering import render_pdf
from passnum.payouts.models import PayoutLine, PayoutRun, PayoutTransfer
from passnum.places.models import Place
from passnum.redemptions.models import Redemption

DOCUMENT_LANGUAGE = "fr"


@dataclass(frozen=True)
class StatementLine:
    redeemed_at: Any
    place: str
    service_code: str
    service: str
    passes: int
    gross_cents: int
    fee_cents: int
    vat_cents: int
    net_cents: int


_LINE_FIELDS = (
    "redemption__created_at",
    "redemption__place__name",
    "redemption__service__code",
    "redemption__service__name",
    "pass_count",
    "gross_cents",
    "fee_cents",
    "vat_cents",
    "net_cents",
)


def statement_lines(transfer: PayoutTransfer) -> Iterator[StatementLine]:
    """The redemptions paid by `transfer`, oldest first."""
    rows = (
        PayoutLine.objects.filter(transfer=transfer)
        .order_by("redemption__created_at", "redemption_id")
        .values_list(*_LINE_FIELDS)
    )
    for row in rows.iterator(chunk_size=2000):
        yield StatementLine(*row)


def statement_file_name(transfer: PayoutTransfer, extension: str) -> str:
    return f"releve-{transfer.statement_number}.{extension}"


def _cents(amount: int) -> str:
    """Euros with a decimal comma and no grouping (what a French spreadsheet reads as a number)."""
    euros, cents = divmod(amount, 100)
    return f"{euros},{cents:02d}"


def _header() -> list[str]:
    return [
        _("Date"),
        _("Lieu"),
        _("Code service"),
        _("Service"),
        _("Pass"),
        _("Valeur faciale (€)"),
        _("Frais HT (€)"),
        _("TVA (€)"),
        _("Net (€)"),
    ]


def _row(line: StatementLine) -> list[Any]:
    return [
        timezone.localtime(line.redeemed_at).strftime("%d/%m/%Y %H:%M"),
        line.place,
        line.service_code,
        line.service,
        line.passes,
        _cents(line.gross_cents),
        _cents(line.fee_cents),
        _cents(line.vat_cents),
        _cents(line.net_cents),
    ]


def _total(transfer: PayoutTransfer) -> list[Any]:
    return [
        _("Total"),
        "",
        "",
        "",
        transfer.pass_count,
        _cents(transfer.gross_cents),
        _cents(transfer.fee_cents),
        _cents(transfer.vat_cents),
        _cents(transfer.net_cents),
    ]


def _writer(output: TextIO) -> Any:
    return csv.writer(output, delimiter=";", lineterminator="\r\n")


def write_statement_csv(transfer: PayoutTransfer, output: TextIO) -> int:
    """The statement as CSV (`;` between columns, UTF-8): one line per redemption, then the
    totals. Returns the number of redemptions."""
    writer = _writer(output)
    count = 0
    with translation.override(DOCUMENT_LANGUAGE):
        writer.writerow(_header())
        for line in statement_lines(transfer):
            writer.writerow(_row(line))
            count += 1
        writer.writerow(_total(transfer))
    return count


def write_run_csv_statements(
    run: PayoutRun,
    open_output: Callable[[PayoutTransfer], contextlib.AbstractContextManager[TextIO]],
    *,
    portable: bool = False,
) -> int:
    """Every CSV statement of a run from one query streamed over all its lines (a query per
    statement costs more than the statement at 10,000 providers): `open_output(transfer)` gives
    the file of each. Returns the number of statements. On PostgreSQL the database formats the
    lines (`portable=True` forces the row-by-row path, which SQLite always takes)."""
    transfers = {
        transfer.pk: transfer for transfer in PayoutTransfer.objects.filter(run=run).order_by("pk")
    }
    if connection.vendor == "postgresql" and not portable:
        bodies = _statement_bodies_postgresql(run)
    else:
        bodies = _statement_bodies(run)
    done = 0
    with translation.override(DOCUMENT_LANGUAGE):
        for transfer_id, body in bodies:
            transfer = transfers[transfer_id]
            with open_output(transfer) as output:
                writer = _writer(output)
                writer.writerow(_header())
                output.write(body)
                writer.writerow(_total(transfer))
            done += 1
    return done


def _statement_bodies(run: PayoutRun) -> Iterator[tuple[int, str]]:
    """(transfer id, its lines as CSV text) per transfer of the run in the order of their ids,
    from one query over all the lines, formatted row by row in Python."""
    rows = (
        PayoutLine.objects.filter(transfer__run=run)
        .order_by("transfer_id", "redemption__created_at", "redemption_id")
        .values_list("transfer_id", *_LINE_FIELDS)
    )
    buffer = io.StringIO()
    writer = _writer(buffer)
    current: int | None = None
    for transfer_id, *fields in rows.iterator(chunk_size=5000):
        if transfer_id != current:
            if current is not None:
                yield current, buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
            current = transfer_id
        writer.writerow(_row(StatementLine(*fields)))
    if current is not None:
        yield current, buffer.getvalue()


def _sql_csv_field(expression: str) -> str:
    """`expression` (text) as `csv.writer` writes it with `;` and QUOTE_MINIMAL: quoted, its
    quotes doubled, when it holds a `;`, a quote, a carriage return or a line feed."""
    return (
        f"CASE WHEN strpos({expression}, ';') > 0 OR strpos({expression}, '\"') > 0"
        f" OR strpos({expression}, chr(13)) > 0 OR strpos({expression}, chr(10)) > 0"
        f" THEN '\"' || replace({expression}, '\"', '\"\"') || '\"' ELSE {expression} END"
    )


def _sql_cents(expression: str) -> str:
    """`_cents` in SQL: euros, a decimal comma, two digits of cents (amounts are never < 0)."""
    return f"({expression} / 100)::text || ',' || lpad(({expression} %% 100)::text, 2, '0')"


_STATEMENT_BODIES_SQL = f"""
SELECT l.transfer_id, string_agg(
    to_char(r.created_at AT TIME ZONE %(tz)s, 'DD/MM/YYYY HH24:MI')
    || ';' || {_sql_csv_field("pl.name")}
    || ';' || {_sql_csv_field("s.code")}
    || ';' || {_sql_csv_field("s.name")}
    || ';' || l.pass_count::text
    || ';' || {_sql_cents("l.gross_cents")}
    || ';' || {_sql_cents("l.fee_cents")}
    || ';' || {_sql_cents("l.vat_cents")}
    || ';' || {_sql_cents("l.net_cents")}
    || chr(13) || chr(10),
    '' ORDER BY r.created_at, r.id)
FROM {PayoutLine._meta.db_table} l
JOIN {PayoutTransfer._meta.db_table} t ON t.id = l.transfer_id
JOIN {Redemption._meta.db_table} r ON r.id = l.redemption_id
JOIN {Place._meta.db_table} pl ON pl.id = r.place_id
JOIN {Service._meta.db_table} s ON s.id = r.service_id
WHERE t.run_id = %(run)s
GROUP BY l.transfer_id
ORDER BY l.transfer_id"""  # noqa: S608 (table names only; values are parameters)


# For this transaction: the sort of a million lines in memory, no JIT compilation (the planner's
# estimate of a million string concatenations looks worth compiling; it is not).
_LOCAL_SETTINGS_SQL = "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"


def _statement_bodies_postgresql(run: PayoutRun) -> Iterator[tuple[int, str]]:
    """What `_statement_bodies` gives, written by PostgreSQL: one row per statement, streamed
    through a server-side cursor (a hundred statements in memory at most)."""
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        with connection.cursor() as settings_cursor:  # a plain cursor: no server-side SET
            settings_cursor.execute(_LOCAL_SETTINGS_SQL)
        cursor.execute(
            _STATEMENT_BODIES_SQL,
            {"tz": timezone.get_current_timezone_name(), "run": run.pk},
        )
        while rows := cursor.fetchmany(100):
            yield from rows


def statement_csv(transfer: PayoutTransfer) -> bytes:
    buffer = io.StringIO()
    write_statement_csv(transfer, buffer)
    return buffer.getvalue().encode("utf-8")


def render_statement_pdf(transfer: PayoutTransfer) -> bytes:
    """The statement as PDF: operator and provider, the transfer, every redemption, the totals."""
    run = transfer.run
    provider = transfer.provider
    with translation.override(DOCUMENT_LANGUAGE):
        context = {
            "operator": {
                "name": settings.PASSNUM_OPERATOR_NAME,
                "legal_form": settings.PASSNUM_OPERATOR_LEGAL_FORM,
                "address": settings.PASSNUM_OPERATOR_ADDRESS,
                "siren": settings.PASSNUM_OPERATOR_SIREN,
                "siret": settings.PASSNUM_OPERATOR_SIRET,
                "rcs": settings.PASSNUM_OPERATOR_RCS,
                "vat_number": settings.PASSNUM_OPERATOR_VAT_NUMBER,
            },
            "provider": provider,
            "transfer": transfer,
            "run": run,
            "masked_iban": _mask(transfer.iban),
            "issued_on": timezone.localdate(run.created_at),
            "lines": [
                {
                    "date": timezone.localtime(line.redeemed_at).strftime("%d/%m/%Y"),
                    "place": line.place,
                    "service": f"{line.service_code} {line.service}",
                    "passes": line.passes,
                    "gross": format_euros(line.gross_cents),
                    "fee": format_euros(line.fee_cents),
                    "vat": format_euros(line.vat_cents),
                    "net": format_euros(line.net_cents),
                }
                for line in statement_lines(transfer)
            ],
            "totals": {
                "passes": transfer.pass_count,
                "gross": format_euros(transfer.gross_cents),
                "fee": format_euros(transfer.fee_cents),
                "vat": format_euros(transfer.vat_cents),
                "net": format_euros(transfer.net_cents),
                "fund": format_euros(transfer.fund_cents),
            },
        }
        return render_pdf("payouts/statement.html", context)


def _mask(iban: str) -> str:
    """The IBAN with all but its country, key and last four characters hidden."""
    if len(iban) <= 8:
        return iban
    return iban[:4] + " •••• " + iban[-4:]
