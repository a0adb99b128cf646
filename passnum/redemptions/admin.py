from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from passnum.core.admin import ReadOnlyAdmin, ReadOnlyInline, euros
from passnum.redemptions.models import Redemption, RedemptionLine, RefusedScan


class RedemptionLineInline(ReadOnlyInline):
    model = RedemptionLine
    fields = ["pass_item", "undone"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    """Read-only: a redemption is undone by its place, within the undo delay, through the
    service (which reverses its ledger transaction)."""

    list_display = ["pk", "created_at", "place", "service", "price", "amount", "undone_at"]
    list_filter = ["undone_at"]
    list_select_related = ["place", "service"]
    fields = [
        "organisation",
        "place",
        "service",
        "member",
        "price",
        "amount",
        "created_at",
        "undone_at",
        "undone_by",
        "idempotency_key",
    ]
    readonly_fields = ["price", "amount"]
    inlines = [RedemptionLineInline]

    price = euros("price_cents", _("prix du service"))
    amount = euros("amount_cents", _("valeur des pass"))


@admin.register(RefusedScan)
class RefusedScanAdmin(ReadOnlyAdmin):
    """Read-only: written by `redeem_passes` when it refuses a request (append-only)."""

    list_display = ["pk", "created_at", "place", "member", "service", "reasons"]
    list_select_related = ["place", "member", "service"]
    fields = ["created_at", "organisation", "place", "member", "service", "reasons", "codes"]
