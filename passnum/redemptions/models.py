from django.conf import settings
from django.db import models
from django.db.models import Q
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
