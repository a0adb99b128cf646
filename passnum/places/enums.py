from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceType(models.TextChoices):
    EPN = "epn", _("Espace public numérique")
    FABLAB = "fablab", _("Fablab")
    THIRD_PLACE = "tiers_lieu", _("Tiers-lieu")
    LIBRARY = "mediatheque", _("Médiathèque, bibliothèque")
    FRANCE_SERVICES = "france_services", _("France Services")
    ASSOCIATION = "association", _("Association")
    SOCIAL_CENTRE = "centre_social", _("Centre social, CCAS")
    MOBILE = "itinerant", _("Service itinérant")
    OTHER = "autre", _("Autre")


class QualificationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Soumis")
    CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
    QUALIFIED = "qualified", _("Qualifié")
    REJECTED = "rejected", _("Refusé")
    SUSPENDED = "suspended", _("Suspendu")


QUALIFICATION_TRANSITIONS: dict[str, set[str]] = {
    QualificationStatus.DRAFT: {QualificationStatus.SUBMITTED},
    QualificationStatus.SUBMITTED: {
        QualificationStatus.CHANGES_REQUESTED,
        QualificationStatus.QUALIFIED,
        QualificationStatus.REJECTED,
    },
    QualificationStatus.CHANGES_REQUESTED: {QualificationStatus.SUBMITTED},
    QualificationStatus.QUALIFIED: {QualificationStatus.SUSPENDED},
    QualificationStatus.SUSPENDED: {QualificationStatus.QUALIFIED, QualificationStatus.REJECTED},
    QualificationStatus.REJECTED: set(),
}

# A place added once its structure is qualified is reviewed alone (the file stays qualified):
# the provider submits it from these states, a reviewer decides (services/place_review.py).
PLACE_SUBMITTABLE_STATUSES = (QualificationStatus.DRAFT, QualificationStatus.CHANGES_REQUESTED)


class PlaceDecision(models.TextChoices):
    """A reviewer's decision on a place submitted alone."""

    APPROVE = "approve", _("Qualifier le lieu")
    REQUEST_CHANGES = "request_changes", _("Demander des modifications")
    REJECT = "reject", _("Refuser le lieu")


PLACE_DECISION_STATUS: dict[str, QualificationStatus] = {
    PlaceDecision.APPROVE: QualificationStatus.QUALIFIED,
    PlaceDecision.REQUEST_CHANGES: QualificationStatus.CHANGES_REQUESTED,
    PlaceDecision.REJECT: QualificationStatus.REJECTED,
}


# Vocabularies of the national standard for digital-mediation places (v1.0.x): the stored value
# is the standard's exact string, so imports and exports need no mapping.
class Public(models.TextChoices):
    YOUNG = "Jeunes", _("Jeunes")
    STUDENTS = "Étudiants", _("Étudiants")
    FAMILIES = "Familles et/ou enfants", _("Familles et/ou enfants")
    SENIORS = "Seniors", _("Seniors")
    WOMEN = "Femmes", _("Femmes")


class SpecificSupport(models.TextChoices):
    DEAF = "Surdité", _("Surdité")
    MOTOR = "Handicaps moteurs", _("Handicaps moteurs")
    MENTAL = "Handicaps mentaux", _("Handicaps mentaux")
    ILLITERACY = "Illettrisme", _("Illettrisme")
    ENGLISH = "Langues étrangères (anglais)", _("Langues étrangères (anglais)")
    OTHER_LANGUAGES = "Langues étrangères (autres)", _("Langues étrangères (autres)")
    VISUAL = "Déficience visuelle", _("Déficience visuelle")


class AccessMode(models.TextChoices):
    WALK_IN = "Se présenter", _("Se présenter")
    PHONE = "Téléphoner", _("Téléphoner")
    EMAIL = "Contacter par mail", _("Contacter par mail")
    ONLINE_BOOKING = "Prendre un RDV en ligne", _("Prendre un RDV en ligne")
    NO_PUBLIC = "Ce lieu n'accueille pas de public", _("Ce lieu n'accueille pas de public")
    REFERRAL = (
        "Envoyer un mail avec une fiche de prescription",
        _("Envoyer un mail avec une fiche de prescription"),
    )


class SupportMode(models.TextChoices):
    AUTONOMOUS = "En autonomie", _("En autonomie")
    INDIVIDUAL = "Accompagnement individuel", _("Accompagnement individuel")
    WORKSHOP = "Dans un atelier collectif", _("Dans un atelier collectif")
    REMOTE = "À distance", _("À distance")


class OfferFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuel")
    WORKSHOP = "workshop", _("Atelier collectif")


class FileStatus(models.TextChoices):
    """The qualification file (dossier) of a provider organisation."""

    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Soumis, en cours d'examen")
    CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
    QUALIFIED = "qualified", _("Qualifié")
    REJECTED = "rejected", _("Refusé")
    SUSPENDED = "suspended", _("Suspendu")


FILE_TRANSITIONS: dict[str, set[str]] = {
    FileStatus.DRAFT: {FileStatus.SUBMITTED},
    FileStatus.SUBMITTED: {FileStatus.CHANGES_REQUESTED, FileStatus.QUALIFIED, FileStatus.REJECTED},
    FileStatus.CHANGES_REQUESTED: {FileStatus.SUBMITTED},
    FileStatus.QUALIFIED: {FileStatus.SUSPENDED},
    FileStatus.SUSPENDED: {FileStatus.QUALIFIED, FileStatus.REJECTED},
    FileStatus.REJECTED: set(),
}
# The file can be edited by the applicant only in these states.
EDITABLE_FILE_STATUSES = (FileStatus.DRAFT, FileStatus.CHANGES_REQUESTED)


class DocumentKind(models.TextChoices):
    STATUTES = "statutes", _("Statuts")
    REGISTRATION = "registration", _("Extrait Kbis, avis de situation INSEE ou récépissé")
    BANK = "bank", _("Relevé d'identité bancaire (RIB)")
    INSURANCE = "insurance", _("Attestation d'assurance")
    OTHER = "other", _("Autre justificatif")
