"""A sponsor creates distributor organisations and invites their first administrator, or links
an existing distributor by its SIREN (accounts/services/partners.py)."""

import pytest
from django.core import mail

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.exceptions import (
    AlreadyPartner,
    DistributorExists,
    DistributorHasAdmin,
    InvalidEmail,
    InvalidOrganisation,
    InvitationRevoked,
    NotAnAdmin,
    UnknownDistributor,
    WrongOrganisationKind,
)
from passnum.accounts.models import Membership, Organisation, Partnership
from passnum.accounts.services import accept_invitation_with_account, change_member_role
from passnum.accounts.services.partners import (
    create_distributor,
    invite_distributor_admin,
    link_distributor,
)
from passnum.core.exceptions import NotFound
from passnum.passes.distribution_selectors import distributor_of, distributors_of
from tests.factories import OrganisationFactory, make_acting, make_distributor, valid_siren

pytestmark = pytest.mark.django_db

SIREN = valid_siren(4242)


def siret_of(siren: str) -> str:
    from stdnum import luhn

    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def test_create_a_distributor_and_invite_its_first_administrator(
    sponsor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = create_distributor(
            acting=sponsor,
            name="  CCAS de   Pessac ",
            siren=siret_of(SIREN),
            departement="33",
            admin_email="Directrice@CCAS-Pessac.fr",
        )
    distributor = created.distributor
    assert (distributor.name, distributor.kind, distributor.siren, distributor.departement) == (
        "CCAS de Pessac",
        OrganisationKind.DISTRIBUTOR,
        SIREN,
        "33",
    )
    assert not Membership.objects.filter(organisation=distributor).exists()
    assert created.partnership.sponsor == sponsor.organisation
    invitation = created.invitation.invitation
    assert (invitation.email, invitation.role) == ("directrice@ccas-pessac.fr", MemberRole.ADMIN)
    assert len(mail.outbox) == 1 and "CCAS de Pessac" in mail.outbox[0].subject
    membership = accept_invitation_with_account(
        secret=created.invitation.secret,
        password="un-long-mot-de-passe",
        first_name="Inès",
        last_name="Garcia",
    )
    assert (membership.organisation, membership.role) == (distributor, MemberRole.ADMIN)
    with pytest.raises(DistributorHasAdmin):
        invite_distributor_admin(acting=sponsor, distributor=distributor, email="autre@example.org")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": ""}, InvalidOrganisation),
        ({"name": "x" * 201}, InvalidOrganisation),
        ({"siren": "123456789"}, InvalidOrganisation),
        ({"departement": "99"}, InvalidOrganisation),
        ({"admin_email": "pas-une-adresse"}, InvalidEmail),
    ],
)
def test_nothing_is_created_from_bad_input(sponsor, fields, error):
    values = {"name": "Mairie", "siren": "", "departement": "", "admin_email": "a@example.org"}
    with pytest.raises(error):
        create_distributor(acting=sponsor, **{**values, **fields})
    assert not Organisation.objects.filter(kind=OrganisationKind.DISTRIBUTOR).exists()
    assert not Partnership.objects.exists()


def test_link_an_existing_distributor_by_siren_for_several_sponsors(sponsor):
    existing = OrganisationFactory(kind=OrganisationKind.DISTRIBUTOR, siren=SIREN)
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    assert link_distributor(acting=sponsor, siren=SIREN).distributor == existing
    assert link_distributor(acting=other_sponsor, siren=siret_of(SIREN)).distributor == existing
    with pytest.raises(AlreadyPartner):
        link_distributor(acting=sponsor, siren=SIREN)
    with pytest.raises(UnknownDistributor):
        link_distributor(acting=sponsor, siren=valid_siren(9999))
    with pytest.raises(DistributorExists):  # create instead of link: refused, with the name
        create_distributor(acting=sponsor, name="Doublon", siren=SIREN, admin_email="a@example.org")
    assert Partnership.objects.count() == 2


def test_only_a_sponsor_s_administrators_manage_distributors(sponsor):
    member = make_acting(
        OrganisationKind.SPONSOR, organisation=sponsor.organisation, role=MemberRole.MEMBER
    )
    OrganisationFactory(kind=OrganisationKind.DISTRIBUTOR, siren=SIREN)
    with pytest.raises(NotAnAdmin):
        link_distributor(acting=member, siren=SIREN)
    with pytest.raises(WrongOrganisationKind):
        link_distributor(acting=make_acting(OrganisationKind.DISTRIBUTOR), siren=SIREN)
    assert not Partnership.objects.exists()


def test_a_sponsor_sees_and_invites_only_its_own_distributors(sponsor):
    mine = make_distributor(sponsor)
    other_sponsor = make_acting(OrganisationKind.SPONSOR)
    theirs = make_distributor(other_sponsor)
    assert list(distributors_of(acting=sponsor)) == [mine.organisation]
    with pytest.raises(NotFound):
        distributor_of(acting=sponsor, distributor_id=theirs.organisation.pk)
    with pytest.raises(NotFound):
        invite_distributor_admin(
            acting=sponsor, distributor=theirs.organisation, email="x@example.org"
        )
    with pytest.raises(NotFound):
        distributors_of(acting=mine)


def test_the_invitation_stops_working_when_its_sender_is_no_longer_a_sponsor_admin(sponsor):
    created = create_distributor(
        acting=sponsor, name="Mission locale", admin_email="ml@example.org"
    )
    colleague = make_acting(OrganisationKind.SPONSOR, organisation=sponsor.organisation)
    change_member_role(actor=colleague.user, membership=sponsor.membership, role=MemberRole.MEMBER)
    with pytest.raises(InvitationRevoked):
        accept_invitation_with_account(
            secret=created.invitation.secret,
            password="un-long-mot-de-passe",
            first_name="Luc",
            last_name="Petit",
        )
    # another administrator of the sponsor invites again: it works
    again = invite_distributor_admin(
        acting=colleague, distributor=created.distributor, email="ml@example.org"
    )
    membership = accept_invitation_with_account(
        secret=again.secret, password="un-long-mot-de-passe", first_name="Luc", last_name="Petit"
    )
    assert membership.role == MemberRole.ADMIN
