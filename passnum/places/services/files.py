"""The applicant's side of a qualification file: each step saved as a draft, correctable until
submission (SPEC §4, "Devenir qualifié")."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import Conflict, DomainError, NotFound
from passnum.core.transitions import check_transition
from passnum.places.eligibility import CURRENT_GRID, CURRENT_TERMS_VERSION, score
from passnum.places.enums import (
    EDITABLE_FILE_STATUSES,
    FILE_TRANSITIONS,
    DocumentKind,
    FileStatus,
    QualificationStatus,
)
from passnum.places.models import FileTransition, Place, ProviderFile, SupportingDocument
from passnum.places.notifications import notify_reviewers_of_submission
from passnum.places.validation import InvalidPlace, clean_siret

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# What a document's first bytes must be, by accepted type (the name and the browser's word are
# not trusted).
MAGIC = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


class FileNotEditable(Conflict):
    code = "file_not_editable"
    default_message = _(
        "Le dossier a été soumis : il ne peut plus être modifié, sauf si des modifications "
        "sont demandées."
    )


class IncompleteFile(DomainError):
    code = "incomplete_file"
    http_status = 400
    default_message = _("Le dossier n'est pas complet : des étapes restent à remplir.")


class InvalidDocument(DomainError):
    code = "invalid_document"
    http_status = 400
    default_message = _("Justificatif refusé.")


class InvalidBankDetails(DomainError):
    code = "invalid_bank_details"
    http_status = 400
    default_message = _("Coordonnées bancaires invalides.")


def open_file(*, acting: Acting) -> ProviderFile:
    """The provider organisation's file, created empty on first use."""
    acting.require_kind(OrganisationKind.PROVIDER)
    with transaction.atomic():
        file, _created = ProviderFile.objects.get_or_create(organisation=acting.organisation)
    return file


def update_file_identity(
    *,
    acting: Acting,
    file: ProviderFile,
    siret: str,
    legal_form: str,
    website: str = "",
    description: str = "",
    billing_address: str = "",
) -> ProviderFile:
    """Step "organisation": SIRET checked (Luhn) and used by one structure only; the website,
    if any, an http(s) address."""
    siret = clean_siret(siret)
    if not legal_form.strip():
        raise InvalidPlace(_("Indiquez la forme juridique (association, commune, SAS…)."))
    website = website.strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError as exc:
            raise InvalidPlace(
                _(
                    "Adresse du site web invalide : %(value)s. Indiquez une adresse complète, "
                    "par exemple https://www.exemple.fr."
                ),
                value=website,
            ) from exc
    changes = {
        "siret": siret,
        "legal_form": legal_form.strip(),
        "website": website,
        "description": description.strip(),
        "billing_address": billing_address.strip(),
    }
    if ProviderFile.objects.filter(siret=siret).exclude(pk=file.pk).exists():
        raise InvalidPlace(_("Ce SIRET est déjà utilisé par une autre structure."))
    try:
        return _save(acting, file, changes)
    except IntegrityError as exc:
        raise InvalidPlace(_("Ce SIRET est déjà utilisé par une autre structure.")) from exc


def update_legal_representative(
    *, acting: Acting, file: ProviderFile, first_name: str, last_name: str, email: str, role: str
) -> ProviderFile:
    from django.core.validators import validate_email

    if not (first_name.strip() and last_name.strip() and role.strip()):
        raise InvalidPlace(_("Prénom, nom et fonction du représentant légal sont requis."))
    try:
        validate_email(email)
    except Exception as exc:
        raise InvalidPlace(_("Adresse e-mail invalide.")) from exc
    return _save(
        acting,
        file,
        {
            "rep_first_name": first_name.strip(),
            "rep_last_name": last_name.strip(),
            "rep_email": email,
            "rep_role": role.strip(),
        },
    )


def answer_eligibility(
    *, acting: Acting, file: ProviderFile, answers: dict[str, str]
) -> ProviderFile:
    """Step "questionnaire": answers scored with the current public grid (partial answers are
    saved; the score needs them all)."""
    grid = CURRENT_GRID
    for code, option in answers.items():
        question = grid.question(code)
        if question is None or option not in {o.code for o in question.options}:
            raise InvalidPlace(_("Réponse inconnue à la question « %(code)s »."), code=code)
    result = score(answers, grid)
    return _save(
        acting,
        file,
        {
            "grid_version": grid.version,
            "eligibility_answers": dict(answers),
            "eligibility_score": None if result.unanswered else result.points,
        },
    )


def accept_terms(*, acting: Acting, file: ProviderFile, version: str) -> ProviderFile:
    if version != CURRENT_TERMS_VERSION:
        raise InvalidPlace(
            _("Ces conditions ne sont plus en vigueur : relisez la version %(v)s."),
            v=CURRENT_TERMS_VERSION,
        )
    return _save(
        acting,
        file,
        {
            "terms_version": version,
            "terms_accepted_at": timezone.now(),
            "terms_accepted_by": acting.user,
        },
    )


def set_bank_details(
    *, acting: Acting, file: ProviderFile, holder: str, iban: str, bic: str = ""
) -> ProviderFile:
    """Step "bank": IBAN checksum (and French RIB key), BIC format; a change must be validated
    again by the operator before any payout."""
    try:
        parsed = IBAN(iban)
        bic_code = BIC(bic).compact if bic.strip() else (parsed.bic.compact if parsed.bic else "")
    except SchwiftyException as exc:
        raise InvalidBankDetails(_("IBAN ou BIC invalide : vérifiez chaque caractère.")) from exc
    if not holder.strip():
        raise InvalidBankDetails(_("Indiquez le titulaire du compte."))
    return _save(
        acting,
        file,
        {
            "account_holder": holder.strip(),
            "iban": parsed.compact,
            "bic": bic_code,
            "bank_validated_at": None,
            "bank_validated_by": None,
        },
    )


