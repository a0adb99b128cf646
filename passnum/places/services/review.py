"""The reviewer's side: operator staff, or the hub whose territory holds one of the places."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError, NotFound
from passnum.core.transitions import check_transition
from passnum.places.enums import FILE_TRANSITIONS, FileStatus, QualificationStatus
from passnum.places.models import FileComment, FileTransition, ProviderFile
from passnum.places.notifications import notify_applicant
from passnum.places.selectors import can_review

# What a file's decision does to its places: {(file status from, to): (place statuses moved,
# to)}. A requalification moves back only the places the suspension moved: a place submitted
# alone after the qualification keeps waiting for its own review (place_review.py).
PLACE_MOVES: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    (FileStatus.SUBMITTED, FileStatus.CHANGES_REQUESTED): (
        (QualificationStatus.SUBMITTED,),
        QualificationStatus.CHANGES_REQUESTED,
    ),
    (FileStatus.SUBMITTED, FileStatus.QUALIFIED): (
        (QualificationStatus.SUBMITTED,),
        QualificationStatus.QUALIFIED,
    ),
    (FileStatus.SUBMITTED, FileStatus.REJECTED): (
        (QualificationStatus.SUBMITTED,),
        QualificationStatus.REJECTED,
    ),
    (FileStatus.QUALIFIED, FileStatus.SUSPENDED): (
        (QualificationStatus.QUALIFIED,),
        QualificationStatus.SUSPENDED,
    ),
    (FileStatus.SUSPENDED, FileStatus.QUALIFIED): (
        (QualificationStatus.SUSPENDED,),
        QualificationStatus.QUALIFIED,
    ),
    (FileStatus.SUSPENDED, FileStatus.REJECTED): (
        (QualificationStatus.SUBMITTED, QualificationStatus.SUSPENDED),
        QualificationStatus.REJECTED,
    ),
}
# The reviewers' decisions on a file (the other moves are the applicant's submissions).
DECISIONS = frozenset(target for _current, target in PLACE_MOVES)
NEEDS_REASON = {FileStatus.CHANGES_REQUESTED, FileStatus.REJECTED, FileStatus.SUSPENDED}


class ReasonRequired(DomainError):
    code = "reason_required"
    http_status = 400
    default_message = _("Expliquez votre décision : le demandeur la recevra par e-mail.")


def review_file(
    *, acting: Acting, file: ProviderFile, to_status: FileStatus, reason: str = ""
) -> ProviderFile:
    """Request changes, approve, reject, suspend or requalify; logged, the applicant notified."""
    from passnum.places.services.places import change_place_qualification

    if not can_review(acting=acting, file=file):
        raise NotFound()
    if to_status not in DECISIONS:
        raise DomainError(_("Décision inconnue."))
    if to_status in NEEDS_REASON and not reason.strip():
        raise ReasonRequired()
    with transaction.atomic():
        locked = ProviderFile.objects.select_for_update().get(pk=file.pk)
        check_transition(FILE_TRANSITIONS, current=locked.status, target=to_status)
        transition = FileTransition.objects.create(
            file=locked,
            from_status=locked.status,
            to_status=to_status,
            actor=acting.user,
            reason=reason.strip(),
        )
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
        moved_from, moved_to = PLACE_MOVES[(transition.from_status, to_status)]
        for place in locked.organisation.places.filter(qualification_status__in=moved_from):
            change_place_qualification(
                actor=acting.user,
                place=place,
                to_status=QualificationStatus(moved_to),
                reason=reason.strip(),
            )
        transaction.on_commit(lambda: notify_applicant(transition.pk))
    return locked


def comment_file(*, acting: Acting, file: ProviderFile, text: str) -> FileComment:
    """The applicant or a reviewer adds a comment to the file."""
    if file.organisation_id != acting.organisation.pk and not can_review(acting=acting, file=file):
        raise NotFound()
    if not text.strip():
        raise DomainError(_("Le commentaire est vide."))
    with transaction.atomic():
        return FileComment.objects.create(file=file, author=acting.user, text=text.strip())


def validate_bank_details(*, acting: Acting, file: ProviderFile) -> ProviderFile:
    """Operator staff confirm the bank details (checked against the RIB); needed before any
    payout, and again after every change."""
    acting.require_kind(OrganisationKind.OPERATOR)
    if not file.iban:
        raise DomainError(_("Aucune coordonnée bancaire à valider."))
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    from passnum.places.services.files import InvalidBankDetails

    try:  # never validate what a payout's SEPA file would refuse (stored by other means)
        IBAN(file.iban)
        if file.bic:
            BIC(file.bic)
    except SchwiftyException as exc:
        raise InvalidBankDetails(_("IBAN ou BIC invalide : vérifiez chaque caractère.")) from exc
    with transaction.atomic():
        ProviderFile.objects.filter(pk=file.pk, iban=file.iban).update(
            bank_validated_at=timezone.now(), bank_validated_by=acting.user
        )
    file.refresh_from_db()
    return file
