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
