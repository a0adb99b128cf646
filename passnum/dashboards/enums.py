from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageAxis(models.TextChoices):
    """What a usage tally counts by: the key is a day (ISO date, local time), a place id, a
    service id, or a public category (HandOut.public, "" when the booklet was not recorded as
    handed out). `handed_out` counts passes handed out (the booklets' hand-outs) by public."""

    DAY = "day", _("Jour")
    PLACE = "place", _("Lieu")
    SERVICE = "service", _("Service")
    PUBLIC = "public", _("Public")
    # Not a use: passes handed out to beneficiaries, by public category (from the hand-outs).
    HANDED_OUT = "handed_out", _("Remis, par public")


class OpenDataLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    FUNDER = "funder", _("Financeur")
