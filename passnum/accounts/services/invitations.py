"""Invitations by e-mail: an administrator invites an address with a role; the person follows the
link and joins, with the account they have or one created on the spot.

The link's secret carries 256 random bits and is stored only as its SHA-256 digest; it travels
in the e-mail alone (sent after commit).
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import MemberRole, MembershipAction
from passnum.accounts.exceptions import (
    AccountExists,
    AlreadyMember,
    InvalidEmail,
    InvalidPassword,
    InvitationAlreadyAccepted,
    InvitationConflict,
    InvitationExpired,
    InvitationForAnotherEmail,
    InvitationRevoked,
    UnknownInvitation,
)
from passnum.accounts.models import Invitation, Membership, Organisation, User
from passnum.accounts.services.members import checked_role, log_membership
from passnum.accounts.services.organisations import create_user, require_admin
from passnum.accounts.services.tokens import digest_token
from passnum.core.exceptions import InvalidInput, PermissionDenied

INVITATION_VALIDITY = timedelta(days=7)
NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254  # the column's length (RFC 5321's limit for a path)


@dataclass(frozen=True)
class IssuedInvitation:
    """The invitation and its secret. The secret belongs in the e-mail only: callers other than
    tests and the demo never show it."""

    invitation: Invitation
    secret: str


def normalise_email(email: str) -> str:
    """The whole address in lower case: invitations match accounts case-insensitively."""
    address = email.strip().lower()
    if len(address) > EMAIL_MAX_LENGTH:
        raise InvalidEmail()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidEmail() from exc
    return address


def invite_member(
    *, actor: User, organisation: Organisation, email: str, role: MemberRole
) -> IssuedInvitation:
    """Invite an address to join `organisation` with `role` for INVITATION_VALIDITY. Inviting
    an address already invited replaces its pending invitation (the old link stops working)."""
    require_admin(actor=actor, organisation=organisation)
    return issue_invitation(actor=actor, organisation=organisation, email=email, role=role)


def issue_invitation(
    *, actor: User, organisation: Organisation, email: str, role: MemberRole
) -> IssuedInvitation:
    """`invite_member` once the caller has checked that `actor` may invite: an administrator of
    the organisation, or a sponsor's administrator inviting the first administrator of a
    distributor it works with (`accounts/services/partners.py`)."""
    from passnum.accounts.notifications import send_invitation

    address = normalise_email(email)
    role = checked_role(role)
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            if Membership.objects.filter(
                organisation=organisation, user__email__iexact=address
            ).exists():
                raise AlreadyMember(email=address, organisation=organisation.name)
            _pending(organisation=organisation, email=address).update(
                revoked_at=now, revoked_by=actor
            )
            invitation = Invitation.objects.create(
                organisation=organisation,
                email=address,
                role=role,
                digest=digest_token(secret),
                invited_by=actor,
                expires_at=now + INVITATION_VALIDITY,
            )
            transaction.on_commit(
                lambda: send_invitation(invitation_id=invitation.pk, secret=secret), robust=True
            )
    except IntegrityError as exc:  # the same address invited twice at the same moment
        raise InvitationConflict() from exc
    return IssuedInvitation(invitation=invitation, secret=secret)


def revoke_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    """Cancel a pending (or expired) invitation; revoking it again changes nothing."""
    require_admin(actor=actor, organisation=invitation.organisation)
    with transaction.atomic():
        Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_by=actor)
    invitation.refresh_from_db()
    if invitation.accepted_at is not None:
        raise InvitationAlreadyAccepted()
    return invitation


def accept_invitation(*, secret: str, user: User) -> Membership:
    """A logged-in person joins with the invitation sent to their address."""
    invitation = usable_invitation(secret)
    if not user.is_active:
        raise PermissionDenied()
    if invitation.email != user.email.lower():
        raise InvitationForAnotherEmail(invited=invitation.email, email=user.email)
    try:
        with transaction.atomic():
            if Membership.objects.filter(
                user=user, organisation_id=invitation.organisation_id
            ).exists():
                raise AlreadyMember(email=user.email, organisation=invitation.organisation.name)
            return _join(invitation=invitation, user=user)
    except IntegrityError as exc:  # added by other means at the same moment
        raise AlreadyMember(email=user.email, organisation=invitation.organisation.name) from exc


def accept_invitation_with_account(
    *, secret: str, password: str, first_name: str, last_name: str
) -> Membership:
    """A person without an account creates one with the invited address, and joins; all or
    nothing. The new user is `membership.user`."""
    invitation = usable_invitation(secret)
    first_name, last_name = first_name.strip(), last_name.strip()
    if not (0 < len(first_name) <= NAME_MAX_LENGTH and 0 < len(last_name) <= NAME_MAX_LENGTH):
        raise InvalidInput(_("Indiquez votre prénom et votre nom (150 caractères au plus)."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise AccountExists(email=invitation.email)
    candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        raise InvalidPassword(" ".join(exc.messages)) from exc
    try:
        with transaction.atomic():
            user = create_user(
                email=invitation.email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
            return _join(invitation=invitation, user=user)
    except IntegrityError as exc:  # the account was created at the same moment
        raise AccountExists(email=invitation.email) from exc


def usable_invitation(secret: str) -> Invitation:
    """The invitation of this secret if it can still be accepted; otherwise a distinct error for
    an unknown, expired, revoked or already accepted one."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(digest=digest_token(secret))
        .first()
    )
    if invitation is None:
        raise UnknownInvitation()
    check_invitation_usable(invitation)
    return invitation


def _join(*, invitation: Invitation, user: User) -> Membership:
    """Inside the caller's transaction: claim the invitation with one conditional UPDATE (two
    clicks, two tabs: only one wins), then create the membership."""
    # The organisation's row serialises this with role changes and removals (members.py).
    Organisation.objects.select_for_update().filter(pk=invitation.organisation_id).first()
    if not _sent_by_an_admin(invitation):
        raise InvitationRevoked()
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(accepted_at=now, accepted_by=user)
    if not claimed:
        invitation.refresh_from_db()
        check_invitation_usable(invitation)
        raise InvitationAlreadyAccepted()
    membership = Membership.objects.create(
        user=user, organisation=invitation.organisation, role=invitation.role
    )
    log_membership(
        membership=membership,
        action=MembershipAction.JOINED,
        actor=user,
        role_after=invitation.role,
    )
    return membership


def _sent_by_an_admin(invitation: Invitation) -> bool:
    """Whoever sent it is still an administrator of the organisation (or platform staff), or
    of a sponsor the organisation distributes for (its first administrator's invitation)."""
    from passnum.accounts.services.partners import sent_by_a_partner_admin

    inviter = invitation.invited_by
    if inviter is None:  # the account that sent it is gone
        return False
    return (
        inviter.is_superuser
        or Membership.objects.filter(
            organisation_id=invitation.organisation_id, user=inviter, role=MemberRole.ADMIN
        ).exists()
        or sent_by_a_partner_admin(invitation)
    )


def check_invitation_usable(invitation: Invitation) -> None:
    """InvitationNotUsable (a distinct code for each case) unless it can be accepted now."""
    if invitation.accepted_at is not None:
        raise InvitationAlreadyAccepted()
    if invitation.revoked_at is not None:
        raise InvitationRevoked()
    if invitation.expires_at <= timezone.now():
        expired = timezone.localtime(invitation.expires_at)
        raise InvitationExpired(date=formats.date_format(expired, "DATETIME_FORMAT"))


def _pending(*, organisation: Organisation, email: str):
    return Invitation.objects.filter(
        organisation=organisation, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
