"""Blocking a lost or stolen pass, booklet or serial range (a sponsor: its orders' passes; a
distributor: the booklets it holds), and the operator's reissue of blocked unused passes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core import exceptions as domain
from passnum.passes.distribution_selectors import held_booklet, sponsor_booklet
from passnum.passes.services import block_passes, reissue_passes
from passnum.www.distribution.common import acting_as
from passnum.www.distribution.forms import BY_BOOKLET, BY_PASS, BlockForm, ReissueForm


@login_required
def block(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR)
    form = BlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            first, last = _serials(acting, data)
            count = block_passes(
                acting=acting, serial_first=first, serial_last=last, reason=data["reason"]
            )
        except domain.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "%(count)s pass bloqué(s) (numéros de série %(first)s à %(last)s). Les pass "
                    "déjà utilisés ou expirés restent tels quels."
                )
                % {
                    "count": formats.number_format(count, force_grouping=True),
                    "first": first,
                    "last": last,
                },
            )
            return redirect("distribution:block")
    return render(
        request,
        "www/distribution/block.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _serials(acting: Acting, data: dict) -> tuple[int, int]:
    if data["mode"] == BY_BOOKLET:
        # A booklet the acting organisation may see (404-like message otherwise).
        selector = (
            held_booklet
            if acting.organisation.kind == OrganisationKind.DISTRIBUTOR
            else sponsor_booklet
        )
        try:
            booklet = selector(acting=acting, number=data["booklet"])
        except domain.NotFound as exc:
            raise domain.NotFound(
                _("Le carnet n° %(number)s n'est pas l'un des vôtres.")
                % {"number": data["booklet"]}
            ) from exc
        return booklet.first_serial, booklet.last_serial
    if data["mode"] == BY_PASS:
        return data["serial"], data["serial"]
    return data["first"], data["last"]


@login_required
def reissue(request: HttpRequest) -> HttpResponse:
    acting = acting_as(request, OrganisationKind.OPERATOR)
    form = ReissueForm(request.POST if request.method == "POST" else None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = reissue_passes(
                acting=acting,
                serial_first=data["first"],
                serial_last=data["last"],
                reason=data["reason"],
            )
        except domain.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "%(count)s pass remplacé(s) par de nouveaux pass, dans %(booklets)s nouveau(x) carnet(s)."
                )
                % {"count": result.count, "booklets": len(result.booklets)},
            )
            form = ReissueForm()
    return render(
        request,
        "www/distribution/reissue.html",
        {"form": form, "result": result},
        status=400 if form.errors else 200,
    )
