"""Finance (operator staff) pages of the payouts (issue #9): the runs, starting one for a period,
a run's transfers and carried providers, its files (SEPA, CSV and PDF statements, a ZIP of the
CSVs), marking it executed and rejecting a transfer. Every action is a POST through a service;
a domain error is shown as a message, never a 500."""

import contextlib
import io
import tempfile
import zipfile
from collections.abc import Iterator
from typing import TextIO

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.core.money import format_euros
from passnum.payouts import selectors
from passnum.payouts.dashboard import period_label
from passnum.payouts.enums import RunStatus, TransferStatus
from passnum.payouts.models import PayoutLog, PayoutRun, PayoutTransfer
from passnum.payouts.sepa import build_sepa_file, sepa_file_name
from passnum.payouts.services import mark_run_executed, reject_transfer, run_payouts
from passnum.payouts.statements import (
    render_statement_pdf,
    statement_csv,
    statement_file_name,
    write_run_csv_statements,
)
from passnum.www.distribution.common import page_of, scoped
from passnum.www.payouts.forms import ExecuteForm, RejectForm, RunForm, SepaForm
from passnum.www.sponsor.common import operator_page

CARRIED_PAGE_SIZE = 50
STATUS_BADGES: dict[str, str] = {
    RunStatus.PREPARED: "fr-badge--new",
    RunStatus.EXECUTED: "fr-badge--success",
    TransferStatus.PENDING: "fr-badge--new",
    TransferStatus.EXECUTED: "fr-badge--success",
    TransferStatus.REJECTED: "fr-badge--error",
    TransferStatus.CARRIED: "fr-badge--info",
}


def _run(acting: Acting, run_id: int) -> PayoutRun:
    return scoped(selectors.run_for, acting=acting, run_id=run_id)


def _transfer(acting: Acting, run: PayoutRun, transfer_id: int) -> PayoutTransfer:
    return scoped(selectors.transfer_of_run, acting=acting, run=run, transfer_id=transfer_id)


@require_GET
@operator_page
def runs(request: HttpRequest, acting: Acting) -> HttpResponse:
    return _runs_page(request, acting, RunForm())


def _runs_page(
    request: HttpRequest, acting: Acting, form: RunForm, status: int = 200
) -> HttpResponse:
    page = page_of(request, selectors.runs_overview(acting=acting))
    rows = [
        {
            "run": run,
            "period": period_label(run.period_start, run.period_end),
            "net": format_euros(run.net_cents),  # type: ignore[attr-defined]
            "badge": STATUS_BADGES.get(run.status, ""),
        }
        for run in page
    ]
    return render(
        request, "www/payouts/runs.html", {"page": page, "rows": rows, "form": form}, status=status
    )


