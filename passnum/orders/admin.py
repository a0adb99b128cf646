from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from passnum.accounts.admin import operator_acting, report_domain_error
from passnum.core.admin import ReadOnlyAdmin, ReadOnlyInline, euros, reason_action
from passnum.core.exceptions import DomainError
from passnum.orders.models import Invoice, Order, OrderTransition, Payment
from passnum.orders.services import cancel_order

MONEY = {
    "face_value_cents": "face_value",
    "face_total_cents": "face_total",
    "upstream_fee_cents": "upstream_fee",
    "upstream_vat_cents": "upstream_vat",
    "total_due_cents": "total_due",
}


class OrderTransitionInline(ReadOnlyInline):
    model = OrderTransition
    fields = ["from_status", "to_status", "actor", "reason", "created_at"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["amount", "reference", "received_on", "recorded_by", "created_at"]
    readonly_fields = ["amount"]
    amount = euros("amount_cents", _("montant"))


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Read-only: an order is a contract. Its state changes through the services (payment from
    the back-office pages, cancellation here), each logged with its actor and reason."""

    list_display = ["reference", "sponsor", "quantity", "total_due", "status", "valid_until"]
    list_filter = ["status"]
    list_select_related = ["sponsor"]
    search_fields = ["reference", "sponsor__name", "label"]
    inlines = [PaymentInline, OrderTransitionInline]
    actions = ["cancel"]

    face_value = euros("face_value_cents", _("valeur faciale"))
    face_total = euros("face_total_cents", _("valeur faciale totale"))
    upstream_fee = euros("upstream_fee_cents", _("frais amont HT"))
    upstream_vat = euros("upstream_vat_cents", _("TVA sur frais amont"))
    total_due = euros("total_due_cents", _("total TTC à payer"))

    def get_fields(self, request, obj=None):
        return [MONEY.get(f.name, f.name) for f in Order._meta.fields if not f.primary_key]

    def get_readonly_fields(self, request, obj=None):
        return list(MONEY.values())

    @reason_action(
        description=_("Annuler les commandes sélectionnées"),
        explanation=_(
            "Seule une commande en attente de paiement peut être annulée ; ses pass sont bloqués."
        ),
    )
    def cancel(self, request, queryset, reason: str) -> None:
        acting = operator_acting(request)
        if acting is None:
            return
        cancelled = 0
        for order in queryset:
            try:
                cancel_order(acting=acting, order=order, reason=reason)
            except DomainError as error:
                report_domain_error(request, error)
                continue
            cancelled += 1
        messages.success(request, _("Commandes annulées : %(n)s.") % {"n": cancelled})


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Read-only: invoices and credit notes are issued by the services, never rewritten."""

    list_display = ["number", "kind", "order", "issued_at", "total", "pass_count"]
    list_filter = ["kind"]
    list_select_related = ["order"]
    search_fields = ["number", "order__reference"]
    fields = [
        "number",
        "kind",
        "order",
        "corrects",
        "issued_at",
        "issued_by",
        "expiry_date",
        "due_on",
        "pass_count",
        "face_value",
        "face_total",
        "fee_bps",
        "fee",
        "vat_bps",
        "vat",
        "total",
        "seller",
        "buyer",
    ]
    readonly_fields = ["face_value", "face_total", "fee", "vat", "total"]

    face_value = euros("face_value_cents", _("valeur faciale unitaire"))
    face_total = euros("face_total_cents", _("valeur faciale totale"))
    fee = euros("fee_cents", _("frais amont HT"))
    vat = euros("vat_cents", _("TVA"))
    total = euros("total_cents", _("total TTC"))
