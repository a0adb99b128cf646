from django.db import models
from django.utils.translation import gettext_lazy as _


class EpciKind(models.TextChoices):
    """Legal forms of EPCI à fiscalité propre, with the codes used by the DGCL and the COG."""

    CC = "CC", _("communauté de communes")
    CA = "CA", _("communauté d'agglomération")
    CU = "CU", _("communauté urbaine")
    METRO = "METRO", _("métropole")
    MET69 = "MET69", _("Métropole de Lyon")
