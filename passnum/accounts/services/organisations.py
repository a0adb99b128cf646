"""Users, organisations, and the rule every member-management write starts with: the actor is an
administrator of the organisation (or a superuser)."""

import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.exceptions import NotAnAdmin
from passnum.accounts.models import Membership, Organisation, User
from passnum.core.exceptions import InvalidInput
from passnum.core.text import has_forbidden_characters


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


POSTCODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def update_organisation_address(
    *, actor: User, organisation: Organisation, address: str, postcode: str, city: str
) -> Organisation:
    """An administrator sets the organisation's postal address (printed on the invoices and
    credit notes issued to it from then on; those already issued keep theirs). All three or
    none; `InvalidInput` names the first field at fault."""
    require_admin(actor=actor, organisation=organisation)
    address, postcode, city = address.strip(), postcode.strip().replace(" ", ""), city.strip()
    if any(has_forbidden_characters(value) for value in (address, postcode, city)):
        raise InvalidInput(_("L'adresse contient un caractère de contrôle : retirez-le."))
    if any((address, postcode, city)):
        if not address:
            raise _refused("address", _("Indiquez le numéro et la voie."))
        if not POSTCODE.match(postcode):
            raise _refused("postcode", _("Le code postal compte 5 chiffres, par exemple 33000."))
        if not city:
            raise _refused("city", _("Indiquez la commune."))
    limits = {"address": 200, "city": 100}
    for name, value in (("address", address), ("city", city)):
        if len(value) > limits[name]:
            raise _refused(name, _("%(count)s caractères au plus.") % {"count": limits[name]})
    with transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(
            address=address, postcode=postcode, city=city
        )
    organisation.address, organisation.postcode, organisation.city = address, postcode, city
    return organisation


def _refused(field: str, message: Any) -> InvalidInput:
    """The error for one field of a form (`details[0].field` names it)."""
    return InvalidInput(
        message, details=[{"code": "invalid_input", "field": field, "message": str(message)}]
    )
