from django.db import models
from django.utils.translation import gettext_lazy as _


class PayoutKind(models.TextChoices):
    """How often payouts run (PASSNUM_PAYOUT_FREQUENCY); an on-demand run covers any period."""

    MONTHLY = "monthly", _("Mensuel")
    WEEKLY = "weekly", _("Hebdomadaire")
    ON_DEMAND = "on_demand", _("À la demande")


class RunStatus(models.TextChoices):
    PREPARED = "prepared", _("Préparé (virements à envoyer)")
    EXECUTED = "executed", _("Exécuté (virements envoyés)")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    EXECUTED = "executed", _("Envoyé")
    REJECTED = "rejected", _("Rejeté (à reporter)")
    CARRIED = "carried", _("Reporté sur un paiement suivant")


# A run is prepared (transfers computed and posted), then its file is sent and it is executed.
RUN_TRANSITIONS: dict[str, set[str]] = {
    RunStatus.PREPARED: {RunStatus.EXECUTED},
    RunStatus.EXECUTED: set(),
}

# A transfer the bank rejects (before or after execution) has its posting reversed; its
# redemptions are then paid by a later run, which marks it carried.
TRANSFER_TRANSITIONS: dict[str, set[str]] = {
    TransferStatus.PENDING: {TransferStatus.EXECUTED, TransferStatus.REJECTED},
    TransferStatus.EXECUTED: {TransferStatus.REJECTED},
    TransferStatus.REJECTED: {TransferStatus.CARRIED},
    TransferStatus.CARRIED: set(),
}


class CarriedReason(models.TextChoices):
    """Why a provider with redemptions to pay got no transfer in a run."""

    NO_BANK_DETAILS = "no_bank_details", _("Aucune coordonnée bancaire enregistrée")
    NOT_VALIDATED = "not_validated", _("Coordonnées bancaires pas encore validées par l'opérateur")
    INVALID_IBAN = "invalid_iban", _("IBAN ou BIC invalide : coordonnées bancaires à corriger")


class SepaSchema(models.TextChoices):
    PAIN_001_001_09 = "pain.001.001.09", _("pain.001.001.09 (version actuelle, recommandée)")
    PAIN_001_001_03 = (
        "pain.001.001.03",
        _("pain.001.001.03 (ancienne version, si la banque l'exige)"),
    )
