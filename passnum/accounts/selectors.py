from dataclasses import dataclass

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import InvalidToken, NotAMember, WrongOrganisationKind
from passnum.accounts.models import ApiToken, Membership, Organisation, User
from passnum.accounts.services import TOKEN_PREFIX, digest_token
from passnum.core.exceptions import NotFound


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


def acting_from_token(clear: str) -> Acting:
    if not clear.startswith(TOKEN_PREFIX):
        raise InvalidToken()
    token = (
        ApiToken.objects.select_related(
            "membership", "membership__user", "membership__organisation"
        )
        .filter(digest=digest_token(clear), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.user.is_active:
        raise InvalidToken()
    membership = token.membership
    return Acting(user=membership.user, organisation=membership.organisation, membership=membership)


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
