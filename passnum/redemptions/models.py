from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.catalogue.models import Service
from passnum.passes.models import Pass
from passnum.places.models import Place


class Redemption(models.Model):
    """Passes spent together at a place for one service. Its own log: who, when, undone by whom."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("organisation"),
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("lieu")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("service")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )
    price_cents = models.PositiveIntegerField(_("prix du service (centimes)"))
    amount_cents = models.PositiveIntegerField(_("valeur des pass (centimes)"))
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    undone_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annulée par"),
    )
    idempotency_key = models.CharField(  # noqa: DJ001 (unique when set)
        _("clé d'idempotence"), max_length=100, null=True, blank=True
    )
    request_fingerprint = models.CharField(_("empreinte de la demande"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("utilisation")
        verbose_name_plural = _("utilisations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="redemption_idempotency_key_unique",
                violation_error_message=_("Cette clé d'idempotence a déjà servi."),
            ),
            models.CheckConstraint(
                condition=Q(price_cents__gt=0) & Q(amount_cents__gt=0),
                name="redemption_amounts_positive",
                violation_error_message=_("Le prix et la valeur des pass doivent être positifs."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def complement_cents(self) -> int:
        """What the beneficiary pays directly: passes pay in whole units, no change given."""
        return max(0, self.price_cents - self.amount_cents)


class RedemptionLine(models.Model):
    """One pass of a redemption. The database refuses a second live line for the same pass."""

    redemption = models.ForeignKey(
        Redemption, on_delete=models.PROTECT, related_name="lines", verbose_name=_("utilisation")
    )
    pass_item = models.ForeignKey(
        Pass,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="pass_id",
        db_index=False,
        verbose_name=_("pass"),
    )
    undone = models.BooleanField(_("annulé"), default=False)

    class Meta:
        verbose_name = _("pass utilisé")
        verbose_name_plural = _("pass utilisés")
        constraints = [
            models.UniqueConstraint(
                fields=["pass_item"],
                condition=Q(undone=False),
                name="one_live_redemption_per_pass",
                violation_error_message=_("Ce pass a déjà été utilisé."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.redemption_id}: {self.pass_item_id}"


class RefusedScan(models.Model):
    """A redemption request that was refused: where, by whom, for which service, why, and the
    codes as shown to the place. One row per refused request (`refusals.record_refusal`), none
    for a pass check nor for a success. No personal data: a pass is a bearer instrument. The
    operator's anomalies (`anomalies.py`) count them."""

    created_at = models.DateTimeField(_("date"), default=timezone.now)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("lieu")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    reasons = models.JSONField(_("motifs"), default=list)
    codes = models.JSONField(_("codes saisis"), default=list)

    class Meta:
        verbose_name = _("paiement refusé")
        verbose_name_plural = _("paiements refusés")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_at"], name="refusedscan_created_idx"),
            models.Index(fields=["place", "created_at"], name="refusedscan_place_idx"),
            models.Index(fields=["member", "created_at"], name="refusedscan_member_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class OfflineOutcome(models.TextChoices):
    """What became of a pass scanned offline once it reached the server (`offline.py`)."""

    REDEEMED = "redeemed", _("Utilisé")
    CONFLICT = "conflict", _("Déjà utilisé : non payé")
    REFUSED = "refused", _("Refusé")
    OVER_ALLOWANCE = "over_allowance", _("Au-delà de la limite hors ligne")
    FORGED = "forged", _("Signature invalide")


class OfflineScan(models.Model):
    """A pass scanned while the scanning page had no network, as it reached the server: one row
    per queued scan, whatever its outcome, written once (`offline.sync_offline_scans`). Its
    idempotency key is the one the page gave the scan: a queue sent again finds its rows and
    redeems nothing twice. A conflict names the redemption the server recorded first (the one
    paid, docs/offline.md)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("lieu")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envoyé par"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    idempotency_key = models.CharField(_("clé d'idempotence"), max_length=100)
    code = models.CharField(_("code du pass"), max_length=64)
    pass_item = models.ForeignKey(
        Pass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pass"),
    )
    face_value_cents = models.PositiveIntegerField(
        _("valeur signée (centimes)"), null=True, blank=True
    )
    scanned_at = models.DateTimeField(_("scanné le (heure de l'appareil)"))
    counted_on = models.DateField(_("jour compté pour la limite"))
    synced_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    outcome = models.CharField(_("résultat"), max_length=20, choices=OfflineOutcome.choices)
    reasons = models.JSONField(_("motifs"), default=list)
    redemption = models.ForeignKey(
        Redemption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offline_scans",
        verbose_name=_("utilisation"),
    )
    conflict_with = models.ForeignKey(
        Redemption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offline_conflicts",
        verbose_name=_("utilisation enregistrée avant"),
    )

    class Meta:
        verbose_name = _("scan hors ligne")
        verbose_name_plural = _("scans hors ligne")
        ordering = ["-synced_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"],
                name="offlinescan_key_unique",
                violation_error_message=_("Ce scan hors ligne a déjà été reçu."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["place", "counted_on", "outcome"], name="offlinescan_allowance_idx"
            ),
            models.Index(fields=["place", "synced_at"], name="offlinescan_place_idx"),
            models.Index(fields=["outcome", "synced_at"], name="offlinescan_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"
