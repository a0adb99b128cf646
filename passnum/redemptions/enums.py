from django.db import models
from django.utils.translation import gettext_lazy as _


class AnomalyKind(models.TextChoices):
    """What the operator's anomalies page flags (`anomalies.py`), one Europe/Paris day each."""

    VELOCITY = "velocity", _("Rythme inhabituel")
    WHOLE_BOOKLET = "whole_booklet", _("Carnet entier en un jour")
    PLACE_REFUSALS = "place_refusals", _("Refus répétés d'un lieu")
    MEMBER_REFUSALS = "member_refusals", _("Refus répétés d'un membre")
