"""The review of qualification files, by operator staff or by the hub whose territory holds one of
the file's places: a queue, the whole file, comments, decisions, bank details validation. And the
review of places added after the qualification, one by one, by operator staff or the hub of the
place's département."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.core.money import format_euros
from passnum.places.enums import (
    FILE_TRANSITIONS,
    AccessMode,
    FileStatus,
    PlaceDecision,
    Public,
    QualificationStatus,
    SpecificSupport,
    SupportMode,
)
from passnum.places.models import Place, ProviderFile
from passnum.places.selectors import (
    awaits_place_review,
    can_review,
    decided_files,
    file_for_reviewer,
    place_for_reviewer,
    place_review_queue,
    review_queue,
)
from passnum.places.services import (
    comment_file,
    review_file,
    review_place,
    validate_bank_details,
)
from passnum.places.services.review import NEEDS_REASON, PLACE_MOVES, ReasonRequired
from passnum.www.qualification.common import (
    STATUS_BADGES,
    answers_table,
    found,
    mask_iban,
    reviewer_view,
)
from passnum.www.qualification.forms import CommentForm, DecisionForm, PlaceDecisionForm

# The button of each decision, by the status it leads to (and, for a requalification, from).
DECISION_LABELS = {
    FileStatus.CHANGES_REQUESTED: gettext_lazy("Demander des modifications"),
    FileStatus.QUALIFIED: gettext_lazy("Qualifier le dossier"),
    FileStatus.REJECTED: gettext_lazy("Refuser le dossier"),
    FileStatus.SUSPENDED: gettext_lazy("Suspendre la qualification"),
}
REQUALIFY_LABEL = gettext_lazy("Requalifier")
DECISION_CLASSES = {
    FileStatus.CHANGES_REQUESTED: "fr-btn--secondary",
    FileStatus.QUALIFIED: "",
    FileStatus.REJECTED: "fr-btn--tertiary",
    FileStatus.SUSPENDED: "fr-btn--tertiary",
}


PLACE_DECISION_CLASSES = {
    PlaceDecision.APPROVE: "",
    PlaceDecision.REQUEST_CHANGES: "fr-btn--secondary",
    PlaceDecision.REJECT: "fr-btn--tertiary",
}


def _file(acting: Acting, file_id: int) -> ProviderFile:
    return found(file_for_reviewer, acting=acting, file_id=file_id)


def decisions_for(file: ProviderFile) -> list[dict[str, Any]]:
    """The decisions the workflow allows from the file's current status."""
    allowed = FILE_TRANSITIONS.get(file.status, set())
    return [
        {
            "status": status.value,
            "label": REQUALIFY_LABEL
            if status == FileStatus.QUALIFIED and file.status == FileStatus.SUSPENDED
            else label,
            "needs_reason": status in NEEDS_REASON,
            "css": DECISION_CLASSES[status],
        }
        for status, label in DECISION_LABELS.items()
        if status in allowed and (file.status, status) in PLACE_MOVES
    ]


def _labels(choices: Any, values: list[str]) -> list[str]:
    known = dict(choices.choices)
    return [str(known.get(value, value)) for value in values]


@require_GET
@reviewer_view
def queue(request: HttpRequest, acting: Acting) -> HttpResponse:
    return render(
        request,
        "www/qualification/review_queue.html",
        {
            "queue": review_queue(acting=acting).prefetch_related("organisation__places"),
            "place_queue": place_review_queue(acting=acting),
            "decided": decided_files(acting=acting)[:50],
            "badges": STATUS_BADGES,
        },
    )


def _place_details(place: Place) -> dict[str, Any]:
    """A place as the reviewers read it: its fields in words, its offer with prices. The
    offers must be prefetched with their service."""
    return {
        "place": place,
        "specific_support": _labels(SpecificSupport, place.specific_support),
        "publics": _labels(Public, place.publics),
        "access_modes": _labels(AccessMode, place.access_modes),
        "support_modes": _labels(SupportMode, place.support_modes),
        "offers": [
            {"offer": offer, "price": format_euros(offer.price_cents)}
            for offer in place.offers.all()
        ],
    }


def _feedback_of(acting: Acting, places: Any) -> list[Any]:
    """The beneficiaries' feedback on the file's places (the public rule's flag included), for
    the reviewers deciding a suspension or a requalification (SPEC §4)."""
    from passnum.feedback import selectors as feedback

    found = feedback.visible_feedback(acting=acting).filter(place__in=places)
    return feedback.results_by_place(found)


def _file_page(
    request: HttpRequest,
    acting: Acting,
    file: ProviderFile,
    *,
    decision_form: DecisionForm | None = None,
    comment_form: CommentForm | None = None,
    error: str | None = None,
) -> HttpResponse:
    places = file.organisation.places.prefetch_related("offers__service").order_by("name")
    refused = bool(
        error or (decision_form and decision_form.errors) or (comment_form and comment_form.errors)
    )
    return render(
        request,
        "www/qualification/review_file.html",
        {
            "file": file,
            "badge": STATUS_BADGES.get(file.status, ""),
            "places": [_place_details(place) for place in places],
            "eligibility": answers_table(file),
            "masked_iban": mask_iban(file.iban),
            "documents": file.documents.select_related("uploaded_by"),
            "transitions": file.transitions.select_related("actor"),
            "comments": file.comments.select_related("author"),
            "decisions": decisions_for(file),
            "decision_form": decision_form or DecisionForm(),
            "comment_form": comment_form or CommentForm(),
            "can_validate_bank": acting.kind == OrganisationKind.OPERATOR and bool(file.iban),
            "feedback": _feedback_of(acting, places),
            "error": error,
        },
        status=400 if refused else 200,
    )


