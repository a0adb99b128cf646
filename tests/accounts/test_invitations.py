"""Invitations by e-mail: who may invite, what is stored (a digest, never the secret), the e-mail
and its link, and every way accepting can be refused — each with its own code."""

import datetime
import hashlib
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from passnum.accounts.enums import InvitationStatus, MemberRole, MembershipAction, OrganisationKind
from passnum.accounts.exceptions import (
    AccountExists,
    AlreadyMember,
    InvalidEmail,
    InvalidPassword,
    InvalidRole,
    InvitationAlreadyAccepted,
    InvitationExpired,
    InvitationForAnotherEmail,
    InvitationRevoked,
    NotAnAdmin,
    UnknownInvitation,
)
from passnum.accounts.models import Invitation, Membership, MembershipLog, User
from passnum.accounts.services import (
    INVITATION_VALIDITY,
    accept_invitation,
    accept_invitation_with_account,
    add_member,
    change_member_role,
    invite_member,
    remove_member,
    revoke_invitation,
)
from passnum.core.exceptions import InvalidInput, PermissionDenied
from tests.factories import UserFactory, make_acting, make_invitation

pytestmark = pytest.mark.django_db

STRONG = "un-long-mot-de-passe"
LINK = re.compile(r"https://pass\.example\.fr/invitation/([A-Za-z0-9_-]+)/")


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """`with sent(): …` runs the after-commit e-mails of what it wraps (tests never commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def member_of(acting, role=MemberRole.MEMBER):
    return make_acting(acting.organisation.kind, organisation=acting.organisation, role=role)


def expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


# --- Inviting ------------------------------------------------------------------------------------


def test_an_invitation_stores_the_digest_of_a_256_bit_secret_and_never_the_secret(sponsor):
    issued = invite_member(
        actor=sponsor.user,
        organisation=sponsor.organisation,
        email="  Alex.Dupont@Example.ORG ",
        role=MemberRole.ADMIN,
    )
    stored = Invitation.objects.get(pk=issued.invitation.pk)
    assert len(issued.secret) >= 43  # token_urlsafe(32): 256 bits
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in " ".join(
        str(value) for value in Invitation.objects.values_list().get(pk=stored.pk)
    )
    assert stored.email == "alex.dupont@example.org"
    assert stored.role == MemberRole.ADMIN
    assert stored.invited_by == sponsor.user
    assert stored.expires_at - stored.created_at == pytest.approx(
        INVITATION_VALIDITY, abs=datetime.timedelta(seconds=5)
    )
    assert stored.status == InvitationStatus.PENDING


def test_two_invitations_have_different_secrets(sponsor):
    assert make_invitation(sponsor).secret != make_invitation(sponsor).secret


def test_the_email_goes_after_commit_in_french_with_a_link_whose_secret_works(
    sponsor, sent, settings
):
    settings.SITE_URL = "https://pass.example.fr/"
    sponsor.user.first_name, sponsor.user.last_name = "Sami", "Lefèvre"
    sponsor.user.save()
    mail.outbox.clear()
    with sent():
        issued = make_invitation(sponsor, email="Nadia@Example.org", role=MemberRole.ADMIN)
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia@example.org"]
    assert "Sami Lefèvre" in message.subject and sponsor.organisation.name in message.subject
    body = message.body
    assert "Sami Lefèvre vous invite à rejoindre" in body
    assert sponsor.organisation.name in body and "Commanditaire" in body
    assert "« Administrateur »" in body
    expires = timezone.localtime(issued.invitation.expires_at)
    assert f"avant le {expires.day} " in body and str(expires.year) in body
    found = LINK.search(body)
    assert found is not None and "//invitation" not in body
    secret = found.group(1)
    assert secret == issued.secret
    user = UserFactory(email="nadia@example.org")
    membership = accept_invitation(secret=secret, user=user)
    assert membership.organisation == sponsor.organisation and membership.role == MemberRole.ADMIN


@pytest.mark.parametrize("kind", list(OrganisationKind))
def test_every_kind_of_organisation_invites_and_the_invited_person_joins(kind):
    admin = make_acting(kind)
    issued = make_invitation(admin, email="joiner@example.org")
    user = UserFactory(email="joiner@example.org")
    membership = accept_invitation(secret=issued.secret, user=user)
    assert membership.organisation == admin.organisation
    assert Membership.objects.filter(user=user).count() == 1


def test_only_an_administrator_of_the_organisation_invites(sponsor):
    plain = member_of(sponsor)
    other_admin = make_acting(OrganisationKind.SPONSOR)
    for actor in (plain.user, other_admin.user):
        with pytest.raises(NotAnAdmin) as refused:
            invite_member(
                actor=actor,
                organisation=sponsor.organisation,
                email="x@example.org",
                role=MemberRole.MEMBER,
            )
        assert refused.value.code == "not_an_admin"
        assert isinstance(refused.value, PermissionDenied)
    assert not Invitation.objects.exists()
    superuser = UserFactory(is_superuser=True)
    issued = invite_member(
        actor=superuser,
        organisation=sponsor.organisation,
        email="x@example.org",
        role=MemberRole.MEMBER,
    )
    assert issued.invitation.organisation == sponsor.organisation


def test_an_address_already_member_is_not_invited_whatever_its_case(sponsor):
    colleague = member_of(sponsor)
    User.objects.filter(pk=colleague.user.pk).update(email="Claire.Morel@example.org")
    with pytest.raises(AlreadyMember) as refused:
        make_invitation(sponsor, email="claire.morel@EXAMPLE.org")
    assert refused.value.code == "already_member"
    assert "claire.morel@example.org" in str(refused.value)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "email",
    [
        "",
        "not-an-address",
        "a@b",
        "x@example.org\nBcc: y@z.fr",
        "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".fr",
    ],
)
def test_an_invalid_address_is_refused(sponsor, email):
    with pytest.raises(InvalidEmail) as refused:
        make_invitation(sponsor, email=email or " ")
    assert refused.value.code == "invalid_email"


def test_an_unknown_role_is_refused(sponsor):
    with pytest.raises(InvalidRole) as refused:
        make_invitation(sponsor, role="owner")  # type: ignore[arg-type]
    assert refused.value.code == "invalid_role"


def test_inviting_a_pending_address_again_replaces_its_invitation(sponsor):
    first = make_invitation(sponsor, email="again@example.org")
    second = make_invitation(sponsor, email="AGAIN@example.org", role=MemberRole.ADMIN)
    old = Invitation.objects.get(pk=first.invitation.pk)
    assert old.revoked_at is not None and old.revoked_by == sponsor.user
    assert (
        Invitation.objects.filter(email="again@example.org", revoked_at__isnull=True).count() == 1
    )
    user = UserFactory(email="again@example.org")
    with pytest.raises(InvitationRevoked):
        accept_invitation(secret=first.secret, user=user)
    assert accept_invitation(secret=second.secret, user=user).role == MemberRole.ADMIN


def test_the_database_allows_one_pending_invitation_per_address_and_organisation(sponsor):
    issued = make_invitation(sponsor, email="once@example.org")
    duplicate = {
        "organisation": sponsor.organisation,
        "email": "once@example.org",
        "expires_at": issued.invitation.expires_at,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(digest="a" * 64, **duplicate)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(digest="b" * 64, **{**duplicate, "email": "Other@example.org"})
    revoke_invitation(actor=sponsor.user, invitation=issued.invitation)
    Invitation.objects.create(digest="c" * 64, **duplicate)  # once revoked, a new one may wait
    other = make_acting(OrganisationKind.HUB)
    Invitation.objects.create(digest="d" * 64, **{**duplicate, "organisation": other.organisation})


# --- Accepting with an account -------------------------------------------------------------------


def test_accepting_creates_exactly_one_membership_with_the_role_and_logs_it(provider):
    issued = make_invitation(provider, email="paul@example.org", role=MemberRole.ADMIN)
    user = UserFactory(email="Paul@Example.org")  # addresses match whatever their case
    membership = accept_invitation(secret=issued.secret, user=user)
    assert Membership.objects.filter(user=user).count() == 1
    assert (membership.organisation, membership.role) == (provider.organisation, MemberRole.ADMIN)
    invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert invitation.status == InvitationStatus.ACCEPTED
    log = MembershipLog.objects.get(organisation=provider.organisation)
    assert (log.action, log.user, log.actor, log.role_after) == (
        MembershipAction.JOINED,
        user,
        user,
        MemberRole.ADMIN,
    )
    with pytest.raises(InvitationAlreadyAccepted) as refused:
        accept_invitation(secret=issued.secret, user=user)
    assert refused.value.code == "invitation_already_accepted"
    assert Membership.objects.filter(user=user).count() == 1


def test_an_invitation_for_another_address_is_refused(provider):
    issued = make_invitation(provider, email="paul@example.org")
    someone_else = UserFactory(email="pierre@example.org")
    with pytest.raises(InvitationForAnotherEmail) as refused:
        accept_invitation(secret=issued.secret, user=someone_else)
    assert refused.value.code == "invitation_wrong_email"
    assert "paul@example.org" in str(refused.value) and "pierre@example.org" in str(refused.value)
    assert not Membership.objects.filter(user=someone_else).exists()
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_at is None


def test_an_expired_invitation_is_refused_with_its_date(provider):
    issued = make_invitation(provider, email="late@example.org")
    expire(issued.invitation)
    user = UserFactory(email="late@example.org")
    with pytest.raises(InvitationExpired) as refused:
        accept_invitation(secret=issued.secret, user=user)
    assert refused.value.code == "invitation_expired"
    assert str(timezone.localtime(timezone.now()).year) in str(refused.value)
    assert refused.value.http_status == 410
    with pytest.raises(InvitationExpired):
        accept_invitation_with_account(
            secret=issued.secret, password=STRONG, first_name="A", last_name="B"
        )
    assert not Membership.objects.filter(user=user).exists()
    assert Invitation.objects.get(pk=issued.invitation.pk).status == InvitationStatus.EXPIRED


def test_a_revoked_invitation_is_refused(provider):
    issued = make_invitation(provider, email="gone@example.org")
    revoked = revoke_invitation(actor=provider.user, invitation=issued.invitation)
    assert revoked.revoked_by == provider.user and revoked.status == InvitationStatus.REVOKED
    with pytest.raises(InvitationRevoked) as refused:
        accept_invitation(secret=issued.secret, user=UserFactory(email="gone@example.org"))
    assert refused.value.code == "invitation_revoked"


@pytest.mark.parametrize("secret", ["", "nope", "x" * 43, "a" * 500])
def test_an_unknown_secret_is_refused(provider, secret):
    make_invitation(provider, email="someone@example.org")
    with pytest.raises(UnknownInvitation) as refused:
        accept_invitation(secret=secret, user=UserFactory(email="someone@example.org"))
    assert refused.value.code == "invitation_unknown" and refused.value.http_status == 404


def test_a_person_who_became_a_member_meanwhile_is_not_added_twice(provider):
    issued = make_invitation(provider, email="twice@example.org")
    user = UserFactory(email="twice@example.org")
    add_member(actor=provider.user, organisation=provider.organisation, user=user)
    with pytest.raises(AlreadyMember):
        accept_invitation(secret=issued.secret, user=user)
    assert Membership.objects.filter(user=user).count() == 1


def test_an_inactive_account_does_not_join(provider):
    issued = make_invitation(provider, email="off@example.org")
    user = UserFactory(email="off@example.org", is_active=False)
    with pytest.raises(PermissionDenied):
        accept_invitation(secret=issued.secret, user=user)


# --- Accepting with a new account ----------------------------------------------------------------


def test_a_new_account_is_created_with_the_invited_address_and_joins(distributor_admin):
    issued = make_invitation(distributor_admin, email="new@example.org", role=MemberRole.ADMIN)
    membership = accept_invitation_with_account(
        secret=issued.secret, password=STRONG, first_name=" Léa ", last_name="Roux"
    )
    user = membership.user
    assert (user.email, user.first_name, user.last_name) == ("new@example.org", "Léa", "Roux")
    assert check_password(STRONG, User.objects.get(pk=user.pk).password)
    assert membership.role == MemberRole.ADMIN
    assert Membership.objects.filter(user=user).count() == 1
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_by == user


@pytest.mark.parametrize("password", ["12345678", "password", "court"])
def test_a_weak_password_creates_nothing(distributor_admin, password):
    issued = make_invitation(distributor_admin, email="weak@example.org")
    with pytest.raises(InvalidPassword) as refused:
        accept_invitation_with_account(
            secret=issued.secret, password=password, first_name="A", last_name="B"
        )
    assert refused.value.code == "invalid_password" and str(refused.value)
    assert not User.objects.filter(email="weak@example.org").exists()
    assert Invitation.objects.get(pk=issued.invitation.pk).status == InvitationStatus.PENDING


def test_names_are_required(distributor_admin):
    issued = make_invitation(distributor_admin, email="anon@example.org")
    with pytest.raises(InvalidInput):
        accept_invitation_with_account(
            secret=issued.secret, password=STRONG, first_name=" ", last_name="B"
        )
    assert not User.objects.filter(email="anon@example.org").exists()


def test_an_existing_account_must_log_in_instead(distributor_admin):
    issued = make_invitation(distributor_admin, email="known@example.org")
    UserFactory(email="Known@example.org")
    with pytest.raises(AccountExists) as refused:
        accept_invitation_with_account(
            secret=issued.secret, password=STRONG, first_name="A", last_name="B"
        )
    assert refused.value.code == "account_exists"
    assert User.objects.filter(email__iexact="known@example.org").count() == 1


def test_account_and_membership_are_created_together_or_not_at_all(distributor_admin, monkeypatch):
    issued = make_invitation(distributor_admin, email="atomic@example.org")

    def broken(**kwargs):
        raise RuntimeError("the log is down")

    monkeypatch.setattr("passnum.accounts.services.invitations.log_membership", broken)
    with pytest.raises(RuntimeError):
        accept_invitation_with_account(
            secret=issued.secret, password=STRONG, first_name="A", last_name="B"
        )
    assert not User.objects.filter(email="atomic@example.org").exists()
    assert Invitation.objects.get(pk=issued.invitation.pk).status == InvitationStatus.PENDING


# --- Revoking ------------------------------------------------------------------------------------


def test_only_an_administrator_of_the_organisation_revokes(sponsor):
    issued = make_invitation(sponsor)
    for actor in (member_of(sponsor).user, make_acting(OrganisationKind.SPONSOR).user):
        with pytest.raises(NotAnAdmin):
            revoke_invitation(actor=actor, invitation=issued.invitation)
    assert Invitation.objects.get(pk=issued.invitation.pk).revoked_at is None


def test_revoking_twice_changes_nothing_and_an_accepted_one_cannot_be_revoked(sponsor):
    first = make_invitation(sponsor)
    once = revoke_invitation(actor=sponsor.user, invitation=first.invitation).revoked_at
    assert revoke_invitation(actor=sponsor.user, invitation=first.invitation).revoked_at == once
    accepted = make_invitation(sponsor, email="in@example.org")
    accept_invitation(secret=accepted.secret, user=UserFactory(email="in@example.org"))
    with pytest.raises(InvitationAlreadyAccepted):
        revoke_invitation(actor=sponsor.user, invitation=accepted.invitation)
    assert Invitation.objects.get(pk=accepted.invitation.pk).revoked_at is None


@pytest.fixture
def distributor_admin(db):
    return make_acting(OrganisationKind.DISTRIBUTOR)


# --- An administrator who goes takes back their invitations ---------------------------------------


def test_a_removed_admin_s_invitations_no_longer_bring_anyone_in(provider):
    other_admin = member_of(provider, role=MemberRole.ADMIN)
    issued = make_invitation(other_admin, email="alt@example.org", role=MemberRole.ADMIN)
    remove_member(actor=provider.user, membership=other_admin.membership)
    issued.invitation.refresh_from_db()
    assert issued.invitation.revoked_at is not None
    assert issued.invitation.revoked_by == provider.user
    with pytest.raises(InvitationRevoked):
        accept_invitation_with_account(
            secret=issued.secret, password=STRONG, first_name="A", last_name="B"
        )
    assert not User.objects.filter(email="alt@example.org").exists()


def test_a_demoted_admin_s_invitations_are_revoked_too(provider):
    other_admin = member_of(provider, role=MemberRole.ADMIN)
    issued = make_invitation(other_admin, email="alt@example.org", role=MemberRole.ADMIN)
    change_member_role(
        actor=provider.user, membership=other_admin.membership, role=MemberRole.MEMBER
    )
    issued.invitation.refresh_from_db()
    assert issued.invitation.revoked_at is not None


def test_accepting_checks_that_the_inviter_is_still_an_admin(provider):
    """Even if the invitation escaped revocation: the rule is checked at acceptance."""
    other_admin = member_of(provider, role=MemberRole.ADMIN)
    issued = make_invitation(other_admin, email="alt@example.org", role=MemberRole.ADMIN)
    Membership.objects.filter(pk=other_admin.membership.pk).update(role=MemberRole.MEMBER)
    with pytest.raises(InvitationRevoked):
        accept_invitation_with_account(
            secret=issued.secret, password=STRONG, first_name="A", last_name="B"
        )
    assert not Membership.objects.filter(user__email="alt@example.org").exists()
