import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import ApiToken, Membership, Organisation, User
from passnum.core.exceptions import PermissionDenied

TOKEN_PREFIX = "pn_"  # noqa: S105 (a prefix, not a secret)


def digest_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> User:
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            is_staff=is_staff,
        )
    return user


def create_organisation(
    *,
    actor: User | None,
    name: str,
    kind: OrganisationKind,
    siren: str = "",
    departement: str = "",
    territory: list[str] | None = None,
    admin: User | None = None,
) -> Organisation:
    """Create an organisation; `admin` (default: the actor) becomes its first administrator.

    `actor` is None only for self-registration and the bootstrap commands.
    """
    from passnum.ledger.services import open_organisation_accounts

    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name,
            kind=kind,
            siren=siren,
            departement=departement,
            territory=sorted(set(territory or [])),
        )
        first_admin = admin or actor
        if first_admin is not None:
            Membership.objects.create(
                user=first_admin, organisation=organisation, role=MemberRole.ADMIN
            )
        open_organisation_accounts(organisation=organisation)
    return organisation


def add_member(
    *, actor: User, organisation: Organisation, user: User, role: MemberRole = MemberRole.MEMBER
) -> Membership:
    _require_admin(actor=actor, organisation=organisation)
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
    return membership


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    clear: str


def create_api_token(*, actor: User, membership: Membership, name: str) -> IssuedToken:
    """A member creates a token for themselves (or an admin of the organisation for a member)."""
    if membership.user_id != actor.pk:
        _require_admin(actor=actor, organisation=membership.organisation)
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            membership=membership, name=name, prefix=clear[:10], digest=digest_token(clear)
        )
    return IssuedToken(token=token, clear=clear)


def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    if token.membership.user_id != actor.pk:
        _require_admin(actor=actor, organisation=token.membership.organisation)
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    token.refresh_from_db()
    return token


def _require_admin(*, actor: User, organisation: Organisation) -> None:
    if actor.is_superuser:
        return
    if not Membership.objects.filter(
        user=actor, organisation=organisation, role=MemberRole.ADMIN
    ).exists():
        raise PermissionDenied()
