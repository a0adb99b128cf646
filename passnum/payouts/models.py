"""Payout runs (SPEC §2–3 "contre-paiement"): per provider, one transfer of the net of its
redemptions not yet paid, a line per redemption, and the providers carried to a later run.

The database guarantees a redemption is paid once: a partial unique index over the lines that
are not released (a rejected transfer releases its lines, which a later run may pay again).
Amounts are fixed at the run; on PostgreSQL, triggers refuse any change but the status columns
(migration 0002)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.ledger.models import LedgerTransaction
from passnum.payouts.enums import CarriedReason, PayoutKind, RunStatus, TransferStatus
from passnum.redemptions.models import Redemption


class PayoutRun(models.Model):
    """The payouts of one period: made once (unique period), then executed when its SEPA file has
    been sent. It pays every redemption made up to the end of the period and not paid yet."""

    number = models.PositiveIntegerField(_("numéro"), unique=True)
    kind = models.CharField(_("fréquence"), max_length=12, choices=PayoutKind.choices)
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période (incluse)"))
    cutoff = models.DateTimeField(_("utilisations prises jusqu'au"))
    status = models.CharField(
        _("état"), max_length=12, choices=RunStatus.choices, default=RunStatus.PREPARED
    )
    created_at = models.DateTimeField(_("préparé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("préparé par"),
    )
    executed_on = models.DateField(_("exécuté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("paiement des acteurs")
        verbose_name_plural = _("paiements des acteurs")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end"],
                name="payout_run_period_unique",
                violation_error_message=_("Un paiement existe déjà pour cette période."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="payout_run_period_ordered",
                violation_error_message=_("La fin de la période précède son début."),
            ),
            models.CheckConstraint(
                condition=Q(status=RunStatus.PREPARED, executed_on__isnull=True)
                | Q(status=RunStatus.EXECUTED, executed_on__isnull=False),
                name="payout_run_executed_dated",
                violation_error_message=_("Un paiement exécuté a une date d'exécution."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"PAI-{self.number:06d}"


class PayoutTransfer(models.Model):
    """One credit transfer to one provider in a run, with the bank details as they were."""

    run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("paiement")
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="payout_transfers",
        verbose_name=_("acteur"),
    )
    redemption_count = models.PositiveIntegerField(_("utilisations"))
    pass_count = models.PositiveIntegerField(_("pass"))
    gross_cents = models.PositiveBigIntegerField(_("valeur faciale (centimes)"))
    fee_cents = models.PositiveBigIntegerField(_("frais aval HT (centimes)"))
    vat_cents = models.PositiveBigIntegerField(_("TVA sur les frais (centimes)"))
    net_cents = models.PositiveBigIntegerField(_("net versé (centimes)"))
    fund_cents = models.PositiveBigIntegerField(_("part du fonds territorial (centimes)"))
    account_holder = models.CharField(_("titulaire du compte"), max_length=140)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    end_to_end_id = models.CharField(_("référence de bout en bout"), max_length=35, unique=True)
    statement_number = models.CharField(_("numéro de relevé"), max_length=35, unique=True)
    status = models.CharField(
        _("état"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    ledger_transaction = models.OneToOneField(
        LedgerTransaction,
        on_delete=models.PROTECT,
        related_name="payout_transfer",
        verbose_name=_("écriture du virement"),
    )
    reversal_transaction = models.OneToOneField(
        LedgerTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_payout_transfer",
        verbose_name=_("écriture d'annulation"),
    )

    class Meta:
        verbose_name = _("virement à un acteur")
        verbose_name_plural = _("virements aux acteurs")
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "provider"],
                name="payout_transfer_one_per_provider",
                violation_error_message=_("Un seul virement par acteur et par paiement."),
            ),
            models.CheckConstraint(
                condition=Q(gross_cents__gt=0)
                & Q(net_cents=F("gross_cents") - F("fee_cents") - F("vat_cents"))
                & Q(net_cents__gt=0),
                name="payout_transfer_net",
                violation_error_message=_(
                    "Le net d'un virement est la valeur faciale moins les frais et leur TVA."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[TransferStatus.REJECTED, TransferStatus.CARRIED],
                    reversal_transaction__isnull=False,
                )
                | Q(
                    status__in=[TransferStatus.PENDING, TransferStatus.EXECUTED],
                    reversal_transaction__isnull=True,
                ),
                name="payout_transfer_rejected_reversed",
                violation_error_message=_(
                    "Un virement rejeté, et lui seul, a son écriture annulée."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id


class PayoutLine(models.Model):
    """A redemption paid by a transfer, with its figures (the same split as its ledger posting).
    `released`: its transfer was rejected, the redemption is free for a later run."""

    transfer = models.ForeignKey(
        PayoutTransfer,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name=_("virement"),
        db_index=False,  # the (transfer, redemption) index below serves it
    )
    redemption = models.ForeignKey(
        Redemption,
        on_delete=models.PROTECT,
        related_name="payout_lines",
        verbose_name=_("utilisation"),
    )
    pass_count = models.PositiveIntegerField(_("pass"))
    gross_cents = models.PositiveBigIntegerField(_("valeur faciale (centimes)"))
    fee_cents = models.PositiveBigIntegerField(_("frais aval HT (centimes)"))
    vat_cents = models.PositiveBigIntegerField(_("TVA sur les frais (centimes)"))
    net_cents = models.PositiveBigIntegerField(_("net (centimes)"))
    fund_cents = models.PositiveBigIntegerField(_("part du fonds territorial (centimes)"))
    released = models.BooleanField(_("libérée (virement rejeté)"), default=False)

    class Meta:
        verbose_name = _("utilisation payée")
        verbose_name_plural = _("utilisations payées")
        constraints = [
            models.UniqueConstraint(
                fields=["redemption"],
                condition=Q(released=False),
                name="payout_line_paid_once",
                violation_error_message=_("Cette utilisation a déjà été payée."),
            ),
            models.CheckConstraint(
                condition=Q(net_cents=F("gross_cents") - F("fee_cents") - F("vat_cents")),
                name="payout_line_net",
                violation_error_message=_(
                    "Le net d'une utilisation est sa valeur faciale moins les frais et leur TVA."
                ),
            ),
        ]
        indexes = [models.Index(fields=["transfer", "redemption"])]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.redemption_id}"


class CarriedProvider(models.Model):
    """A provider that had redemptions to be paid but got no transfer in a run, and why: they
    stay unpaid and the next run pays them once the reason is gone."""

    run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="carried", verbose_name=_("paiement")
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("acteur")
    )
    reason = models.CharField(_("motif"), max_length=20, choices=CarriedReason.choices)
    redemption_count = models.PositiveIntegerField(_("utilisations"))
    net_cents = models.PositiveBigIntegerField(_("net en attente (centimes)"))

    class Meta:
        verbose_name = _("acteur reporté")
        verbose_name_plural = _("acteurs reportés")
        constraints = [
            models.UniqueConstraint(fields=["run", "provider"], name="payout_carried_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.reason}"


class PayoutLog(models.Model):
    """A transition of a run (transfer empty) or of one of its transfers: who, when, why."""

    run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="log", verbose_name=_("paiement")
    )
    transfer = models.ForeignKey(
        PayoutTransfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="log",
        verbose_name=_("virement"),
    )
    from_status = models.CharField(_("état de départ"), max_length=12, blank=True)
    to_status = models.CharField(_("nouvel état"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fait par"),
    )
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement d'état de paiement")
        verbose_name_plural = _("changements d'état de paiement")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
