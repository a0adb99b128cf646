from django.contrib import admin

from passnum.places.models import Place, PlaceTransition


class PlaceTransitionInline(admin.TabularInline):
    model = PlaceTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "commune_name",
        "departement",
        "place_type",
        "qualification_status",
    ]
    list_filter = ["qualification_status", "place_type", "departement"]
    search_fields = ["name", "commune_name", "postcode"]
    readonly_fields = ["qualification_status"]
    inlines = [PlaceTransitionInline]
