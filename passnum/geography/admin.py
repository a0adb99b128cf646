"""Read-only admin: the geography is reference data, changed only by a data migration."""

from django.contrib import admin

from passnum.geography.models import Commune, CommunePostcode, Departement, Epci, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]


@admin.register(Epci)
class EpciAdmin(ReadOnlyAdmin):
    list_display = ["siren", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["siren", "name"]


class PostcodeInline(admin.TabularInline):
    model = CommunePostcode
    fields = ["postcode"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "departement", "epci", "population", "parent"]
    list_filter = ["region"]
    list_select_related = ["departement", "epci", "parent"]
    search_fields = ["code", "name", "search_name", "postcodes__postcode"]
    ordering = ["code"]
    inlines = [PostcodeInline]


@admin.register(CommunePostcode)
class CommunePostcodeAdmin(ReadOnlyAdmin):
    list_display = ["postcode", "commune"]
    list_select_related = ["commune"]
    search_fields = ["postcode", "commune__name", "commune__code"]
    ordering = ["postcode"]
