from django.db import models
from django.utils.translation import gettext_lazy as _


class PassStatus(models.TextChoices):
    INACTIVE = "inactive", _("Inactif (commande non payée)")
    ACTIVE = "active", _("Actif")
    REDEEMED = "redeemed", _("Utilisé")
    BLOCKED = "blocked", _("Bloqué")
    EXPIRED = "expired", _("Expiré")
    # A blocked, unused pass the operator replaced by a new one (`reissue_passes`): the escrow
    # now holds its value for the new pass, so it is no longer outstanding.
    REPLACED = "replaced", _("Remplacé")


PASS_TRANSITIONS: dict[str, set[str]] = {
    PassStatus.INACTIVE: {PassStatus.ACTIVE, PassStatus.BLOCKED, PassStatus.EXPIRED},
    PassStatus.ACTIVE: {PassStatus.REDEEMED, PassStatus.BLOCKED, PassStatus.EXPIRED},
    PassStatus.REDEEMED: {PassStatus.ACTIVE},  # undo of a redemption
    PassStatus.BLOCKED: {
        PassStatus.ACTIVE,
        PassStatus.INACTIVE,
        PassStatus.EXPIRED,
        PassStatus.REPLACED,
    },
    PassStatus.EXPIRED: set(),
    PassStatus.REPLACED: set(),
}

# Passes whose face value the order's escrow still holds once the order is paid.
OUTSTANDING_STATUSES = (PassStatus.ACTIVE, PassStatus.BLOCKED)


class BookletState(models.TextChoices):
    """Where a booklet stands, derived from its passes and its hand-out (`passes/states.py`),
    never stored beside them. The first that applies, in this order: finished (every pass
    used), expired (a pass expired), blocked (every pass still unused is blocked or replaced),
    started (a pass used), handed out, at a distributor, in stock."""

    IN_STOCK = "in_stock", _("En stock")
    AT_DISTRIBUTOR = "at_distributor", _("Chez un distributeur")
    HANDED_OUT = "handed_out", _("Remis à un bénéficiaire")
    STARTED = "started", _("Entamé")
    FINISHED = "finished", _("Terminé")
    BLOCKED = "blocked", _("Bloqué")
    EXPIRED = "expired", _("Expiré")


class AssignmentKind(models.TextChoices):
    """What moved booklets between the sponsor's stock and its distributors."""

    ASSIGN = "assign", _("Attribution à un distributeur")
    WITHDRAW = "withdraw", _("Retour au stock")
    REISSUE = "reissue", _("Carnet de remplacement")
