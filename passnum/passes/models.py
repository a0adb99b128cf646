from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.orders.enums import TargetPublic
from passnum.orders.models import Order
from passnum.passes.enums import AssignmentKind, PassStatus


class Booklet(models.Model):
    """A booklet (carnet) of 5 or 10 passes with consecutive serials (a replacement booklet,
    `reissue_passes`, may hold fewer).

    Its state (in stock, at a distributor, handed out, started, finished, blocked, expired) is
    read from its passes and its hand-out (`passes/states.py`), never stored beside them. Only
    its current holder is kept here, changed by the distribution services alone (conditional
    UPDATEs), and logged in `BookletAssignment`.
    """

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="booklets", verbose_name=_("commande")
    )
    number = models.PositiveBigIntegerField(_("numéro de carnet"), unique=True)
    first_serial = models.PositiveBigIntegerField(_("premier numéro de série"))
    last_serial = models.PositiveBigIntegerField(_("dernier numéro de série"))
    distributor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_booklets",
        verbose_name=_("distributeur détenteur"),
        help_text=_("Vide : le carnet est dans le stock du commanditaire."),
    )
    assigned_at = models.DateTimeField(_("attribué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("carnet")
        verbose_name_plural = _("carnets")
        ordering = ["number"]
        indexes = [
            models.Index(fields=["order", "number"], name="booklet_order_number_idx"),
            models.Index(fields=["first_serial"], name="booklet_first_serial_idx"),
        ]
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
        Order,
        on_delete=models.PROTECT,
        related_name="passes",
        db_index=False,
        verbose_name=_("commande"),
    )
    booklet = models.ForeignKey(
        Booklet,
        on_delete=models.PROTECT,
        related_name="passes",
        db_index=False,
        verbose_name=_("carnet"),
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
        Order,
        on_delete=models.PROTECT,
        related_name="pass_events",
        null=True,
        blank=True,
        verbose_name=_("commande"),
    )
    from_statuses = models.JSONField(_("états de départ"), default=list)
    to_status = models.CharField(_("nouvel état"), max_length=10, choices=PassStatus.choices)
    serial_first = models.PositiveBigIntegerField(
        _("premier numéro de série"), null=True, blank=True
    )
    serial_last = models.PositiveBigIntegerField(
        _("dernier numéro de série"), null=True, blank=True
    )
    pass_count = models.PositiveIntegerField(_("nombre de pass"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fait par"),
    )
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("opération sur des pass")
        verbose_name_plural = _("opérations sur des pass")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.pass_count} → {self.to_status}"


class BookletAssignment(models.Model):
    """The log of booklets moving between a sponsor's stock and its distributors: one row per
    run of consecutive booklet numbers and holder. Append-only."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("commande")
    )
    kind = models.CharField(_("opération"), max_length=10, choices=AssignmentKind.choices)
    first_number = models.PositiveBigIntegerField(_("premier carnet"))
    last_number = models.PositiveBigIntegerField(_("dernier carnet"))
    booklet_count = models.PositiveIntegerField(_("nombre de carnets"))
    from_distributor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("détenteur précédent"),
        help_text=_("Vide : le stock du commanditaire."),
    )
    to_distributor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nouveau détenteur"),
        help_text=_("Vide : le stock du commanditaire."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fait par"),
    )
    acting_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("pour l'organisation"),
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("mouvement de carnets")
        verbose_name_plural = _("mouvements de carnets")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["order", "created_at"], name="assignment_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_number__gte=F("first_number")) & Q(booklet_count__gte=1),
                name="assignment_numbers_ordered",
                violation_error_message=_("Le dernier carnet précède le premier."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_number}–{self.last_number}"


class HandOut(models.Model):
    """A booklet handed to a beneficiary by the distributor holding it: one per booklet.

    The reference is pseudonymous (never a name) and purged after
    PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS (`purge_handout_references`)."""

    booklet = models.OneToOneField(
        Booklet, on_delete=models.PROTECT, related_name="handout", verbose_name=_("carnet")
    )
    distributor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="handouts",
        verbose_name=_("distributeur"),
    )
    handed_out_on = models.DateField(_("remis le"))
    public = models.CharField(_("public"), max_length=20, choices=TargetPublic.choices)
    reference = models.CharField(_("référence pseudonyme"), max_length=40, blank=True)
    reference_purged_at = models.DateTimeField(_("référence effacée le"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("remise de carnet")
        verbose_name_plural = _("remises de carnets")
        ordering = ["-handed_out_on", "-pk"]
        indexes = [
            models.Index(fields=["distributor", "handed_out_on"], name="handout_distributor_idx"),
            models.Index(
                fields=["handed_out_on"],
                condition=~Q(reference=""),
                name="handout_reference_to_purge",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booklet_id} ({self.handed_out_on})"


class PassReplacement(models.Model):
    """Which new pass replaced which blocked, unused one (`reissue_passes`). Append-only."""

    old_pass = models.OneToOneField(
        Pass,
        on_delete=models.PROTECT,
        related_name="replacement",
        verbose_name=_("pass remplacé"),
    )
    new_pass = models.OneToOneField(
        Pass,
        on_delete=models.PROTECT,
        related_name="replaces",
        verbose_name=_("pass de remplacement"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fait par"),
    )
    reason = models.TextField(_("motif"))
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("remplacement de pass")
        verbose_name_plural = _("remplacements de pass")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.old_pass_id} → {self.new_pass_id}"
