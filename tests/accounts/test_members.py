"""Members: roles, removal and leaving (administrators only, never the last administrator), the
log of who did what, and the scoped reads of the members' page."""

import pytest

from passnum.accounts.enums import MemberRole, MembershipAction, OrganisationKind
from passnum.accounts.exceptions import (
    AlreadyMember,
    InvalidRole,
    InvalidToken,
    LastAdmin,
    NotAnAdmin,
)
from passnum.accounts.models import ApiToken, Membership, MembershipLog
from passnum.accounts.selectors import (
    acting_from_token,
    invitation_of,
    invitations_of,
    members_of,
    membership_of,
)
from passnum.accounts.services import (
    accept_invitation,
    add_member,
    change_member_role,
    create_api_token,
    remove_member,
    revoke_invitation,
)
from passnum.core.exceptions import NotFound, PermissionDenied
from tests.factories import UserFactory, make_acting, make_invitation

pytestmark = pytest.mark.django_db


def member_of(acting, role=MemberRole.MEMBER):
    return make_acting(acting.organisation.kind, organisation=acting.organisation, role=role)


def role_of(acting) -> str:
    return Membership.objects.get(pk=acting.membership.pk).role


# --- Roles ---------------------------------------------------------------------------------------


def test_an_administrator_changes_a_role_and_it_is_logged(hub):
    colleague = member_of(hub)
    changed = change_member_role(
        actor=hub.user, membership=colleague.membership, role=MemberRole.ADMIN
    )
    assert changed.role == MemberRole.ADMIN == role_of(colleague)
    log = MembershipLog.objects.get()
    assert (log.action, log.user, log.actor) == (
        MembershipAction.ROLE_CHANGED,
        colleague.user,
        hub.user,
    )
    assert (log.role_before, log.role_after) == (MemberRole.MEMBER, MemberRole.ADMIN)
    # the same role again: nothing to do, nothing logged
    change_member_role(actor=hub.user, membership=colleague.membership, role=MemberRole.ADMIN)
    assert MembershipLog.objects.count() == 1


def test_a_member_who_is_not_administrator_changes_no_role(hub):
    colleague, other = member_of(hub), member_of(hub)
    for target in (other.membership, colleague.membership, hub.membership):
        with pytest.raises(NotAnAdmin):
            change_member_role(actor=colleague.user, membership=target, role=MemberRole.ADMIN)
    assert role_of(colleague) == role_of(other) == MemberRole.MEMBER


def test_an_administrator_of_another_organisation_changes_no_role(hub):
    colleague = member_of(hub)
    stranger = make_acting(OrganisationKind.HUB)
    with pytest.raises(NotAnAdmin):
        change_member_role(
            actor=stranger.user, membership=colleague.membership, role=MemberRole.ADMIN
        )
    assert role_of(colleague) == MemberRole.MEMBER


def test_the_last_administrator_keeps_the_role(hub):
    with pytest.raises(LastAdmin) as refused:
        change_member_role(actor=hub.user, membership=hub.membership, role=MemberRole.MEMBER)
    assert refused.value.code == "last_admin"
    assert role_of(hub) == MemberRole.ADMIN
    second = member_of(hub, role=MemberRole.ADMIN)
    change_member_role(actor=second.user, membership=hub.membership, role=MemberRole.MEMBER)
    assert role_of(hub) == MemberRole.MEMBER
    with pytest.raises(LastAdmin):  # now `second` is the last one, even for a superuser
        change_member_role(
            actor=UserFactory(is_superuser=True),
            membership=second.membership,
            role=MemberRole.MEMBER,
        )


def test_an_unknown_role_is_refused(hub):
    with pytest.raises(InvalidRole):
        change_member_role(actor=hub.user, membership=member_of(hub).membership, role="owner")  # type: ignore[arg-type]


# --- Removal and leaving -------------------------------------------------------------------------


def test_an_administrator_removes_a_member_whose_tokens_stop_working(hub):
    colleague = member_of(hub)
    token = create_api_token(actor=colleague.user, membership=colleague.membership, name="t")
    remove_member(actor=hub.user, membership=colleague.membership)
    assert not Membership.objects.filter(pk=colleague.membership.pk).exists()
    assert not ApiToken.objects.filter(pk=token.token.pk).exists()
    with pytest.raises(InvalidToken):
        acting_from_token(token.clear)
    log = MembershipLog.objects.get()
    assert (log.action, log.email, log.actor, log.role_before) == (
        MembershipAction.REMOVED,
        colleague.user.email,
        hub.user,
        MemberRole.MEMBER,
    )


