"""Sponsors and the distributor organisations that hand out their booklets (SPEC §3.4).

A sponsor's administrator either creates a distributor organisation (a social service, a town
hall…) and invites its first administrator by e-mail, or links a distributor already on passnum
by its SIREN. Either way a `Partnership` records that the distributor works for the sponsor; a
distributor may work for several sponsors. Once the distributor has its own administrator, it
manages its members itself (the sponsor no longer invites anyone into it).
"""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.exceptions import (
    AlreadyPartner,
    AmbiguousDistributor,
    DistributorExists,
    DistributorHasAdmin,
    InvalidOrganisation,
    UnknownDistributor,
)
from passnum.accounts.models import Invitation, Membership, Organisation, Partnership
from passnum.accounts.selectors import Acting
from passnum.accounts.services.invitations import IssuedInvitation, issue_invitation
from passnum.accounts.services.organisations import create_organisation, require_admin
from passnum.core.exceptions import NotFound
from passnum.core.text import has_forbidden_characters

NAME_MAX_LENGTH = 200


@dataclass(frozen=True)
class NewDistributor:
    """The organisation created, its link to the sponsor, and the invitation of its first
    administrator (whose secret belongs in the e-mail only)."""

    distributor: Organisation
    partnership: Partnership
    invitation: IssuedInvitation


def clean_siren(value: str) -> str:
    """A SIREN, or a SIRET (its first 9 digits are the SIREN), checked; "" stays ""."""
    compact = re.sub(r"\s", "", value or "")
    if not compact:
        return ""
    if len(compact) == 14 and stdnum_siret.is_valid(compact):
        return compact[:9]
    if len(compact) == 9 and stdnum_siren.is_valid(compact) and compact != "000000000":
        return compact
    raise InvalidOrganisation(
        _("SIREN (9 chiffres) ou SIRET (14 chiffres) invalide : %(value)s."), value=value
    )


def create_distributor(
    *, acting: Acting, name: str, siren: str = "", departement: str = "", admin_email: str
) -> NewDistributor:
    """Create a distributor organisation working for the acting sponsor and invite its first
    administrator (`admin_email`); `siren` may be a SIRET. All or nothing."""
    _require_sponsor_admin(acting)
    name = _clean_name(name)
    siren = clean_siren(siren)
    departement = _clean_departement(departement)
    if siren:
        existing = _distributors_with(siren).first()
        if existing is not None:
            raise DistributorExists(siren=siren, name=existing.name)
    with transaction.atomic():
        distributor = create_organisation(
            actor=None,  # no member: its first administrator joins through the invitation
            name=name,
            kind=OrganisationKind.DISTRIBUTOR,
            siren=siren,
            departement=departement,
        )
        partnership = Partnership.objects.create(
            sponsor=acting.organisation, distributor=distributor, created_by=acting.user
        )
        invitation = issue_invitation(
            actor=acting.user, organisation=distributor, email=admin_email, role=MemberRole.ADMIN
        )
    return NewDistributor(distributor=distributor, partnership=partnership, invitation=invitation)


def link_distributor(*, acting: Acting, siren: str) -> Partnership:
    """Link the distributor registered with this SIREN (or SIRET) to the acting sponsor."""
    _require_sponsor_admin(acting)
    cleaned = clean_siren(siren)
    if not cleaned:
        raise InvalidOrganisation(_("Indiquez le SIREN du distributeur."))
    candidates = list(_distributors_with(cleaned)[:2])
    if not candidates:
        raise UnknownDistributor(siren=cleaned)
    if len(candidates) > 1:
        raise AmbiguousDistributor(siren=cleaned)
    distributor = candidates[0]
    try:
        with transaction.atomic():
            return Partnership.objects.create(
                sponsor=acting.organisation, distributor=distributor, created_by=acting.user
            )
    except IntegrityError as exc:
        raise AlreadyPartner(name=distributor.name) from exc


def invite_distributor_admin(
    *, acting: Acting, distributor: Organisation, email: str
) -> IssuedInvitation:
    """Invite (again) the first administrator of a distributor the acting sponsor works with,
    as long as it has none: an address invited before gets a new link, the old one stops."""
    _require_sponsor_admin(acting)
    if not Partnership.objects.filter(
        sponsor=acting.organisation, distributor=distributor
    ).exists():
        raise NotFound()
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=distributor.pk).first()
        if _has_admin(distributor.pk):
            raise DistributorHasAdmin(name=distributor.name)
        return issue_invitation(
            actor=acting.user, organisation=distributor, email=email, role=MemberRole.ADMIN
        )


def sent_by_a_partner_admin(invitation: Invitation) -> bool:
    """For accepting an invitation: it invites an administrator and was sent by an
    administrator of a sponsor the organisation still distributes for."""
    if invitation.role != MemberRole.ADMIN or invitation.invited_by_id is None:
        return False
    sponsors = Partnership.objects.filter(distributor_id=invitation.organisation_id).values(
        "sponsor_id"
    )
    return Membership.objects.filter(
        user_id=invitation.invited_by_id, role=MemberRole.ADMIN, organisation_id__in=sponsors
    ).exists()


def _require_sponsor_admin(acting: Acting) -> None:
    acting.require_kind(OrganisationKind.SPONSOR)
    require_admin(actor=acting.user, organisation=acting.organisation)


def _distributors_with(siren: str):
    return Organisation.objects.filter(kind=OrganisationKind.DISTRIBUTOR, siren=siren).order_by(
        "pk"
    )


def _has_admin(organisation_id: int) -> bool:
    return Membership.objects.filter(
        organisation_id=organisation_id, role=MemberRole.ADMIN
    ).exists()


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > NAME_MAX_LENGTH or has_forbidden_characters(cleaned):
        raise InvalidOrganisation(_("Indiquez le nom du distributeur (200 caractères au plus)."))
    return cleaned


def _clean_departement(code: str) -> str:
    from passnum.geography.models import Departement

    cleaned = (code or "").strip().upper()
    if not cleaned:
        return ""
    if len(cleaned) == 1 and cleaned.isdigit():
        cleaned = "0" + cleaned
    if not Departement.objects.filter(code=cleaned).exists():
        raise InvalidOrganisation(_("Département inconnu : %(value)s."), value=code)
    return cleaned
