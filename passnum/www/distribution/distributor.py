"""A distributor's pages: its stock (booklets by order and state), recording hand-outs (one,
a range, a CSV file) and the cover letter to print with a booklet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passnum.accounts.enums import OrganisationKind
from passnum.core import exceptions as domain
from passnum.geography.selectors import commune as commune_by_code
from passnum.geography.selectors import search_communes
from passnum.passes.cover_letter import render_cover_letter
from passnum.passes.distribution import (
    HandOutReport,
    distribution_stop_date,
    record_handout,
    record_handouts,
)
from passnum.passes.distribution_selectors import (
    handout_of,
    handouts_of,
    page_with_counts,
    stock_booklets,
    stock_summary,
)
from passnum.passes.enums import BookletState
from passnum.passes.exceptions import HandOutRefused
from passnum.passes.handout_csv import MAX_BYTES, import_handouts_csv
from passnum.passes.states import without_jit
from passnum.www.distribution.common import acting_as, by_state, int_param, page_of, scoped
from passnum.www.distribution.forms import (
    CommuneForm,
    HandOutCsvForm,
    HandOutForm,
    HandOutRangeForm,
)

DISTRIBUTOR = OrganisationKind.DISTRIBUTOR


@login_required
def stock(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, DISTRIBUTOR)
    summary = stock_summary(acting=acting)
    order_id = int_param(request, "commande")
    state = request.GET.get("etat", "")
    number = int_param(request, "carnet")
    known = None
    if number is None:  # the summary has counted them already
        lines = [line for line in summary if order_id is None or line.order.pk == order_id]
        known = sum(
            line.states.get(state, 0) if state in BookletState.values else line.total
            for line in lines
        )
    with without_jit():
        page = page_of(
            request,
            stock_booklets(acting=acting, order_id=order_id, state=state, number=number),
            count=known,
        )
        page.object_list = page_with_counts(list(page.object_list))
    totals = dict.fromkeys(BookletState.values, 0)
    for line in summary:
        for key, count in line.states.items():
            totals[key] += count
    return render(
        request,
        "www/distribution/stock.html",
        {
            "summary": [
                (line, distribution_stop_date(line.order), _held_states(line.states))
                for line in summary
            ],
            "totals": _held_states(totals),
            "total": sum(totals.values()),
            "states": BookletState.choices,
            "page": page,
            "order_id": order_id,
            "state": state,
            "number": number if number is not None else "",
        },
    )


def _held_states(counts: dict[str, int]) -> list:
    """By state, but "in stock" (the sponsor's stock: never a distributor's)."""
    return [row for row in by_state(counts) if row[0] != BookletState.IN_STOCK]


@login_required
def handout(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, DISTRIBUTOR)
    initial = {}
    if (number := int_param(request, "carnet")) is not None:
        initial["booklet"] = number
    return _handout_page(request, acting, one=HandOutForm(initial=initial, prefix="one"))


def _handout_page(
    request, acting, *, one=None, many=None, upload=None, report=None, error=None, status=200
) -> HttpResponse:
    return render(
        request,
        "www/distribution/handout.html",
        {
            "one_form": one or HandOutForm(prefix="one"),
            "range_form": many or HandOutRangeForm(prefix="range"),
            "csv_form": upload or HandOutCsvForm(prefix="csv"),
            "report": report,
            "csv_error": error,
            "recent": handouts_of(acting=acting)[:20],
        },
        status=status,
    )


@require_POST
@login_required
def handout_one(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, DISTRIBUTOR)
    form = HandOutForm(request.POST, prefix="one")
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = record_handout(
                acting=acting,
                booklet_number=data["booklet"],
                handed_out_on=data["handed_out_on"],
                public=data["public"],
                reference=data["reference"],
            )
        except HandOutRefused as exc:
            code = exc.details[0]["code"] if exc.details else ""
            field = {
                "handout_in_future": "handed_out_on",
                "handout_before_assignment": "handed_out_on",
                "distribution_stopped": "handed_out_on",
                "invalid_public": "public",
                "invalid_reference": "reference",
            }.get(code, "booklet")
            form.add_error(field, str(exc))
        except domain.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Carnet n° %(number)s remis le %(date)s. Imprimez maintenant sa lettre d'accompagnement."
                )
                % {
                    "number": done.booklet.number,
                    "date": formats.date_format(done.handed_out_on, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect(reverse("distribution:letter", args=[done.booklet.number]))
    return _handout_page(request, acting, one=form, status=400)


@require_POST
@login_required
def handout_range(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, DISTRIBUTOR)
    form = HandOutRangeForm(request.POST, prefix="range")
    if form.is_valid():
        data = form.cleaned_data
        try:
            count = record_handouts(
                acting=acting,
                first_number=data["first"],
                last_number=data["last"],
                handed_out_on=data["handed_out_on"],
                public=data["public"],
                reference=data["reference"],
            )
        except HandOutRefused as exc:
            return _handout_page(
                request,
                acting,
                many=form,
                report=HandOutReport(recorded=0, errors=_errors(exc)),
                status=400,
            )
        except domain.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(count)s carnet(s) enregistré(s) comme remis.")
                % {"count": formats.number_format(count, force_grouping=True)},
            )
            return redirect("distribution:handout")
    return _handout_page(request, acting, many=form, status=400)


def _errors(exc: HandOutRefused) -> list:
    from passnum.passes.distribution import LineError

    return [
        LineError(
            line=detail.get("line"),
            booklet_number=detail.get("booklet"),
            code=detail["code"],
            message=detail["message"],
        )
        for detail in exc.details
    ]


@require_POST
@login_required
def handout_csv(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, DISTRIBUTOR)
    form = HandOutCsvForm(request.POST, request.FILES, prefix="csv")
    if not form.is_valid():
        return _handout_page(request, acting, upload=form, status=400)
    upload = form.cleaned_data["upload"]
    if upload.size > MAX_BYTES:
        form.add_error("upload", _("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers."))
        return _handout_page(request, acting, upload=form, status=400)
    try:
        report = import_handouts_csv(acting=acting, data=upload.read())
    except domain.DomainError as exc:
        form.add_error("upload", str(exc))
        return _handout_page(request, acting, upload=form, status=400)
    return _handout_page(request, acting, report=report, status=200 if not report.errors else 400)


@login_required
def letter(request: HttpRequest, number: int) -> HttpResponse:
    """GET without a commune: choose it. With `?commune=<INSEE code>`: the PDF."""
    acting = acting_as(request, DISTRIBUTOR)
    done = scoped(handout_of, acting=acting, number=number)
    code = request.GET.get("code", "").strip()
    if code:
        chosen = scoped(commune_by_code, code=code[:5])
        data = render_cover_letter(booklet=done.booklet, commune=chosen)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="lettre-carnet-{done.booklet.number}.pdf"'
        )
        return response
    form = CommuneForm(request.GET or None)
    matches = []
    if form.is_valid():
        matches = search_communes(form.cleaned_data["commune"], limit=10)
        if not matches:
            form.add_error(
                "commune",
                _("Aucune commune ne correspond : vérifiez l'orthographe ou le code postal."),
            )
    return render(
        request,
        "www/distribution/letter.html",
        {"handout": done, "form": form, "matches": matches},
        status=400 if form.errors else 200,
    )
