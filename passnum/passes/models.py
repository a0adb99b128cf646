from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from passnum.orders.models import Order
from passnum.passes.enums import BookletStatus, PassStatus


class Booklet(models.Model):
    """A booklet (carnet) of 5 or 10 passes with consecutive serials.

    Whether it is started or finished is read from its passes, never stored beside them.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="booklets")
    number = models.PositiveBigIntegerField(_("numéro de carnet"), unique=True)
    first_serial = models.PositiveBigIntegerField(_("premier numéro de série"))
    last_serial = models.PositiveBigIntegerField(_("dernier numéro de série"))
    status = models.CharField(
        _("état"), max_length=20, choices=BookletStatus.choices, default=BookletStatus.IN_STOCK
    )

    class Meta:
        verbose_name = _("carnet")
        verbose_name_plural = _("carnets")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_serial__gte=F("first_serial")),
                name="booklet_serials_ordered",
                violation_error_message=_("Le dernier numéro de série précède le premier."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.first_serial}–{self.last_serial})"


class Pass(models.Model):
    """One voucher. Its face value and validity are its order's."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="passes", db_index=False
    )
    booklet = models.ForeignKey(
        Booklet, on_delete=models.PROTECT, related_name="passes", db_index=False
    )
    serial = models.PositiveBigIntegerField(_("numéro de série"))
    code = models.CharField(_("code"), max_length=15)
    status = models.CharField(
        _("état"), max_length=10, choices=PassStatus.choices, default=PassStatus.INACTIVE
    )

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("pass")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="pass_code_unique",
                violation_error_message=_("Ce code de pass existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["serial"],
                name="pass_serial_unique",
                violation_error_message=_("Ce numéro de série existe déjà."),
            ),
        ]
        indexes = [models.Index(fields=["order", "status"], name="pass_order_status_idx")]

    def __str__(self) -> str:
        return f"{self.serial}"


class PassEvent(models.Model):
    """The transition log of passes, one row per operation (a whole order, a serial range).

    Redemptions and their undo are logged by the Redemption rows themselves.
    """

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="pass_events", null=True, blank=True
    )
    from_statuses = models.JSONField(_("états de départ"), default=list)
    to_status = models.CharField(_("nouvel état"), max_length=10, choices=PassStatus.choices)
    serial_first = models.PositiveBigIntegerField(null=True, blank=True)
    serial_last = models.PositiveBigIntegerField(null=True, blank=True)
    pass_count = models.PositiveIntegerField(_("nombre de pass"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opération sur des pass")
        verbose_name_plural = _("opérations sur des pass")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.pass_count} → {self.to_status}"
