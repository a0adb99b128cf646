from django.contrib import admin

from passnum.redemptions.models import Redemption, RedemptionLine


class RedemptionLineInline(admin.TabularInline):
    model = RedemptionLine
    extra = 0
    raw_id_fields = ["pass_item"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "created_at",
        "place",
        "service",
        "price_cents",
        "amount_cents",
        "undone_at",
    ]
    list_filter = ["undone_at"]
    inlines = [RedemptionLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
