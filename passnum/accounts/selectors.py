import functools
from dataclasses import dataclass

from django.db import router

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import (
    InvalidToken,
    NotAMember,
    UnknownInvitation,
    WrongOrganisationKind,
)
from passnum.accounts.models import ApiToken, Invitation, Membership, Organisation, User
from passnum.accounts.services import TOKEN_PREFIX, digest_token
from passnum.core.exceptions import NotFound
from passnum.core.rows import Columns, prepared_cursor


@dataclass(frozen=True)
class Acting:
    """Who is acting: a user, as one organisation. Every scoped read and write receives one."""

    user: User
    organisation: Organisation
    membership: Membership

    @property
    def kind(self) -> str:
        return self.organisation.kind

    def require_kind(self, *kinds: OrganisationKind) -> None:
        if self.organisation.kind not in kinds:
            raise WrongOrganisationKind()


# The API authenticates every request with a token: hand-written SQL (core.rows) of the fields
# an Acting needs; the others load on access.
_MEMBERSHIP = Columns(Membership, ["id", "role", "user", "organisation"], "m")
_USER = Columns(
    User, ["id", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser"], "u"
)
_ORGANISATION = Columns(Organisation, ["id", "name", "kind", "siren", "departement"], "o")


@functools.cache
def _acting_by_digest_sql(db: str) -> str:
    return (
        f"SELECT {_MEMBERSHIP.sql(db)}, {_USER.sql(db)}, {_ORGANISATION.sql(db)} "  # noqa: S608
        f"FROM {ApiToken._meta.db_table} t "
        f"JOIN {Membership._meta.db_table} m ON m.id = t.membership_id "
        f"JOIN {User._meta.db_table} u ON u.id = m.user_id "
        f"JOIN {Organisation._meta.db_table} o ON o.id = m.organisation_id "
        "WHERE t.digest = %s AND t.revoked_at IS NULL"
    )


def acting_from_token(clear: str) -> Acting:
    """Who a bearer token acts as; InvalidToken if unknown, revoked or its user inactive."""
    if not clear.startswith(TOKEN_PREFIX):
        raise InvalidToken()
    db = router.db_for_read(ApiToken)
    with prepared_cursor(db) as cursor:
        cursor.execute(_acting_by_digest_sql(db), [digest_token(clear)])
        row = cursor.fetchone()
    if row is None:
        raise InvalidToken()
    split_user, split_org = len(_MEMBERSHIP), len(_MEMBERSHIP) + len(_USER)
    membership = _MEMBERSHIP.build(db, row[:split_user])
    user = _USER.build(db, row[split_user:split_org])
    if not user.is_active:
        raise InvalidToken()
    organisation = _ORGANISATION.build(db, row[split_org:])
    membership.user = user
    membership.organisation = organisation
    return Acting(user=user, organisation=organisation, membership=membership)


def acting_for(*, user: User, organisation_id: int) -> Acting:
    membership = (
        Membership.objects.select_related("organisation", "user")
        .filter(user=user, organisation_id=organisation_id)
        .first()
    )
    if membership is None:
        raise NotAMember()
    return Acting(user=user, organisation=membership.organisation, membership=membership)


def memberships_of(*, user: User) -> list[Membership]:
    return list(
        Membership.objects.select_related("organisation")
        .filter(user=user)
        .order_by("organisation__name")
    )


def tokens_of(*, acting: Acting) -> list[ApiToken]:
    """The acting member's own tokens (newest first)."""
    return list(ApiToken.objects.filter(membership=acting.membership).order_by("-created_at"))


def token_of(*, acting: Acting, token_id: int) -> ApiToken:
    token = (
        ApiToken.objects.select_related("membership__organisation")
        .filter(pk=token_id, membership=acting.membership)
        .first()
    )
    if token is None:
        raise NotFound()
    return token


# --- Members and invitations of the acting organisation ------------------------------------------


def members_of(*, acting: Acting) -> list[Membership]:
    """The acting organisation's members, by name."""
    return list(
        Membership.objects.select_related("user")
        .filter(organisation=acting.organisation)
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def membership_of(*, acting: Acting, membership_id: int) -> Membership:
    """A membership of the acting organisation; NotFound for any other."""
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=membership_id, organisation=acting.organisation)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def invitations_of(*, acting: Acting) -> list[Invitation]:
    """The acting organisation's invitations neither accepted nor revoked (expired ones
    included: inviting the address again replaces them), newest first."""
    return list(
        Invitation.objects.select_related("invited_by")
        .filter(organisation=acting.organisation, accepted_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at", "-pk")
    )


def invitation_of(*, acting: Acting, invitation_id: int) -> Invitation:
    """An invitation of the acting organisation; NotFound for any other."""
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(pk=invitation_id, organisation=acting.organisation)
        .first()
    )
    if invitation is None:
        raise NotFound()
    return invitation


def invitation_by_secret(secret: str) -> Invitation:
    """The invitation a link's secret opens, in whatever state; UnknownInvitation if none. The
    secret is the only credential: nothing else is looked at."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(digest=digest_token(secret))
        .first()
    )
    if invitation is None:
        raise UnknownInvitation()
    return invitation