def add_document(
    *, acting: Acting, file: ProviderFile, kind: DocumentKind, upload: UploadedFile
) -> SupportingDocument:
    """A supporting document: PDF, PNG or JPEG (checked from its content), 5 MB at most."""
    _require_owner(acting, file)
    if kind not in DocumentKind.values:
        raise InvalidDocument(_("Type de justificatif inconnu."))
    size = upload.size or 0
    if size > MAX_DOCUMENT_BYTES:
        raise InvalidDocument(_("Le fichier dépasse 5 Mo."))
    if size == 0:
        raise InvalidDocument(_("Le fichier est vide."))
    head = upload.read(16)
    upload.seek(0)
    content_type = next((t for magic, t in MAGIC.items() if head.startswith(magic)), None)
    if content_type is None:
        raise InvalidDocument(_("Seuls les fichiers PDF, PNG et JPEG sont acceptés."))
    with transaction.atomic():
        _lock_editable(acting, file)
        return SupportingDocument.objects.create(
            file=file,
            kind=kind,
            document=upload,
            original_name=(upload.name or "")[:200],
            content_type=content_type,
            size=size,
            uploaded_by=acting.user,
        )


@dataclass(frozen=True)
class Step:
    code: str
    label: Any
    done: bool


@dataclass(frozen=True)
class PlaceGap:
    """What a place lacks before it can be reviewed; `step` is the file's step that fixes it."""

    step: str
    message: Any


# The fields every place needs before review (the services require them at creation; an
# imported place may still lack one).
PLACE_REQUIRED_FIELDS = (
    "name",
    "place_type",
    "address",
    "postcode",
    "commune_name",
    "commune_code",
    "departement",
)


def place_gaps(place: Place) -> list[PlaceGap]:
    """The rules a place must meet to be reviewed, the same for the file's steps "places" and
    "offer" (`steps_of`) and for a place submitted alone (`submit_place`)."""
    gaps = []
    missing = [
        str(getattr(Place._meta.get_field(name), "verbose_name", name))
        for name in PLACE_REQUIRED_FIELDS
        if not getattr(place, name)
    ]
    if missing:
        gaps.append(
            PlaceGap(
                "places",
                _("Informations manquantes : %(fields)s.") % {"fields": ", ".join(missing)},
            )
        )
    if not place.offers.exists():
        gaps.append(
            PlaceGap(
                "offer",
                _("Aucun service : ajoutez au moins un service de la nomenclature à son offre."),
            )
        )
    return gaps


def steps_of(file: ProviderFile) -> list[Step]:
    """The journey's steps and whether each is complete."""
    places = list(file.organisation.places.all())
    gaps = {gap.step for place in places for gap in place_gaps(place)}
    documents = {d.kind for d in file.documents.all()}
    result = score(file.eligibility_answers or {}, CURRENT_GRID)
    return [
        Step("organisation", _("Votre structure"), bool(file.siret and file.legal_form)),
        Step(
            "representative", _("Représentant légal"), bool(file.rep_last_name and file.rep_email)
        ),
        Step("places", _("Vos lieux"), bool(places) and "places" not in gaps),
        Step("offer", _("Votre offre de services"), bool(places) and "offer" not in gaps),
        Step("eligibility", _("Questionnaire"), not result.unanswered),
        Step("terms", _("Conditions et charte"), file.terms_version == CURRENT_TERMS_VERSION),
        Step(
            "bank",
            _("Coordonnées bancaires et justificatifs"),
            bool(file.iban) and {DocumentKind.REGISTRATION, DocumentKind.BANK} <= documents,
        ),
    ]


def submit_file(*, acting: Acting, file: ProviderFile) -> ProviderFile:
    """Send the complete file for review; its places become "submitted"."""
    from passnum.places.services.places import change_place_qualification

    _require_owner(acting, file)
    missing = [step for step in steps_of(file) if not step.done]
    if missing:
        raise IncompleteFile(
            details=[{"code": step.code, "message": str(step.label)} for step in missing]
        )
    with transaction.atomic():
        locked = ProviderFile.objects.select_for_update().get(pk=file.pk)
        check_transition(FILE_TRANSITIONS, current=locked.status, target=FileStatus.SUBMITTED)
        FileTransition.objects.create(
            file=locked,
            from_status=locked.status,
            to_status=FileStatus.SUBMITTED,
            actor=acting.user,
        )
        locked.status = FileStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        for place in locked.organisation.places.filter(
            qualification_status__in=[
                QualificationStatus.DRAFT,
                QualificationStatus.CHANGES_REQUESTED,
            ]
        ):
            change_place_qualification(
                actor=acting.user, place=place, to_status=QualificationStatus.SUBMITTED
            )
        transaction.on_commit(lambda: notify_reviewers_of_submission(locked.pk))
    return locked


def _save(acting: Acting, file: ProviderFile, changes: dict[str, Any]) -> ProviderFile:
    with transaction.atomic():
        _lock_editable(acting, file)
        ProviderFile.objects.filter(pk=file.pk).update(**changes, updated_at=timezone.now())
    file.refresh_from_db()
    return file


def _require_owner(acting: Acting, file: ProviderFile) -> None:
    if file.organisation_id != acting.organisation.pk:
        raise NotFound()


def _lock_editable(acting: Acting, file: ProviderFile) -> ProviderFile:
    """The file, row-locked, if the applicant may still change it (read fresh: the caller's
    copy may predate a submission)."""
    _require_owner(acting, file)
    locked = ProviderFile.objects.select_for_update().get(pk=file.pk)
    if locked.status not in EDITABLE_FILE_STATUSES:
        raise FileNotEditable()
    return locked
