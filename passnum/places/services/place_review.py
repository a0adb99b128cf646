"""Places added after the qualification, reviewed one by one (the file stays qualified): the
provider submits a complete place alone, operator staff or the hub of its département approve
it, request changes (the provider corrects and submits again) or reject it. A place of a file
still in its first qualification is reviewed with the file (review.py)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import Conflict, DomainError, InvalidTransition, NotFound
from passnum.places.enums import (
    PLACE_DECISION_STATUS,
    PLACE_SUBMITTABLE_STATUSES,
    FileStatus,
    PlaceDecision,
    QualificationStatus,
)
from passnum.places.models import Place, PlaceTransition, ProviderFile
from passnum.places.notifications import notify_place_applicant, notify_reviewers_of_place
from passnum.places.selectors import can_review_place
from passnum.places.services.files import place_gaps
from passnum.places.services.places import change_place_qualification
from passnum.places.services.review import ReasonRequired

# The file's states of the first qualification: its places are reviewed with it.
FIRST_QUALIFICATION = (FileStatus.DRAFT, FileStatus.SUBMITTED, FileStatus.CHANGES_REQUESTED)


class PlaceReviewedWithFile(Conflict):
    code = "place_reviewed_with_file"
    default_message = _(
        "Ce lieu est examiné avec le dossier de qualification de la structure : un lieu ne se "
        "soumet seul qu'une fois la structure qualifiée. Soumettez le dossier complet."
    )


class FileNotQualified(Conflict):
    code = "file_not_qualified"
    default_message = _(
        "La structure n'est pas qualifiée (dossier « %(status)s ») : ses lieux ne sont pas "
        "examinés un par un."
    )


class IncompletePlace(DomainError):
    code = "incomplete_place"
    http_status = 400
    default_message = _("Ce lieu n'est pas complet : il ne peut pas encore être examiné.")


def submit_place(*, acting: Acting, place: Place) -> Place:
    """The provider sends a place added after its qualification for review, alone: a draft or
    a place to correct, complete by the file's own rules (`place_gaps`)."""
    if place.organisation_id != acting.organisation.pk:
        raise NotFound()
    with transaction.atomic():
        _lock_qualified_file(place)
        locked = Place.objects.select_for_update().get(pk=place.pk)
        if locked.qualification_status not in PLACE_SUBMITTABLE_STATUSES:
            raise InvalidTransition(
                _(
                    "Ce lieu est « %(status)s » : seul un lieu en brouillon ou dont des "
                    "modifications sont demandées peut être soumis."
                ),
                status=locked.get_qualification_status_display(),
            )
        gaps = place_gaps(locked)
        if gaps:
            raise IncompletePlace(
                details=[{"code": gap.step, "message": str(gap.message)} for gap in gaps]
            )
        submitted = change_place_qualification(
            actor=acting.user, place=locked, to_status=QualificationStatus.SUBMITTED
        )
        transaction.on_commit(lambda: notify_reviewers_of_place(submitted.pk))
    return submitted


def review_place(
    *, acting: Acting, place: Place, decision: PlaceDecision, reason: str = ""
) -> Place:
    """Operator staff or the hub of the place's département approve a place submitted alone,
    request changes or reject it; a reason is required but to approve. Logged, the provider's
    members notified."""
    if not can_review_place(acting=acting, place=place):
        raise NotFound()
    if decision not in PLACE_DECISION_STATUS:
        raise DomainError(_("Décision inconnue."))
    reason = reason.strip()
    if decision != PlaceDecision.APPROVE and not reason:
        raise ReasonRequired()
    with transaction.atomic():
        _lock_qualified_file(place)
        locked = Place.objects.select_for_update().get(pk=place.pk)
        if not can_review_place(acting=acting, place=locked):
            raise NotFound()
        if locked.qualification_status != QualificationStatus.SUBMITTED:
            raise InvalidTransition(
                _("Ce lieu n'attend pas de décision : il est « %(status)s »."),
                status=locked.get_qualification_status_display(),
            )
        decided = change_place_qualification(
            actor=acting.user,
            place=locked,
            to_status=PLACE_DECISION_STATUS[decision],
            reason=reason,
        )
        transition = PlaceTransition.objects.filter(place=decided).latest("pk")
        transaction.on_commit(lambda: notify_place_applicant(transition.pk))
    return decided


def _lock_qualified_file(place: Place) -> ProviderFile:
    """The place's file, row-locked (before the place, as everywhere), if it is qualified:
    otherwise the place is reviewed with the file, or not at all."""
    file = (
        ProviderFile.objects.select_for_update().filter(organisation_id=place.organisation_id)
    ).first()
    if file is None or file.status in FIRST_QUALIFICATION:
        raise PlaceReviewedWithFile()
    if file.status != FileStatus.QUALIFIED:
        raise FileNotQualified(status=file.get_status_display())
    return file
