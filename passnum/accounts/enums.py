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


class InvitationStatus(models.TextChoices):
    """Where an invitation stands, read from its dates (pending → accepted or revoked; a pending
    invitation past its expiry date is expired)."""

    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REVOKED = "revoked", _("Annulée")
    EXPIRED = "expired", _("Expirée")


class MembershipAction(models.TextChoices):
    """What happened to a membership (the log of who changed whom, and when)."""

    JOINED = "joined", _("A rejoint l'organisation")
    ROLE_CHANGED = "role_changed", _("Rôle changé")
    REMOVED = "removed", _("Retiré de l'organisation")
    LEFT = "left", _("A quitté l'organisation")