@require_GET
@reviewer_view
def file_page(request: HttpRequest, acting: Acting, file_id: int) -> HttpResponse:
    return _file_page(request, acting, _file(acting, file_id))


@require_POST
@reviewer_view
def decide(request: HttpRequest, acting: Acting, file_id: int) -> HttpResponse:
    file = _file(acting, file_id)
    form = DecisionForm(request.POST)
    allowed = {decision["status"] for decision in decisions_for(file)}
    to_status = request.POST.get("to_status", "")
    if not form.is_valid():
        return _file_page(request, acting, file, decision_form=form)
    if to_status not in allowed:
        return _file_page(
            request,
            acting,
            file,
            decision_form=form,
            error=_("Cette décision n'est pas possible pour un dossier dans cet état."),
        )
    try:
        decided = review_file(
            acting=acting,
            file=file,
            to_status=FileStatus(to_status),
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        form.add_error("reason" if to_status in NEEDS_REASON else None, str(exc))
        return _file_page(request, acting, file, decision_form=form)
    messages.success(
        request,
        _(
            "Décision enregistrée : le dossier est maintenant « %(status)s ». Le demandeur est prévenu par e-mail."
        )
        % {"status": decided.get_status_display()},
    )
    return redirect("qualification:review_file", file_id=file.pk)


@require_POST
@reviewer_view
def comment(request: HttpRequest, acting: Acting, file_id: int) -> HttpResponse:
    file = _file(acting, file_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_file(acting=acting, file=file, text=form.cleaned_data["text"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Commentaire ajouté au dossier."))
            return redirect("qualification:review_file", file_id=file.pk)
    return _file_page(request, acting, file, comment_form=form)


@require_POST
@reviewer_view
def validate_bank(request: HttpRequest, acting: Acting, file_id: int) -> HttpResponse:
    file = _file(acting, file_id)
    try:
        validate_bank_details(acting=acting, file=file)
    except DomainError as exc:
        return _file_page(request, acting, file, error=str(exc))
    messages.success(request, _("Coordonnées bancaires validées."))
    return redirect("qualification:review_file", file_id=file.pk)


# --- Places added after the qualification, reviewed alone -----------------------------------------


def _place_page(
    request: HttpRequest,
    acting: Acting,
    place: Place,
    *,
    decision_form: PlaceDecisionForm | None = None,
    error: str | None = None,
) -> HttpResponse:
    refused = bool(error or (decision_form and decision_form.errors))
    awaiting = awaits_place_review(place)
    file = getattr(place.organisation, "qualification_file", None)
    return render(
        request,
        "www/qualification/review_place.html",
        {
            "place": place,
            "item": _place_details(place),
            "badge": STATUS_BADGES.get(place.qualification_status, ""),
            "file": file,
            "file_url": reverse("qualification:review_file", args=[file.pk])
            if file is not None and can_review(acting=acting, file=file)
            else None,
            "transitions": place.transitions.select_related("actor"),
            "decisions": [
                {
                    "value": decision.value,
                    "label": decision.label,
                    "css": PLACE_DECISION_CLASSES[decision],
                }
                for decision in PlaceDecision
            ]
            if awaiting
            else [],
            "reviewed_with_file": place.qualification_status == QualificationStatus.SUBMITTED
            and not awaiting,
            "decision_form": decision_form or PlaceDecisionForm(),
            "error": error,
        },
        status=400 if refused else 200,
    )


@require_GET
@reviewer_view
def place_page(request: HttpRequest, acting: Acting, place_id: int) -> HttpResponse:
    return _place_page(request, acting, found(place_for_reviewer, acting=acting, place_id=place_id))


@require_POST
@reviewer_view
def decide_place(request: HttpRequest, acting: Acting, place_id: int) -> HttpResponse:
    place = found(place_for_reviewer, acting=acting, place_id=place_id)
    form = PlaceDecisionForm(request.POST)
    decision = request.POST.get("decision", "")
    if not form.is_valid():
        return _place_page(request, acting, place, decision_form=form)
    if decision not in PlaceDecision.values:
        return _place_page(
            request, acting, place, decision_form=form, error=_("Décision inconnue.")
        )
    try:
        decided = review_place(
            acting=acting,
            place=place,
            decision=PlaceDecision(decision),
            reason=form.cleaned_data["reason"],
        )
    except ReasonRequired as exc:
        form.add_error("reason", str(exc))
        return _place_page(request, acting, place, decision_form=form)
    except DomainError as exc:
        return _place_page(request, acting, place, decision_form=form, error=str(exc))
    messages.success(
        request,
        _(
            "Décision enregistrée : le lieu est maintenant « %(status)s ». Le demandeur est "
            "prévenu par e-mail."
        )
        % {"status": decided.get_qualification_status_display()},
    )
    return redirect("qualification:review_place", place_id=place.pk)
