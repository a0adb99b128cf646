"""Accounts: hashed and revocable API tokens, who may revoke them, argon2 passwords."""

import hashlib

import pytest
from django.contrib.auth.hashers import check_password

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.exceptions import InvalidToken
from passnum.accounts.models import ApiToken
from passnum.accounts.selectors import acting_from_token
from passnum.accounts.services import create_api_token, revoke_api_token
from passnum.core.exceptions import PermissionDenied
from tests.factories import PASSWORD, UserFactory, make_acting


def token_of(acting):
    return create_api_token(actor=acting.user, membership=acting.membership, name="caisse")


def colleague(acting, role=MemberRole.MEMBER):
    return make_acting(acting.organisation.kind, organisation=acting.organisation, role=role)


def test_tokens_are_stored_as_a_digest_only(provider):
    issued = token_of(provider)
    assert issued.clear.startswith("pn_") and len(issued.clear) > 40
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.digest != issued.clear
    assert stored.digest == hashlib.sha256(issued.clear.encode()).hexdigest()
    assert stored.prefix == issued.clear[:10]
    assert not ApiToken.objects.filter(digest=issued.clear).exists()
    assert issued.clear[10:] not in stored.prefix + stored.digest + stored.name


def test_a_token_acts_as_its_member_and_organisation(provider):
    acting = acting_from_token(token_of(provider).clear)
    assert acting.user == provider.user
    assert acting.organisation == provider.organisation
    assert acting.membership == provider.membership


def test_two_tokens_differ(provider):
    assert token_of(provider).clear != token_of(provider).clear


@pytest.mark.parametrize("clear", ["", "pn_", "pn_not-a-real-token", "Bearer pn_x", "abc"])
def test_unknown_tokens_do_not_authenticate(db, clear):
    with pytest.raises(InvalidToken):
        acting_from_token(clear)


def test_a_revoked_token_no_longer_authenticates(provider):
    issued, kept = token_of(provider), token_of(provider)
    revoked = revoke_api_token(actor=provider.user, token=issued.token)
    assert revoked.revoked_at is not None
    with pytest.raises(InvalidToken):
        acting_from_token(issued.clear)
    assert acting_from_token(kept.clear).user == provider.user


def test_an_inactive_users_token_does_not_authenticate(provider):
    issued = token_of(provider)
    provider.user.is_active = False
    provider.user.save(update_fields=["is_active"])
    with pytest.raises(InvalidToken):
        acting_from_token(issued.clear)


def test_a_member_cannot_revoke_a_colleagues_token(provider):
    member = colleague(provider)
    issued = token_of(provider)
    with pytest.raises(PermissionDenied):
        revoke_api_token(actor=member.user, token=issued.token)
    assert acting_from_token(issued.clear).user == provider.user


def test_an_admin_revokes_a_members_token(provider):
    member = colleague(provider)
    issued = token_of(member)
    revoke_api_token(actor=provider.user, token=issued.token)
    with pytest.raises(InvalidToken):
        acting_from_token(issued.clear)


def test_an_admin_of_another_organisation_cannot_revoke(provider):
    issued = token_of(provider)
    stranger = make_acting(OrganisationKind.PROVIDER, role=MemberRole.ADMIN)
    with pytest.raises(PermissionDenied):
        revoke_api_token(actor=stranger.user, token=issued.token)
    assert acting_from_token(issued.clear).user == provider.user


def test_a_member_cannot_create_a_token_for_a_colleague(provider):
    member = colleague(provider)
    with pytest.raises(PermissionDenied):
        create_api_token(actor=member.user, membership=provider.membership, name="x")
    issued = create_api_token(actor=provider.user, membership=member.membership, name="x")
    assert acting_from_token(issued.clear).user == member.user


@pytest.mark.real_password_hashing
def test_passwords_are_hashed_with_argon2(db):
    user = UserFactory()
    assert user.password.startswith("argon2")
    assert PASSWORD not in user.password
    assert check_password(PASSWORD, user.password)
    assert not check_password("wrong-password", user.password)
