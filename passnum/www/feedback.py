"""Feedback pages: the person gives it from the pass page (`/p/<code>/avis`) or from the link
the place shows after the scan (`/avis/<token>`), with no account; places, hubs and operator
staff read the results (`/avis/resultats/`)."""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import DomainError
from passnum.feedback import selectors
from passnum.feedback.enums import Return, Usefulness
from passnum.feedback.services import check_feedback_possible, record_feedback, redemption_of_token
from passnum.passes.holder import pass_for_holder
from passnum.redemptions.models import Redemption
from passnum.www.acting import current_acting
from passnum.www.pass_page import throttled


class FeedbackForm(forms.Form):
    useful = forms.TypedChoiceField(
        label=gettext_lazy("Cet accompagnement vous a-t-il été utile ?"),
        choices=Usefulness.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    would_return = forms.ChoiceField(
        label=gettext_lazy("Reviendriez-vous dans ce lieu ?"),
        choices=Return.choices,
        widget=forms.RadioSelect,
    )
    learned = forms.MultipleChoiceField(
        label=gettext_lazy("Qu'avez-vous appris ? (facultatif)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, redemption: Redemption, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["learned"].choices = [  # type: ignore[attr-defined]
            (c.code, c.label) for c in redemption.service.competences.order_by("code")
        ]


@never_cache
@require_http_methods(["GET", "POST"])
def from_pass(request: HttpRequest, code: str) -> HttpResponse:
    refused = throttled(request)
    if refused:
        return refused
    holder = pass_for_holder(code[:40])
    if isinstance(holder, str) or holder.redemption_id is None:
        message = holder if isinstance(holder, str) else None
        return _impossible(request, message)
    redemption = Redemption.objects.select_related("service", "place").get(pk=holder.redemption_id)
    return _form(request, redemption)


@never_cache
@require_http_methods(["GET", "POST"])
def from_link(request: HttpRequest, token: str) -> HttpResponse:
    refused = throttled(request)
    if refused:
        return refused
    try:
        redemption = redemption_of_token(token[:300])
    except DomainError as exc:
        return _impossible(request, str(exc))
    return _form(request, redemption)


def _impossible(request: HttpRequest, message: str | None) -> HttpResponse:
    return render(request, "www/feedback/impossible.html", {"message": message}, status=404)


def _form(request: HttpRequest, redemption: Redemption) -> HttpResponse:
    try:
        check_feedback_possible(redemption)
    except DomainError as exc:
        return render(request, "www/feedback/impossible.html", {"message": str(exc)}, status=409)
    form = FeedbackForm(request.POST or None, redemption=redemption)
    if request.method == "POST" and form.is_valid():
        try:
            record_feedback(redemption=redemption, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "www/feedback/thanks.html", {"redemption": redemption})
    return render(
        request,
        "www/feedback/form.html",
        {"form": form, "redemption": redemption},
        status=400 if form.errors else 200,
    )


@never_cache
def results(request: HttpRequest) -> HttpResponse:
    """A provider's places, a hub's territory, every place for operator staff."""
    acting = current_acting(request)
    allowed = (OrganisationKind.PROVIDER, OrganisationKind.HUB, OrganisationKind.OPERATOR)
    if acting is None or acting.organisation.kind not in allowed:
        return render(request, "www/feedback/impossible.html", {"message": None}, status=403)
    found = selectors.visible_feedback(acting=acting)
    by_territory = acting.organisation.kind != OrganisationKind.PROVIDER
    return render(
        request,
        "www/feedback/results.html",
        {
            "places": selectors.results_by_place(found),
            "departements": selectors.results_by_departement(found) if by_territory else [],
            "learned": selectors.learned_counts(found),
            "period_days": settings.PASSNUM_FEEDBACK_PERIOD_DAYS,
            "min_answers": settings.PASSNUM_FEEDBACK_MIN_ANSWERS,
            "min_useful": settings.PASSNUM_FEEDBACK_MIN_USEFUL_PERCENT,
        },
    )
