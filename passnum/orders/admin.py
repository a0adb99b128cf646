from django.contrib import admin

from passnum.orders.models import Order, OrderTransition


class OrderTransitionInline(admin.TabularInline):
    model = OrderTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "sponsor", "quantity", "status", "valid_until", "created_at"]
    list_filter = ["status"]
    search_fields = ["reference", "sponsor__name", "label"]
    inlines = [OrderTransitionInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