def test_a_member_leaves_but_removes_no_one_else(hub):
    colleague, other = member_of(hub), member_of(hub)
    with pytest.raises(NotAnAdmin):
        remove_member(actor=colleague.user, membership=other.membership)
    with pytest.raises(NotAnAdmin):
        remove_member(actor=colleague.user, membership=hub.membership)
    remove_member(actor=colleague.user, membership=colleague.membership)
    assert not Membership.objects.filter(pk=colleague.membership.pk).exists()
    assert Membership.objects.filter(pk=other.membership.pk).exists()
    assert MembershipLog.objects.get().action == MembershipAction.LEFT


def test_the_last_administrator_neither_leaves_nor_is_removed(hub):
    with pytest.raises(LastAdmin):
        remove_member(actor=hub.user, membership=hub.membership)
    with pytest.raises(LastAdmin):
        remove_member(actor=UserFactory(is_superuser=True), membership=hub.membership)
    assert Membership.objects.filter(pk=hub.membership.pk).exists()
    second = member_of(hub, role=MemberRole.ADMIN)
    remove_member(actor=hub.user, membership=hub.membership)  # another admin remains: may leave
    assert list(Membership.objects.filter(organisation=hub.organisation)) == [second.membership]


def test_an_administrator_of_another_organisation_removes_no_one(hub):
    stranger = make_acting(OrganisationKind.OPERATOR)
    colleague = member_of(hub)
    with pytest.raises(NotAnAdmin):
        remove_member(actor=stranger.user, membership=colleague.membership)
    assert Membership.objects.filter(pk=colleague.membership.pk).exists()


def test_removing_a_membership_already_gone_is_not_found(hub):
    colleague = member_of(hub)
    remove_member(actor=hub.user, membership=colleague.membership)
    with pytest.raises(NotFound):
        remove_member(actor=hub.user, membership=colleague.membership)


# --- Scoped reads --------------------------------------------------------------------------------


def test_members_and_invitations_are_those_of_the_acting_organisation_only(hub):
    colleague = member_of(hub)
    other = make_acting(OrganisationKind.HUB)
    others_invitation = make_invitation(other, email="elsewhere@example.org")
    pending = make_invitation(hub, email="pending@example.org")
    revoked = make_invitation(hub, email="revoked@example.org")
    revoke_invitation(actor=hub.user, invitation=revoked.invitation)
    accepted = make_invitation(hub, email="accepted@example.org")
    joined = UserFactory(email="accepted@example.org")
    accept_invitation(secret=accepted.secret, user=joined)

    assert {m.user for m in members_of(acting=hub)} == {hub.user, colleague.user, joined}
    assert [i.email for i in invitations_of(acting=hub)] == ["pending@example.org"]
    assert membership_of(acting=hub, membership_id=colleague.membership.pk) == colleague.membership
    assert invitation_of(acting=hub, invitation_id=pending.invitation.pk) == pending.invitation
    with pytest.raises(NotFound):
        membership_of(acting=hub, membership_id=other.membership.pk)
    with pytest.raises(NotFound):
        invitation_of(acting=hub, invitation_id=others_invitation.invitation.pk)


@pytest.fixture
def hub(db):
    return make_acting(OrganisationKind.HUB)


def test_adding_an_existing_account_is_logged_and_never_changes_a_role(provider):
    newcomer = UserFactory()
    membership = add_member(actor=provider.user, organisation=provider.organisation, user=newcomer)
    assert membership.role == MemberRole.MEMBER
    log = MembershipLog.objects.filter(user=newcomer).get()
    assert (log.action, log.actor) == (MembershipAction.JOINED, provider.user)
    # The only admin is not demoted by being "added" again: roles change through their service.
    with pytest.raises(AlreadyMember):
        add_member(
            actor=provider.user,
            organisation=provider.organisation,
            user=provider.user,
            role=MemberRole.MEMBER,
        )
    assert Membership.objects.get(pk=provider.membership.pk).role == MemberRole.ADMIN


def test_a_member_who_is_not_admin_adds_no_one(provider):
    plain = make_acting(
        provider.organisation.kind, organisation=provider.organisation, role=MemberRole.MEMBER
    )
    with pytest.raises(PermissionDenied):
        add_member(actor=plain.user, organisation=provider.organisation, user=UserFactory())
