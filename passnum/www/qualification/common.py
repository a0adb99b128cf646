"""What the qualification pages share: who may use them, the journey's steps, which places the
applicant may change, and small display helpers."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import DomainError, NotFound
from passnum.places.eligibility import CURRENT_GRID, GRIDS, Grid, score
from passnum.places.enums import (
    EDITABLE_FILE_STATUSES,
    PLACE_SUBMITTABLE_STATUSES,
    FileStatus,
    QualificationStatus,
)
from passnum.places.models import Place, ProviderFile
from passnum.places.services import open_file
from passnum.places.services.files import FileNotEditable
from passnum.places.services.places import PlaceNotEditable
from passnum.www.acting import current_acting

T = TypeVar("T")

REVIEWER_KINDS = (OrganisationKind.OPERATOR, OrganisationKind.HUB)

STATUS_BADGES: dict[str, str] = {
    FileStatus.DRAFT: "fr-badge--info",
    FileStatus.SUBMITTED: "fr-badge--new",
    FileStatus.CHANGES_REQUESTED: "fr-badge--warning",
    FileStatus.QUALIFIED: "fr-badge--success",
    FileStatus.REJECTED: "fr-badge--error",
    FileStatus.SUSPENDED: "fr-badge--warning",
}


@dataclass(frozen=True)
class StepPage:
    """A step of the journey as the pages show it (the codes are those of `steps_of`)."""

    code: str
    url_name: str
    title: Any


STEP_PAGES = (
    StepPage("organisation", "qualification:organisation", gettext_lazy("Votre structure")),
    StepPage("representative", "qualification:representative", gettext_lazy("Représentant légal")),
    StepPage("places", "qualification:places", gettext_lazy("Vos lieux")),
    StepPage("offer", "qualification:offers", gettext_lazy("Votre offre de services")),
    StepPage("eligibility", "qualification:eligibility", gettext_lazy("Questionnaire")),
    StepPage("terms", "qualification:terms", gettext_lazy("Conditions et charte")),
    StepPage("bank", "qualification:bank", gettext_lazy("Coordonnées bancaires et justificatifs")),
)
STEP_URLS = {step.code: step.url_name for step in STEP_PAGES}


def stepper(code: str) -> dict[str, Any]:
    """The DSFR stepper's context for the step `code`."""
    index = next(i for i, step in enumerate(STEP_PAGES) if step.code == code)
    following = STEP_PAGES[index + 1] if index + 1 < len(STEP_PAGES) else None
    return {
        "current": index + 1,
        "total": len(STEP_PAGES),
        "title": STEP_PAGES[index].title,
        "next_title": following.title if following else None,
        "next_url": reverse(following.url_name) if following else reverse("qualification:file"),
        "previous_url": reverse(STEP_PAGES[index - 1].url_name) if index else None,
    }


def applicant_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the applicant's journey: logged in, acting as a provider organisation, whose
    file is opened on first use. The view receives (request, acting, file, ...)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        acting = current_acting(request)
        if acting is None or acting.kind != OrganisationKind.PROVIDER:
            messages.info(
                request,
                _(
                    "Le dossier de qualification se remplit au nom d'une structure de médiation "
                    "numérique : agissez pour elle, ou créez un compte pour elle."
                ),
            )
            return redirect("qualification:start")
        return view(request, acting, open_file(acting=acting), *args, **kwargs)

    return wrapper


def reviewer_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A review page: operator staff or a hub's members; anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        acting = current_acting(request)
        if acting is None or acting.kind not in REVIEWER_KINDS:
            raise Http404
        return view(request, acting, *args, **kwargs)

    return wrapper


def is_editable(file: ProviderFile) -> bool:
    return file.status in EDITABLE_FILE_STATUSES


def require_editable(file: ProviderFile) -> None:
    """For the steps whose services do not look at the file (places, offers): the same rule as
    the file's own steps."""
    if not is_editable(file):
        raise FileNotEditable()


def grid_of(file: ProviderFile) -> Grid:
    """The grid the file was answered with (the current one for a new file)."""
    return GRIDS.get(file.grid_version, CURRENT_GRID)


def answers_table(file: ProviderFile) -> dict[str, Any]:
    """Each question with the answer given and its points, and the score."""
    grid = grid_of(file)
    answers = file.eligibility_answers or {}
    rows = []
    for question in grid.questions:
        chosen = next((o for o in question.options if o.code == answers.get(question.code)), None)
        rows.append({"question": question, "answer": chosen})
    return {"grid": grid, "rows": rows, "score": score(answers, grid)}


def mask_iban(iban: str) -> str:
    """'FR7630006000011234567890189' → '•••• •••• •••• •••• •••• ••• 0189'."""
    if len(iban) <= 4:
        return iban
    hidden = "•" * (len(iban) - 4)
    groups = [hidden[i : i + 4] for i in range(0, len(hidden), 4)]
    return " ".join([*groups, iban[-4:]])


# --- Places: added to the file until it is submitted, then one by one once it is qualified --------


def may_add_places(file: ProviderFile) -> bool:
    """A place is added while the file is being filled in, or once it is qualified (the new
    place is then reviewed alone)."""
    return is_editable(file) or file.status == FileStatus.QUALIFIED


def is_place_editable(file: ProviderFile, place: Place | None) -> bool:
    """Whether the pages let the applicant change `place` (None: a new one): every place while
    the file is editable; once it is qualified, a place not reviewed yet or to correct, and the
    practical details and offer of a qualified place (`practical_only`)."""
    if is_editable(file):
        return True
    if file.status != FileStatus.QUALIFIED:
        return False
    return (
        place is None
        or place.qualification_status in PLACE_SUBMITTABLE_STATUSES
        or practical_only(file, place)
    )


def practical_only(file: ProviderFile, place: Place | None) -> bool:
    """A qualified place of a qualified structure: its hours, contacts, publics, modalities and
    offer stay the provider's to update; what review looked at (name, address, type) does not
    change (places.services.REVIEWED_FIELDS)."""
    return (
        place is not None
        and file.status == FileStatus.QUALIFIED
        and place.qualification_status == QualificationStatus.QUALIFIED
    )


def require_place_editable(file: ProviderFile, place: Place | None) -> None:
    """The pages' rule (the services have theirs too, and the last word)."""
    if is_place_editable(file, place):
        return
    if file.status != FileStatus.QUALIFIED or place is None:
        raise FileNotEditable()
    if place.qualification_status == QualificationStatus.SUBMITTED:
        raise PlaceNotEditable()
    raise DomainError(
        _(
            "Ce lieu est « %(status)s » : il ne se modifie plus ici. Pour le changer, laissez un "
            "commentaire sur votre dossier à l'équipe d'examen."
        )
        % {"status": place.get_qualification_status_display()}
    )


def may_submit_place(file: ProviderFile, place: Place) -> bool:
    """The "submit this place" button: a draft or a place to correct, of a qualified file."""
    return (
        file.status == FileStatus.QUALIFIED
        and place.qualification_status in PLACE_SUBMITTABLE_STATUSES
    )


def found(read: Callable[..., T], **kwargs: Any) -> T:
    """A selector's answer, its NotFound made a 404 page."""
    try:
        return read(**kwargs)
    except NotFound as exc:
        raise Http404 from exc
