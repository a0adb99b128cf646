"""A dashboard table as a file: CSV (French spreadsheet conventions: `;` between fields,
decimal comma, UTF-8 with a BOM) or XLSX (xlsxwriter in constant-memory mode, numbers kept as
numbers with euro and percentage formats). Column titles are the table's, in French."""

import csv
import tempfile
from collections.abc import Iterator
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse

from passnum.dashboards.tables import Kind, Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Echo:
    """A file-like object whose write() returns the text: csv.writer rows for streaming."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: object, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == Kind.CENTS:
        cents = int(value)  # type: ignore[call-overload]
        sign = "-" if cents < 0 else ""
        euros, rest = divmod(abs(cents), 100)
        return f"{sign}{euros},{rest:02d}"
    if kind == Kind.PERCENT:
        return str(value).replace(".", ",")
    return str(value)


def csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([str(column.title) for column in table.columns])
    for row in table.rows:
        yield writer.writerow(
            [
                _csv_cell(value, column.kind)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(table: Table, filename: str) -> FileResponse:
    output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet(str(table.title)[:31])
    bold = workbook.add_format({"bold": True})
    formats = {
        Kind.CENTS: workbook.add_format({"num_format": "#,##0.00 [$€-40C]"}),
        Kind.PERCENT: workbook.add_format({"num_format": "0.0 %"}),
        Kind.COUNT: workbook.add_format({"num_format": "#,##0"}),
    }
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, str(column.title), bold)
        sheet.set_column(col, col, 40 if column.kind == Kind.TEXT else 16)
    for line, row in enumerate(table.rows, start=1):
        for col, (value, column) in enumerate(zip(row, table.columns, strict=True)):
            if value is None:
                sheet.write_blank(line, col, None)
            elif column.kind == Kind.CENTS:
                sheet.write_number(line, col, Decimal(int(value)) / 100, formats[Kind.CENTS])  # type: ignore[call-overload,arg-type]
            elif column.kind == Kind.PERCENT:
                sheet.write_number(line, col, Decimal(str(value)) / 100, formats[Kind.PERCENT])  # type: ignore[arg-type]
            elif column.kind == Kind.COUNT:
                sheet.write_number(line, col, int(value), formats[Kind.COUNT])  # type: ignore[call-overload]
            else:
                sheet.write_string(line, col, str(value))
    workbook.close()
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )
