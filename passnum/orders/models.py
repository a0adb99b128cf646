import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.orders.enums import BookletSize, InvoiceKind, Milestone, OrderStatus

MAX_PRINT_TEXT = 600  # characters of the sponsor's text on the covers
MAX_TOLERANCE_DAYS = 92  # after the validity end: about three months at most


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
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    payment_reference = models.CharField(_("référence du paiement"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("pass émis le"), null=True, blank=True)
    # Printing (SPEC §3.3): what the covers say, and the print proof (BAT) the sponsor approves
    # before the booklets are printed. The logo lives under MEDIA_ROOT/logos/, served only
    # through the scoped order pages.
    print_text = models.CharField(
        _("texte imprimé sur les carnets"), max_length=MAX_PRINT_TEXT, blank=True
    )
    logo = models.FileField(_("logo imprimé"), upload_to="logos/", max_length=200, blank=True)
    proof_generated_at = models.DateTimeField(_("épreuve générée le"), null=True, blank=True)
    proof_approved_at = models.DateTimeField(_("épreuve approuvée le"), null=True, blank=True)
    proof_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("épreuve approuvée par"),
    )

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
                condition=Q(tolerance_days__lte=MAX_TOLERANCE_DAYS),
                name="order_tolerance_at_most_92_days",
                violation_error_message=_("La tolérance est de 92 jours au plus."),
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
    def is_draft(self) -> bool:
        return self.status == OrderStatus.DRAFT

    @property
    def proof_approved(self) -> bool:
        return self.proof_approved_at is not None

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
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("commande")
    )
    from_status = models.CharField(_("état de départ"), max_length=20, choices=OrderStatus.choices)
    to_status = models.CharField(_("nouvel état"), max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("fait par")
    )
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement d'état de commande")
        verbose_name_plural = _("changements d'état de commande")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Payment(models.Model):
    """Money received for an order (a transfer, a mandate). Append-only: payments add up, and the
    order becomes paid when their sum reaches its total due (`orders.services.record_payment`)."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("commande")
    )
    amount_cents = models.PositiveBigIntegerField(_("montant (centimes)"))
    reference = models.CharField(_("référence du paiement"), max_length=100, blank=True)
    received_on = models.DateField(_("reçu le"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enregistré par"),
    )
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gte=1),
                name="payment_amount_positive",
                violation_error_message=_("Le montant d'un paiement doit être positif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.amount_cents}"


class Invoice(models.Model):
    """An invoice or a credit note (avoir), as issued: numbered in one gap-free series per kind
    and year, its amounts and both parties' identities copied, so nothing later rewrites it.

    An invoice bills the face value of the passes (outside the scope of VAT: a payment
    instrument) and the upstream fee HT with its VAT. A credit note refunds the face value of
    unused passes only (fees are not refunded) and references the invoice it corrects.
    """

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("commande")
    )
    kind = models.CharField(_("type"), max_length=20, choices=InvoiceKind.choices)
    number = models.CharField(_("numéro"), max_length=20)
    issued_at = models.DateTimeField(_("émise le"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("émise par"),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("facture corrigée"),
    )
    expiry_date = models.DateField(
        _("date d'expiration des pass"),
        null=True,
        blank=True,
        help_text=_("Pour un avoir : la date d'expiration des pass non utilisés qu'il rembourse."),
    )
    due_on = models.DateField(_("date d'échéance"), null=True, blank=True)
    pass_count = models.PositiveIntegerField(_("nombre de pass"))
    face_value_cents = models.PositiveIntegerField(_("valeur faciale unitaire (centimes)"))
    face_total_cents = models.PositiveBigIntegerField(_("valeur faciale totale (centimes)"))
    fee_bps = models.PositiveIntegerField(_("frais amont (points de base)"))
    fee_cents = models.PositiveBigIntegerField(_("frais amont HT (centimes)"))
    vat_bps = models.PositiveIntegerField(_("TVA (points de base)"))
    vat_cents = models.PositiveBigIntegerField(_("TVA (centimes)"))
    total_cents = models.PositiveBigIntegerField(_("total TTC (centimes)"))
    seller = models.JSONField(_("vendeur"), default=dict)
    buyer = models.JSONField(_("acheteur"), default=dict)

    class Meta:
        verbose_name = _("facture ou avoir")
        verbose_name_plural = _("factures et avoirs")
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number"],
                name="invoice_unique_number_per_kind",
                violation_error_message=_("Ce numéro de facture ou d'avoir existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind=InvoiceKind.INVOICE),
                name="invoice_one_per_order",
                violation_error_message=_("Cette commande a déjà une facture."),
            ),
            models.UniqueConstraint(
                fields=["order", "expiry_date"],
                condition=Q(kind=InvoiceKind.CREDIT_NOTE),
                name="credit_note_one_per_order_and_expiry",
                violation_error_message=_("Cette expiration a déjà son avoir."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=InvoiceKind.values),
                name="invoice_kind_known",
                violation_error_message=_("Type de document inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(face_total_cents=F("pass_count") * F("face_value_cents")),
                name="invoice_face_total_consistent",
                violation_error_message=_("Le total facial ne correspond pas au nombre de pass."),
            ),
            models.CheckConstraint(
                condition=Q(
                    total_cents=F("face_total_cents") + F("fee_cents") + F("vat_cents"),
                    fee_cents__gte=0,
                    vat_cents__gte=0,
                    face_total_cents__gte=0,
                ),
                name="invoice_total_consistent",
                violation_error_message=_("Le total TTC ne correspond pas à ses éléments."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=InvoiceKind.INVOICE, corrects__isnull=True, expiry_date__isnull=True)
                    | Q(
                        kind=InvoiceKind.CREDIT_NOTE,
                        corrects__isnull=False,
                        expiry_date__isnull=False,
                        fee_cents=0,
                        vat_cents=0,
                        pass_count__gte=1,
                    )
                ),
                name="invoice_credit_note_shape",
                violation_error_message=_(
                    "Un avoir corrige une facture, pour une expiration, sans frais ni TVA."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class OrderMilestone(models.Model):
    """A step of an order's end of validity, done once (`orders/timeline.py`): when it was due,
    when it was done and by whom, and what it found (counts, the credit note's number).
    Append-only: the unique pair (order, step) is what makes the daily run idempotent."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="milestones", verbose_name=_("commande")
    )
    step = models.CharField(_("étape"), max_length=24, choices=Milestone.choices)
    due_on = models.DateField(_("prévue le"))
    done_at = models.DateTimeField(_("faite le"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    details = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("étape de fin de validité")
        verbose_name_plural = _("étapes de fin de validité")
        ordering = ["order", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "step"], name="milestone_once_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.step}"
