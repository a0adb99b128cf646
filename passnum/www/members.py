"""An organisation's members: the list and pending invitations for every member; inviting,
revoking, changing roles and removing for its administrators; leaving for anyone. And the page an
invitation's link opens, which lets the person join (with their account, or one made there)."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from passnum.accounts.enums import MemberRole
from passnum.accounts.exceptions import InvalidPassword, InvitationNotUsable, UnknownInvitation
from passnum.accounts.models import Invitation, Membership, User
from passnum.accounts.selectors import (
    Acting,
    invitation_by_secret,
    invitation_of,
    invitations_of,
    members_of,
    membership_of,
    memberships_of,
)
from passnum.accounts.services import (
    accept_invitation,
    accept_invitation_with_account,
    change_member_role,
    check_invitation_usable,
    invite_member,
    remove_member,
    revoke_invitation,
    update_organisation_address,
)
from passnum.core import exceptions as domain
from passnum.www.acting import SESSION_KEY, current_acting
from passnum.www.qualification.forms import DsfrForm

# --- Forms ---------------------------------------------------------------------------------------


class InviteForm(DsfrForm):
    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail de la personne"),
        help_text=gettext_lazy("Elle reçoit un lien valable 7 jours."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Rôle"),
        choices=MemberRole.choices,
        initial=MemberRole.MEMBER,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Un administrateur gère aussi les membres et les invitations de l'organisation."
        ),
    )


class AccountForm(DsfrForm):
    """The account of a person who joins by invitation: the address is the invitation's."""

    first_name = forms.CharField(label=gettext_lazy("Prénom"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Nom"), max_length=150)
    password1 = forms.CharField(
        label=gettext_lazy("Mot de passe"),
        strip=False,
        help_text=gettext_lazy(
            "Au moins 8 caractères, pas uniquement des chiffres, pas un mot trop courant."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Mot de passe, une deuxième fois"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe sont différents."))
        elif first:
            candidate = User(
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class AddressForm(DsfrForm):
    address = forms.CharField(
        label=gettext_lazy("Numéro et voie"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=gettext_lazy("Code postal"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=gettext_lazy("Commune"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )


# --- The members' page ---------------------------------------------------------------------------


def _acting(request: HttpRequest) -> Acting:
    acting = current_acting(request)
    if acting is None:
        raise PermissionDenied
    return acting


def _is_admin(acting: Acting) -> bool:
    return acting.membership.role == MemberRole.ADMIN or acting.user.is_superuser


@login_required
def address(request: HttpRequest) -> HttpResponse:
    """The organisation's postal address (printed on its invoices): administrators change it."""
    acting = _acting(request)
    organisation = acting.organisation
    initial = {"address": organisation.address, "postcode": organisation.postcode}
    initial["city"] = organisation.city
    form = AddressForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not _is_admin(acting):
            raise PermissionDenied
        if form.is_valid():
            try:
                update_organisation_address(
                    actor=acting.user, organisation=organisation, **form.cleaned_data
                )
            except domain.DomainError as exc:
                field = exc.details[0].get("field") if exc.details else None
                form.add_error(field if field in form.fields else None, str(exc))
            else:
                messages.success(request, _("Adresse enregistrée."))
                return redirect("organisation_address")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "www/members/address.html",
        {"form": form, "is_admin": _is_admin(acting), "organisation": organisation},
        status=status,
    )


@login_required
def members(request: HttpRequest) -> HttpResponse:
    """GET: the page. POST: an administrator invites someone."""
    acting = _acting(request)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not _is_admin(acting):
            raise PermissionDenied
        if form.is_valid():
            try:
                issued = invite_member(
                    actor=acting.user,
                    organisation=acting.organisation,
                    email=form.cleaned_data["email"],
                    role=MemberRole(form.cleaned_data["role"]),
                )
            except domain.DomainError as exc:
                form.add_error("email", str(exc))
            else:
                invitation = issued.invitation
                messages.success(
                    request,
                    _("Invitation envoyée à %(email)s, valable jusqu'au %(date)s.")
                    % {"email": invitation.email, "date": _when(invitation)},
                )
                return redirect("members")
    return render(
        request,
        "www/members/members.html",
        {
            "members": members_of(acting=acting),
            "invitations": invitations_of(acting=acting),
            "is_admin": _is_admin(acting),
            "form": form,
            "roles": MemberRole.choices,
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    acting = _acting(request)
    invitation = _scoped(invitation_of, acting=acting, invitation_id=invitation_id)
    try:
        revoke_invitation(actor=acting.user, invitation=invitation)
    except domain.PermissionDenied as exc:
        raise PermissionDenied from exc
    except domain.DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("L'invitation de %(email)s est annulée.") % {"email": invitation.email}
        )
    return redirect("members")


@require_POST
@login_required
def change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    acting = _acting(request)
    membership = _scoped(membership_of, acting=acting, membership_id=membership_id)
    try:
        changed = change_member_role(
            actor=acting.user,
            membership=membership,
            role=cast(MemberRole, request.POST.get("role", "")),  # the service checks it
        )
    except domain.PermissionDenied as exc:
        raise PermissionDenied from exc
    except domain.DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s est maintenant : %(role)s.")
            % {"name": _name(changed), "role": changed.get_role_display()},
        )
    return redirect("members")


@require_POST
@login_required
def remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    acting = _acting(request)
    membership = _scoped(membership_of, acting=acting, membership_id=membership_id)
    leaving = membership.user_id == acting.user.pk
    try:
        remove_member(actor=acting.user, membership=membership)
    except domain.PermissionDenied as exc:
        raise PermissionDenied from exc
    except domain.DomainError as exc:
        messages.error(request, str(exc))
        return redirect("members")
    if leaving:
        request.session.pop(SESSION_KEY, None)
        messages.success(
            request,
            _("Vous avez quitté %(organisation)s.") % {"organisation": acting.organisation.name},
        )
        return redirect("home")
    messages.success(
        request,
        _("%(name)s ne fait plus partie de %(organisation)s.")
        % {"name": _name(membership), "organisation": acting.organisation.name},
    )
    return redirect("members")


# --- The invitation's page -----------------------------------------------------------------------


@never_cache
def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """What the e-mailed link opens. The secret in the address is the only credential."""
    try:
        found = invitation_by_secret(secret)
        check_invitation_usable(found)
    except (UnknownInvitation, InvitationNotUsable) as exc:
        return render(
            request, "www/members/invitation.html", {"error": str(exc)}, status=exc.http_status
        )
    context: dict[str, Any] = {"invitation": found, "expires": _when(found)}
    user = request.user
    if user.is_authenticated:
        return _invitation_for_user(request, found, secret, user, context)  # type: ignore[arg-type]
    if User.objects.filter(email__iexact=found.email).exists():
        login_url = reverse("login") + "?" + urlencode({"next": request.path})
        return render(
            request,
            "www/members/invitation.html",
            {**context, "mode": "login", "login_url": login_url},
        )
    form = AccountForm(request.POST if request.method == "POST" else None, email=found.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = accept_invitation_with_account(
                secret=secret,
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except InvalidPassword as exc:
            form.add_error("password1", str(exc))
        except domain.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            login(request, membership.user)
            return _joined(request, membership)
    return render(
        request,
        "www/members/invitation.html",
        {**context, "mode": "sign_up", "form": form},
        status=400 if form.errors else 200,
    )


def _invitation_for_user(
    request: HttpRequest, found: Invitation, secret: str, user: User, context: dict[str, Any]
) -> HttpResponse:
    if user.email.lower() != found.email:
        return render(request, "www/members/invitation.html", {**context, "mode": "other_email"})
    if any(m.organisation_id == found.organisation_id for m in memberships_of(user=user)):
        return render(request, "www/members/invitation.html", {**context, "mode": "member"})
    error = None
    if request.method == "POST":
        try:
            membership = accept_invitation(secret=secret, user=user)
        except domain.DomainError as exc:
            error = str(exc)
        else:
            return _joined(request, membership)
    return render(
        request,
        "www/members/invitation.html",
        {**context, "mode": "join", "error": error},
        status=400 if error else 200,
    )


def _joined(request: HttpRequest, membership: Membership) -> HttpResponse:
    request.session[SESSION_KEY] = membership.organisation_id
    messages.success(
        request,
        _("Bienvenue : vous êtes membre de %(organisation)s et agissez désormais pour elle.")
        % {"organisation": membership.organisation.name},
    )
    return redirect("home")


# --- Helpers -------------------------------------------------------------------------------------


def _scoped(selector: Any, **kwargs: Any) -> Any:
    try:
        return selector(**kwargs)
    except domain.NotFound as exc:
        raise Http404 from exc


def _name(membership: Membership) -> str:
    return membership.user.get_full_name() or membership.user.email


def _when(invitation: Invitation) -> str:
    return formats.date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT")
