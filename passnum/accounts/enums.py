from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    OPERATOR = "operator", _("Opérateur")
    SPONSOR = "sponsor", _("Commanditaire")
    DISTRIBUTOR = "distributor", _("Distributeur")
    PROVIDER = "provider", _("Acteur de médiation numérique")
    HUB = "hub", _("Hub territorial")


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    MEMBER = "member", _("Membre")
