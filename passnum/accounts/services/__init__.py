"""Writes of the accounts app: users and organisations (organisations.py), API tokens
(tokens.py), members' roles and removal (members.py), invitations by e-mail (invitations.py)."""

from passnum.accounts.services.invitations import (
    INVITATION_VALIDITY,
    IssuedInvitation,
    accept_invitation,
    accept_invitation_with_account,
    check_invitation_usable,
    invite_member,
    normalise_email,
    revoke_invitation,
)
from passnum.accounts.services.members import add_member, change_member_role, remove_member
from passnum.accounts.services.organisations import (
    create_organisation,
    create_organisations,
    create_user,
    require_admin,
    update_organisation_address,
)
from passnum.accounts.services.tokens import (
    TOKEN_PREFIX,
    IssuedToken,
    create_api_token,
    digest_token,
    revoke_api_token,
)

__all__ = [
    "INVITATION_VALIDITY",
    "TOKEN_PREFIX",
    "IssuedInvitation",
    "IssuedToken",
    "accept_invitation",
    "accept_invitation_with_account",
    "add_member",
    "change_member_role",
    "check_invitation_usable",
    "create_api_token",
    "create_organisation",
    "create_organisations",
    "create_user",
    "digest_token",
    "invite_member",
    "normalise_email",
    "remove_member",
    "require_admin",
    "revoke_api_token",
    "revoke_invitation",
    "update_organisation_address",
]
