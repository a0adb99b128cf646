"""API tokens: 256 random bits, shown once, stored as a SHA-256 digest."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from passnum.accounts.models import ApiToken, Membership, User
from passnum.accounts.services.organisations import require_admin

TOKEN_PREFIX = "pn_"  # noqa: S105 (a prefix, not a secret)


def digest_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    clear: str


def create_api_token(*, actor: User, membership: Membership, name: str) -> IssuedToken:
    """A member creates a token for themselves (or an admin of the organisation for a member)."""
    if membership.user_id != actor.pk:
        require_admin(actor=actor, organisation=membership.organisation)
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            membership=membership, name=name, prefix=clear[:10], digest=digest_token(clear)
        )
    return IssuedToken(token=token, clear=clear)


def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    if token.membership.user_id != actor.pk:
        require_admin(actor=actor, organisation=token.membership.organisation)
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    token.refresh_from_db()
    return token