@require_POST
@operator_page
def run_start(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Prepares the run of a period (`run_payouts`); a period already paid opens its run."""
    form = RunForm(request.POST)
    if not form.is_valid():
        return _runs_page(request, acting, form, status=400)
    period = form.cleaned_data["chosen"]
    try:
        outcome = run_payouts(
            acting=acting, period_start=period.start, period_end=period.end, kind=period.kind
        )
    except DomainError as exc:
        form.add_error(None, str(exc))
        return _runs_page(request, acting, form, status=400)
    run = outcome.run
    if outcome.created:
        totals = selectors.run_totals(acting=acting, run=run)
        messages.success(
            request,
            _(
                "Paiement %(reference)s préparé : %(count)s virement(s), %(net)s en tout, "
                "%(carried)s acteur(s) reporté(s)."
            )
            % {
                "reference": run.reference,
                "count": totals["count"],
                "net": format_euros(totals["net"]),
                "carried": run.carried.count(),
            },
        )
    else:
        messages.info(
            request,
            _("La période a déjà son paiement %(reference)s : rien n'est payé deux fois.")
            % {"reference": run.reference},
        )
    return redirect("payouts:run", run.pk)


@require_GET
@operator_page
def run_detail(request: HttpRequest, acting: Acting, run_id: int) -> HttpResponse:
    run = _run(acting, run_id)
    transfers = page_of(request, selectors.transfers_of_run(acting=acting, run=run))
    carried = Paginator(selectors.carried_of_run(acting=acting, run=run), CARRIED_PAGE_SIZE)
    carried_page = carried.get_page(request.GET.get("reportes"))
    totals = selectors.run_totals(acting=acting, run=run)
    return render(
        request,
        "www/payouts/run.html",
        {
            "run": run,
            "period": period_label(run.period_start, run.period_end),
            "badge": STATUS_BADGES.get(run.status, ""),
            "page": transfers,
            "transfers": [
                {
                    "transfer": transfer,
                    "badge": STATUS_BADGES.get(transfer.status, ""),
                    "gross": format_euros(transfer.gross_cents),
                    "fee": format_euros(transfer.fee_cents),
                    "vat": format_euros(transfer.vat_cents),
                    "net": format_euros(transfer.net_cents),
                    "rejectable": transfer.status
                    in (TransferStatus.PENDING, TransferStatus.EXECUTED),
                }
                for transfer in transfers
            ],
            "carried_page": carried_page,
            "carried": [
                {"carried": row, "net": format_euros(row.net_cents)} for row in carried_page
            ],
            "totals": {
                key: format_euros(value) if key in {"gross", "fee", "vat", "net", "fund"} else value
                for key, value in totals.items()
            },
            "log": [_log_row(entry) for entry in selectors.log_of_run(acting=acting, run=run)],
            "sepa_form": SepaForm(),
            "executable": run.status == RunStatus.PREPARED,
            "has_file": totals["count"] > 0,
        },
    )


def _log_row(entry: PayoutLog) -> dict[str, object]:
    labels = dict(TransferStatus.choices if entry.transfer_id else RunStatus.choices)
    return {
        "entry": entry,
        "from": labels.get(entry.from_status, "—"),
        "to": labels.get(entry.to_status, entry.to_status),
    }


@require_http_methods(["GET", "POST"])
@operator_page
def run_execute(request: HttpRequest, acting: Acting, run_id: int) -> HttpResponse:
    """Confirm, then record that the run's SEPA file was sent (`mark_run_executed`)."""
    run = _run(acting, run_id)
    form = ExecuteForm(request.POST or None, initial={"executed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            run = mark_run_executed(
                acting=acting, run=run, executed_on=form.cleaned_data["executed_on"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Paiement %(reference)s exécuté : ses virements sont envoyés.")
                % {"reference": run.reference},
            )
        return redirect("payouts:run", run.pk)
    totals = selectors.run_totals(acting=acting, run=run)
    return render(
        request,
        "www/payouts/execute.html",
        {
            "run": run,
            "period": period_label(run.period_start, run.period_end),
            "form": form,
            "count": totals["count"],
            "net": format_euros(totals["net"]),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@operator_page
def transfer_reject(
    request: HttpRequest, acting: Acting, run_id: int, transfer_id: int
) -> HttpResponse:
    """Record a transfer the bank rejected, with its reason (`reject_transfer`)."""
    run = _run(acting, run_id)
    transfer = _transfer(acting, run, transfer_id)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reject_transfer(acting=acting, transfer=transfer, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Virement %(reference)s rejeté : son écriture est annulée, le prochain "
                    "paiement le reprendra."
                )
                % {"reference": transfer.end_to_end_id},
            )
        return redirect("payouts:run", run.pk)
    return render(
        request,
        "www/payouts/reject.html",
        {
            "run": run,
            "transfer": transfer,
            "net": format_euros(transfer.net_cents),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@operator_page
def run_sepa(request: HttpRequest, acting: Acting, run_id: int) -> HttpResponse:
    """The run's SEPA file in the chosen schema, validated against its XSD before it is sent."""
    run = _run(acting, run_id)
    form = SepaForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choisissez le format du fichier SEPA et une date valide."))
        return redirect("payouts:run", run.pk)
    schema = form.cleaned_data["schema"]
    try:
        content = build_sepa_file(
            run=run, schema=schema, execution_date=form.cleaned_data["execution_date"]
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("payouts:run", run.pk)
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{sepa_file_name(run, schema)}"'
    return response


@require_GET
@operator_page
def statement(
    request: HttpRequest, acting: Acting, run_id: int, transfer_id: int, fmt: str
) -> HttpResponse:
    transfer = _transfer(acting, _run(acting, run_id), transfer_id)
    return statement_response(transfer, fmt)


def statement_response(transfer: PayoutTransfer, fmt: str) -> HttpResponse:
    """A statement as CSV or PDF (rendered now: about a second)."""
    if fmt == "csv":
        response = HttpResponse(statement_csv(transfer), content_type="text/csv; charset=utf-8")
    elif fmt == "pdf":
        response = HttpResponse(render_statement_pdf(transfer), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{statement_file_name(transfer, fmt)}"'
    return response


@require_GET
@operator_page
def statements_zip(request: HttpRequest, acting: Acting, run_id: int) -> FileResponse:
    """Every CSV statement of the run in one ZIP, written from one streamed query."""
    run = _run(acting, run_id)
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:

        @contextlib.contextmanager
        def open_output(transfer: PayoutTransfer) -> Iterator[TextIO]:
            name = statement_file_name(transfer, "csv")
            with io.TextIOWrapper(archive.open(name, "w"), encoding="utf-8", newline="") as stream:
                yield stream

        write_run_csv_statements(run, open_output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"releves-{run.reference}.zip",
        content_type="application/zip",
    )
