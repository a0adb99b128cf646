"""A run's files in a folder: its SEPA file and a CSV and a PDF statement per transfer. Each file
is written under a temporary name and renamed when complete; one statement at a time in memory."""

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from passnum.payouts.models import PayoutRun, PayoutTransfer
from passnum.payouts.sepa import IN_FILE, build_sepa_file, sepa_file_name
from passnum.payouts.statements import (
    render_statement_pdf,
    statement_file_name,
    write_run_csv_statements,
)


@dataclass(frozen=True)
class WrittenFiles:
    sepa: Path | None
    statements: int


def write_run_files(
    *,
    run: PayoutRun,
    output_dir: Path,
    schema: str | None = None,
    execution_date: datetime.date | None = None,
    pdf: bool = True,
) -> WrittenFiles:
    output_dir.mkdir(parents=True, exist_ok=True)
    sepa_path = None
    if PayoutTransfer.objects.filter(run=run, status__in=IN_FILE).exists():
        from django.conf import settings

        schema = schema or settings.PASSNUM_SEPA_SCHEMA
        sepa_path = output_dir / sepa_file_name(run, schema)
        with _atomic_file(sepa_path, "wb") as stream:
            build_sepa_file(run=run, schema=schema, execution_date=execution_date, output=stream)
    count = write_run_csv_statements(
        run, lambda transfer: _atomic_file(output_dir / statement_file_name(transfer, "csv"), "w")
    )
    if pdf:  # WeasyPrint: about a second a statement (docs/payouts.md)
        transfers = PayoutTransfer.objects.filter(run=run).select_related("run", "provider")
        for transfer in transfers.order_by("pk").iterator(chunk_size=500):
            with _atomic_file(output_dir / statement_file_name(transfer, "pdf"), "wb") as stream:
                stream.write(render_statement_pdf(transfer))
    return WrittenFiles(sepa=sepa_path, statements=count)


class _atomic_file:  # used as a context manager
    def __init__(self, path: Path, mode: str) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".part")
        self.mode = mode

    def __enter__(self):
        if "b" in self.mode:
            self.stream = self.partial.open(self.mode)
        else:
            self.stream = self.partial.open(self.mode, encoding="utf-8", newline="")
        return self.stream

    def __exit__(self, exc_type, exc, tb) -> None:
        self.stream.close()
        if exc_type is None:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)
