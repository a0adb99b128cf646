from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    MembershipLog,
    Organisation,
    Partnership,
    User,
)
from passnum.accounts.selectors import Acting, acting_for
from passnum.accounts.services import create_organisation, revoke_api_token
from passnum.core.admin import ReadOnlyAdmin, ReadOnlyInline
from passnum.core.exceptions import DomainError


def operator_acting(request: HttpRequest) -> Acting | None:
    """The back-office user acting as their operator organisation (the services require it),
    or None, with a message, if they are not a member of one."""
    user = request.user
    assert isinstance(user, User)  # the admin site lets staff users only in
    membership = (
        Membership.objects.filter(user=user, organisation__kind=OrganisationKind.OPERATOR)
        .order_by("organisation__name", "pk")
        .first()
    )
    if membership is None:
        messages.error(
            request,
            _("Cette action se fait au nom de l'opérateur : vous n'êtes membre d'aucun opérateur."),
        )
        return None
    return acting_for(user=user, organisation_id=membership.organisation_id)


def report_domain_error(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, str(error))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """A person's account. Deleting one who acted on money or audit is refused (their rows
    protect them); their membership log entries then keep the e-mail only."""

    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(ReadOnlyInline):
    """Members join, change role and leave through the members' page (each change logged)."""

    model = Membership
    fields = ["user", "role", "created_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Created through `create_organisation` (which opens its ledger accounts), never deleted:
    its orders, accounts and logs depend on it. Its kind is fixed once created."""

    list_display = ["name", "kind", "siren", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "siren"]
    inlines = [MembershipInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "kind",
                    "siren",
                    "departement",
                    "territory",
                    "address",
                    "postcode",
                    "city",
                ),
                "description": _(
                    "Une organisation créée ici reçoit ses comptes du grand livre, et vous en "
                    "devenez le premier administrateur, pour y inviter ses membres."
                ),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Organisation | None = None):
        # The postal address is set by the organisation's administrators on its page, through
        # `update_organisation_address` and its checks.
        address = ["address", "postcode", "city"]
        return ["kind", *address] if obj is not None else address

    def has_delete_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        return False

    def save_model(self, request, obj: Organisation, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = create_organisation(
            actor=request.user,
            name=obj.name,
            kind=OrganisationKind(obj.kind),
            siren=obj.siren,
            departement=obj.departement,
            territory=obj.territory,
        )
        obj.pk, obj.created_at, obj.territory = created.pk, created.created_at, created.territory
        obj._state.adding = False
        obj._state.db = created._state.db


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Created by their member on the tokens page (shown once); revoked here through the
    service."""

    list_display = ["prefix", "name", "membership", "created_at", "revoked_at"]
    list_select_related = ["membership__user", "membership__organisation"]
    fields = ["prefix", "name", "membership", "created_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Révoquer les jetons sélectionnés"))
    def revoke(self, request: HttpRequest, queryset) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related(
            "membership__organisation"
        ):
            try:
                revoke_api_token(actor=request.user, token=token)  # type: ignore[arg-type]
            except DomainError as error:
                report_domain_error(request, error)
                return
            revoked += 1
        messages.success(request, _("Jetons révoqués : %(n)s.") % {"n": revoked})


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Read-only: an invitation is sent and revoked from the members' page (its secret goes by
    e-mail only)."""

    list_display = ["email", "organisation", "role", "state", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]
    fields = [
        "organisation",
        "email",
        "role",
        "state",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = ["state"]

    @admin.display(description=_("état"))
    def state(self, obj: Invitation) -> str:
        return str(obj.status.label)


@admin.register(MembershipLog)
class MembershipLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organisation", "email", "action", "role_before", "role_after"]
    list_filter = ["action"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]


@admin.register(Partnership)
class PartnershipAdmin(ReadOnlyAdmin):
    """Which distributors work for which sponsors (accounts/services/partners.py)."""

    list_display = ["sponsor", "distributor", "created_at", "created_by"]
    search_fields = ["sponsor__name", "distributor__name", "=distributor__siren"]
    list_select_related = ["sponsor", "distributor", "created_by"]
