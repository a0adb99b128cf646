from django.db import models
from django.utils.translation import gettext_lazy as _


class PassStatus(models.TextChoices):
    INACTIVE = "inactive", _("Inactif (commande non payée)")
    ACTIVE = "active", _("Actif")
    REDEEMED = "redeemed", _("Utilisé")
    BLOCKED = "blocked", _("Bloqué")
    EXPIRED = "expired", _("Expiré")


PASS_TRANSITIONS: dict[str, set[str]] = {
    PassStatus.INACTIVE: {PassStatus.ACTIVE, PassStatus.BLOCKED, PassStatus.EXPIRED},
    PassStatus.ACTIVE: {PassStatus.REDEEMED, PassStatus.BLOCKED, PassStatus.EXPIRED},
    PassStatus.REDEEMED: {PassStatus.ACTIVE},  # undo of a redemption
    PassStatus.BLOCKED: {PassStatus.ACTIVE, PassStatus.INACTIVE, PassStatus.EXPIRED},
    PassStatus.EXPIRED: set(),
}

# Passes whose face value the order's escrow still holds once the order is paid.
OUTSTANDING_STATUSES = (PassStatus.ACTIVE, PassStatus.BLOCKED)


class BookletStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("En stock")
    AT_DISTRIBUTOR = "at_distributor", _("Chez un distributeur")
    HANDED_OUT = "handed_out", _("Remis à un bénéficiaire")
    BLOCKED = "blocked", _("Bloqué")
    EXPIRED = "expired", _("Expiré")
