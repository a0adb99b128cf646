import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.orders.enums import BookletSize, OrderStatus


class Order(models.Model):
    """A sponsor's order of passes: the quote's figures, the usage rules, the validity.

    Amounts and rates are copied at creation (the contract), so a later change of the instance
    settings never rewrites an order.
    """

    reference = models.CharField(_("référence"), max_length=20, unique=True)
    sponsor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("commanditaire"),
    )
    label = models.CharField(_("libellé"), max_length=200, blank=True)
    status = models.CharField(
        _("état"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PAYMENT
    )
    quantity = models.PositiveIntegerField(_("nombre de pass"))
    booklet_size = models.PositiveSmallIntegerField(
        _("pass par carnet"), choices=BookletSize.choices
    )
    face_value_cents = models.PositiveIntegerField(_("valeur faciale (centimes)"))
    face_total_cents = models.PositiveBigIntegerField(_("valeur faciale totale (centimes)"))
    upstream_fee_bps = models.PositiveIntegerField(_("frais amont (points de base)"))
    upstream_fee_cents = models.PositiveBigIntegerField(_("frais amont HT (centimes)"))
    vat_bps = models.PositiveIntegerField(_("TVA (points de base)"))
    upstream_vat_cents = models.PositiveBigIntegerField(_("TVA sur frais amont (centimes)"))
    total_due_cents = models.PositiveBigIntegerField(_("total TTC à payer (centimes)"))
    downstream_fee_bps = models.PositiveIntegerField(_("frais aval (points de base)"))
    fund_bps = models.PositiveIntegerField(_("fonds de coopération (points de base)"))
    valid_until = models.DateField(_("fin de validité"))
    tolerance_days = models.PositiveSmallIntegerField(_("tolérance (jours)"))
    # Usage rules (fléchage). Empty list = no restriction on that axis.
    perimeter_communes = models.JSONField(_("communes (codes INSEE)"), default=list, blank=True)
    perimeter_epcis = models.JSONField(_("EPCI (SIREN)"), default=list, blank=True)
    perimeter_departements = models.JSONField(_("départements"), default=list, blank=True)
    perimeter_regions = models.JSONField(_("régions"), default=list, blank=True)
    allowed_place_types = models.JSONField(_("types de lieux permis"), default=list, blank=True)
    allowed_families = models.JSONField(
        _("familles de services permises"), default=list, blank=True
    )
    allowed_services = models.JSONField(_("services permis"), default=list, blank=True)
    usable_from = models.DateField(_("utilisable à partir du"), null=True, blank=True)
    usable_until = models.DateField(_("utilisable jusqu'au"), null=True, blank=True)
    target_publics = models.JSONField(_("publics visés"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    payment_reference = models.CharField(_("référence du paiement"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("pass émis le"), null=True, blank=True)

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(face_value_cents__gte=1),
                name="order_quantity_and_value_positive",
                violation_error_message=_(
                    "La quantité et la valeur faciale doivent être positives."
                ),
            ),
            models.CheckConstraint(
                condition=Q(face_total_cents=F("quantity") * F("face_value_cents")),
                name="order_face_total_consistent",
                violation_error_message=_("Le total facial ne correspond pas à la quantité."),
            ),
            models.CheckConstraint(
                condition=Q(
                    total_due_cents=F("face_total_cents")
                    + F("upstream_fee_cents")
                    + F("upstream_vat_cents")
                ),
                name="order_total_due_consistent",
                violation_error_message=_("Le total à payer ne correspond pas à ses éléments."),
            ),
            models.CheckConstraint(
                condition=Q(booklet_size__in=[5, 10]),
                name="order_booklet_size_5_or_10",
                violation_error_message=_("Un carnet contient 5 ou 10 pass."),
            ),
        ]
        indexes = [models.Index(fields=["sponsor", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def expires_on(self) -> datetime.date:
        """Last day a pass of this order can be redeemed: validity end plus tolerance."""
        return self.valid_until + datetime.timedelta(days=self.tolerance_days)

    @property
    def booklet_count(self) -> int:
        return self.quantity // self.booklet_size

    @property
    def is_paid(self) -> bool:
        return self.status in (OrderStatus.PAID, OrderStatus.CLOSED)

    @property
    def has_perimeter(self) -> bool:
        return bool(
            self.perimeter_communes
            or self.perimeter_epcis
            or self.perimeter_departements
            or self.perimeter_regions
        )


class OrderTransition(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("changement d'état de commande")
        verbose_name_plural = _("changements d'état de commande")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
