"""The applicant's journey, "Devenir lieu qualifié": an account, then the file's steps, each saved
as a draft and correctable until submission (SPEC §4). Places and offers: place_views.py."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.places.eligibility import CURRENT_GRID, CURRENT_TERMS_VERSION
from passnum.places.enums import DocumentKind
from passnum.places.models import ProviderFile
from passnum.places.selectors import document_for
from passnum.places.services import (
    accept_terms,
    add_document,
    answer_eligibility,
    comment_file,
    set_bank_details,
    submit_file,
    update_file_identity,
    update_legal_representative,
)
from passnum.places.services.files import IncompleteFile, steps_of
from passnum.places.services.registration import InvalidRegistration, register_provider
from passnum.www.acting import SESSION_KEY, current_acting
from passnum.www.qualification.common import (
    STATUS_BADGES,
    STEP_PAGES,
    STEP_URLS,
    answers_table,
    applicant_view,
    found,
    is_editable,
    stepper,
)
from passnum.www.qualification.forms import (
    BankForm,
    CommentForm,
    DocumentForm,
    EligibilityForm,
    IdentityForm,
    RepresentativeForm,
    SignUpForm,
    TermsForm,
)

REQUIRED_DOCUMENTS = (DocumentKind.REGISTRATION, DocumentKind.BANK)


# --- Before the file: presentation, public grid, account ----------------------------------------


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    acting = current_acting(request)
    return render(
        request,
        "www/qualification/start.html",
        {
            "steps": STEP_PAGES,
            "is_provider": acting is not None and acting.kind == OrganisationKind.PROVIDER,
            "file_url": reverse("qualification:file"),
        },
    )


@require_GET
def grid(request: HttpRequest) -> HttpResponse:
    """The scoring grid, public: what each answer is worth and the threshold."""
    from django.conf import settings

    return render(
        request,
        "www/qualification/grid.html",
        {
            "grid": CURRENT_GRID,
            "feedback_rule": {
                "answers": settings.PASSNUM_FEEDBACK_MIN_ANSWERS,
                "useful": settings.PASSNUM_FEEDBACK_MIN_USEFUL_PERCENT,
                "days": settings.PASSNUM_FEEDBACK_PERIOD_DAYS,
            },
        },
    )


# The form's field for each argument of register_provider its errors name.
SIGNUP_FIELDS = {"password": "password1"}


def signup(request: HttpRequest) -> HttpResponse:
    """A visitor creates their account and their structure's, and is logged in."""
    if request.user.is_authenticated:
        return redirect("qualification:start")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            acting = register_provider(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation_name=data["organisation_name"],
                siren=data["siren"],
            )
        except InvalidRegistration as exc:
            field = SIGNUP_FIELDS.get(exc.field, exc.field)
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            login(request, acting.user)
            request.session[SESSION_KEY] = acting.organisation.pk
            messages.success(
                request,
                _(
                    "Votre compte est créé. Remplissez votre dossier, à votre rythme : tout est "
                    "enregistré."
                ),
            )
            return redirect("qualification:file")
    return render(
        request,
        "www/qualification/signup.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


# --- The file's dashboard: steps, score, status, comments, submission ---------------------------


def _dashboard(
    request: HttpRequest,
    acting: Acting,
    file: ProviderFile,
    *,
    comment_form: CommentForm | None = None,
    error: str | None = None,
    missing: list[dict[str, str]] | None = None,
) -> HttpResponse:
    file_steps = steps_of(file)
    steps = [{"step": step, "url": reverse(STEP_URLS[step.code])} for step in file_steps]
    refused = error is not None or bool(comment_form and comment_form.errors)
    return render(
        request,
        "www/qualification/dashboard.html",
        {
            "file": file,
            "badge": STATUS_BADGES.get(file.status, ""),
            "steps": steps,
            "complete": all(step.done for step in file_steps),
            "editable": is_editable(file),
            "eligibility": answers_table(file),
            "transitions": file.transitions.select_related("actor"),
            "comments": file.comments.select_related("author"),
            "comment_form": comment_form or CommentForm(),
            "error": error,
            "missing": [
                {"label": item["message"], "url": reverse(STEP_URLS[item["code"]])}
                for item in missing or []
            ],
        },
        status=400 if refused else 200,
    )


@require_GET
@applicant_view
def dashboard(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    return _dashboard(request, acting, file)


@require_POST
@applicant_view
def submit(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    try:
        submit_file(acting=acting, file=file)
    except IncompleteFile as exc:
        return _dashboard(request, acting, file, error=str(exc), missing=exc.details)
    except DomainError as exc:
        return _dashboard(request, acting, file, error=str(exc))
    messages.success(
        request,
        _(
            "Votre dossier est soumis. Vous recevrez un e-mail à chaque décision ; vous pouvez "
            "suivre son examen ici."
        ),
    )
    return redirect("qualification:file")


@require_POST
@applicant_view
def comment(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_file(acting=acting, file=file, text=form.cleaned_data["text"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Votre commentaire est ajouté au dossier."))
            return redirect("qualification:file")
    return _dashboard(request, acting, file, comment_form=form)


# --- The file's own steps ------------------------------------------------------------------------


def _step(
    request: HttpRequest,
    file: ProviderFile,
    *,
    code: str,
    form: Any,
    save: Callable[[Any], Any],
    template: str,
    extra: dict[str, Any] | None = None,
    next_url: str | None = None,
) -> HttpResponse:
    """GET shows the step's form; POST saves it (a draft) and goes on to the next step (or
    `next_url`), or shows what is wrong with HTTP 400."""
    context = stepper(code)
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Étape « %(title)s » enregistrée.") % {"title": context["title"]}
            )
            return redirect(next_url or context["next_url"])
    return render(
        request,
        template,
        {
            "form": form,
            "file": file,
            "editable": is_editable(file),
            "stepper": context,
            **(extra or {}),
        },
        status=400 if form.errors else 200,
    )


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@applicant_view
def organisation(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    form = IdentityForm(
        _data(request),
        initial={
            "siret": file.siret,
            "legal_form": file.legal_form,
            "website": file.website,
            "description": file.description,
            "billing_address": file.billing_address,
        },
    )
    return _step(
        request,
        file,
        code="organisation",
        form=form,
        save=lambda f: update_file_identity(acting=acting, file=file, **f.cleaned_data),
        template="www/qualification/organisation.html",
        extra={"organisation": acting.organisation},
    )


@applicant_view
def representative(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    form = RepresentativeForm(
        _data(request),
        initial={
            "first_name": file.rep_first_name,
            "last_name": file.rep_last_name,
            "email": file.rep_email,
            "role": file.rep_role,
        },
    )
    return _step(
        request,
        file,
        code="representative",
        form=form,
        save=lambda f: update_legal_representative(acting=acting, file=file, **f.cleaned_data),
        template="www/qualification/representative.html",
    )


@applicant_view
def eligibility(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    form = EligibilityForm(_data(request), initial=file.eligibility_answers or {})
    return _step(
        request,
        file,
        code="eligibility",
        form=form,
        save=lambda f: answer_eligibility(acting=acting, file=file, answers=f.answers()),
        template="www/qualification/eligibility.html",
        extra={"eligibility": answers_table(file), "grid": CURRENT_GRID},
    )


@applicant_view
def terms(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    form = TermsForm(_data(request), initial={"version": CURRENT_TERMS_VERSION})
    return _step(
        request,
        file,
        code="terms",
        form=form,
        save=lambda f: accept_terms(acting=acting, file=file, version=f.cleaned_data["version"]),
        template="www/qualification/terms.html",
        extra={
            "version": CURRENT_TERMS_VERSION,
            "accepted": file.terms_version == CURRENT_TERMS_VERSION,
        },
    )


def _bank_context(file: ProviderFile, document_form: DocumentForm) -> dict[str, Any]:
    documents = list(file.documents.all())
    present = {document.kind for document in documents}
    return {
        "document_form": document_form,
        "documents": documents,
        "missing_documents": [kind.label for kind in REQUIRED_DOCUMENTS if kind not in present],
    }


@applicant_view
def bank(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    form = BankForm(
        _data(request), initial={"holder": file.account_holder, "iban": file.iban, "bic": file.bic}
    )
    return _step(
        request,
        file,
        code="bank",
        form=form,
        save=lambda f: set_bank_details(acting=acting, file=file, **f.cleaned_data),
        template="www/qualification/bank.html",
        extra=_bank_context(file, DocumentForm()),
        next_url=reverse("qualification:bank") + "#documents",
    )


@require_POST
@applicant_view
def documents(request: HttpRequest, acting: Acting, file: ProviderFile) -> HttpResponse:
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            add_document(
                acting=acting,
                file=file,
                kind=DocumentKind(form.cleaned_data["kind"]),
                upload=form.cleaned_data["upload"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Justificatif ajouté."))
            return redirect("qualification:bank")
    return render(
        request,
        "www/qualification/bank.html",
        {
            "form": BankForm(
                initial={"holder": file.account_holder, "iban": file.iban, "bic": file.bic}
            ),
            "file": file,
            "editable": is_editable(file),
            "stepper": stepper("bank"),
            **_bank_context(file, form),
        },
        status=400,
    )


@require_GET
def download(request: HttpRequest, document_id: int) -> FileResponse:
    """A supporting document, streamed to the applicant organisation or a reviewer of the file;
    404 for anyone else."""
    acting = current_acting(request)
    if acting is None:
        raise Http404
    document = found(document_for, acting=acting, document_id=document_id)
    response = FileResponse(
        document.document.open("rb"),
        as_attachment=True,
        filename=document.original_name or f"justificatif-{document.pk}",
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
