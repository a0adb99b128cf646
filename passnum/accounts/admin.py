from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    MembershipLog,
    Organisation,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siren", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "siren"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "membership", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "membership", "created_at", "revoked_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: an invitation is sent from the members' page (its secret goes by e-mail only)."""

    list_display = ["email", "organisation", "role", "state", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]
    readonly_fields = [
        "organisation",
        "email",
        "role",
        "digest",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("état"))
    def state(self, obj: Invitation) -> str:
        return str(obj.status.label)


@admin.register(MembershipLog)
class MembershipLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "email", "action", "role_before", "role_after"]
    list_filter = ["action"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
