"""Users, organisations, and the rule every member-management write starts with: the actor is an
administrator of the organisation (or a superuser)."""

from collections.abc import Mapping

from django.db import transaction

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.exceptions import NotAnAdmin
from passnum.accounts.models import Membership, Organisation, User


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


def create_organisations(
    *, actor: User | None, kind: OrganisationKind, names: Mapping[str, str]
) -> dict[str, Organisation]:
    """Many organisations without members at once, by SIREN (→ name): one insert, and their
    ledger accounts in one more. For the national-standard import, which may create thousands;
    `actor` is the operator staff member who imports."""
    from passnum.ledger.services import open_organisations_accounts

    with transaction.atomic():
        created = Organisation.objects.bulk_create(
            [Organisation(name=name, kind=kind, siren=siren) for siren, name in names.items()]
        )
        open_organisations_accounts(organisations=created)
    return {organisation.siren: organisation for organisation in created}


def require_admin(*, actor: User, organisation: Organisation) -> None:
    """NotAnAdmin (a PermissionDenied) unless the actor administers the organisation."""
    if actor.is_superuser:
        return
    if not Membership.objects.filter(
        user=actor, organisation=organisation, role=MemberRole.ADMIN
    ).exists():
        raise NotAnAdmin()
