"""Changing an organisation's members: roles, removal, leaving. An organisation never loses its
last administrator; every change is written to the membership log with its actor."""

from django.db import transaction
from django.utils import timezone

from passnum.accounts.enums import MemberRole, MembershipAction
from passnum.accounts.exceptions import AlreadyMember, InvalidRole, LastAdmin
from passnum.accounts.models import Invitation, Membership, MembershipLog, Organisation, User
from passnum.accounts.services.organisations import require_admin
from passnum.core.exceptions import NotFound


def add_member(
    *, actor: User, organisation: Organisation, user: User, role: MemberRole = MemberRole.MEMBER
) -> Membership:
    """An administrator (or platform staff) adds an existing account directly, without an
    invitation; logged like any other arrival. Someone already a member: AlreadyMember (their
    role changes through change_member_role)."""
    role = checked_role(role)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        require_admin(actor=actor, organisation=organisation)
        if Membership.objects.filter(user=user, organisation=organisation).exists():
            raise AlreadyMember()
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        log_membership(
            membership=membership, action=MembershipAction.JOINED, actor=actor, role_after=role
        )
    return membership


def change_member_role(*, actor: User, membership: Membership, role: MemberRole) -> Membership:
    """An administrator gives a member another role (their own included, if another admin
    remains)."""
    role = checked_role(role)
    with transaction.atomic():
        current = _lock(membership)
        require_admin(actor=actor, organisation=current.organisation)
        if current.role == role:
            return current
        if current.role == MemberRole.ADMIN:
            _require_another_admin(current)
        before = current.role
        current.role = role
        current.save(update_fields=["role"])
        if before == MemberRole.ADMIN:
            revoke_invitations_sent_by(current, actor=actor)
        log_membership(
            membership=current,
            action=MembershipAction.ROLE_CHANGED,
            actor=actor,
            role_before=before,
            role_after=role,
        )
    return current


def remove_member(*, actor: User, membership: Membership) -> None:
    """An administrator removes a member, or a member leaves. Their API tokens go with the
    membership."""
    with transaction.atomic():
        current = _lock(membership)
        leaving = current.user_id == actor.pk
        if not leaving:
            require_admin(actor=actor, organisation=current.organisation)
        if current.role == MemberRole.ADMIN:
            _require_another_admin(current)
        log_membership(
            membership=current,
            action=MembershipAction.LEFT if leaving else MembershipAction.REMOVED,
            actor=actor,
            role_before=current.role,
        )
        revoke_invitations_sent_by(current, actor=actor)
        current.delete()


def log_membership(
    *,
    membership: Membership,
    action: MembershipAction,
    actor: User,
    role_before: str = "",
    role_after: str = "",
) -> MembershipLog:
    """Call inside the transaction that makes the change."""
    return MembershipLog.objects.create(
        organisation_id=membership.organisation_id,
        user_id=membership.user_id,
        email=membership.user.email,
        action=action,
        role_before=role_before,
        role_after=role_after,
        actor=actor,
    )


def checked_role(role: str) -> MemberRole:
    if role not in MemberRole.values:
        raise InvalidRole()
    return MemberRole(role)


def revoke_invitations_sent_by(membership: Membership, *, actor: User) -> int:
    """An administrator who leaves or loses the role takes back the invitations they sent: none
    of them may bring anyone in, least of all themselves under another address."""
    return Invitation.objects.filter(
        organisation_id=membership.organisation_id,
        invited_by_id=membership.user_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now(), revoked_by=actor)


def _lock(membership: Membership) -> Membership:
    """Serialise the changes to one organisation's members (its row is the lock: changes are
    rare), then re-read the membership, which may have changed or gone meanwhile."""
    Organisation.objects.select_for_update().filter(pk=membership.organisation_id).first()
    current = (
        Membership.objects.select_related("organisation", "user").filter(pk=membership.pk).first()
    )
    if current is None:
        raise NotFound()
    return current


def _require_another_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        organisation_id=membership.organisation_id, role=MemberRole.ADMIN
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise LastAdmin()
