from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceLevel(models.IntegerChoices):
    DISCOVER = 1, _("Découvrir les enjeux du numérique")
    MASTER = 2, _("Maîtriser le numérique")
    EMPOWER = 3, _("Augmenter son pouvoir d'agir grâce au numérique")


class StandardService(models.TextChoices):
    """The 9 services of the national standard for digital-mediation places (v1.0.x)."""

    ADMIN = "Aide aux démarches administratives", _("Aide aux démarches administratives")
    EVERYDAY = (
        "Maîtrise des outils numériques du quotidien",
        _("Maîtrise des outils numériques du quotidien"),
    )
    JOBS = (
        "Insertion professionnelle via le numérique",
        _("Insertion professionnelle via le numérique"),
    )
    SAFETY = "Utilisation sécurisée du numérique", _("Utilisation sécurisée du numérique")
    PARENTING = (
        "Parentalité et éducation avec le numérique",
        _("Parentalité et éducation avec le numérique"),
    )
    CREATION = "Loisirs et créations numériques", _("Loisirs et créations numériques")
    CULTURE = "Compréhension du monde numérique", _("Compréhension du monde numérique")
    ACCESS = "Accès internet et matériel informatique", _("Accès internet et matériel informatique")
    EQUIPMENT = (
        "Acquisition de matériel informatique à prix solidaire",
        _("Acquisition de matériel informatique à prix solidaire"),
    )
