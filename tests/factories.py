"""Factories for tests. Everything that has a service is built through it, so the ledger, the
logs and the invariants hold for test data exactly as for real data."""

import datetime
import itertools
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import Membership, Organisation, User
from passnum.accounts.selectors import Acting
from passnum.accounts.services import (
    IssuedInvitation,
    create_api_token,
    create_organisation,
    invite_member,
)
from passnum.catalogue.models import Service
from passnum.orders.models import Order
from passnum.orders.services import UsageRules, create_order, record_payment
from passnum.passes.models import Pass
from passnum.passes.services import issue_passes
from passnum.places.enums import PlaceType, QualificationStatus
from passnum.places.models import Place, ServiceOffer
from passnum.places.services import change_place_qualification, create_place, set_service_offer

PASSWORD = "correct-horse-battery-staple"


def valid_siren(n: int) -> str:
    """A SIREN with a right Luhn key, different for each n."""
    from stdnum import luhn

    body = f"{80000000 + n:08d}"
    return body + luhn.calc_check_digit(body)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(password=PASSWORD, **kwargs)


class OrganisationFactory(DjangoModelFactory):
    """`OrganisationFactory(kind=OrganisationKind.PROVIDER)`; traits: provider, operator…"""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.SPONSOR
    siren = factory.Sequence(lambda n: valid_siren(n))

    class Params:
        operator = factory.Trait(kind=OrganisationKind.OPERATOR)
        sponsor = factory.Trait(kind=OrganisationKind.SPONSOR)
        distributor = factory.Trait(kind=OrganisationKind.DISTRIBUTOR)
        provider = factory.Trait(kind=OrganisationKind.PROVIDER)
        hub = factory.Trait(kind=OrganisationKind.HUB)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_organisation(actor=None, **kwargs)


def make_acting(
    kind: OrganisationKind,
    *,
    organisation: Organisation | None = None,
    role: MemberRole = MemberRole.ADMIN,
) -> Acting:
    """A new member (a new user) of `organisation` (a new one of `kind` by default)."""
    organisation = organisation or OrganisationFactory(kind=kind)
    user = UserFactory(is_staff=kind == OrganisationKind.OPERATOR)
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    return Acting(user=user, organisation=organisation, membership=membership)


def api_token_for(acting: Acting) -> str:
    return create_api_token(actor=acting.user, membership=acting.membership, name="tests").clear


class PlaceFactory(DjangoModelFactory):
    """A qualified place in Bordeaux (Gironde, Nouvelle-Aquitaine) unless told otherwise.

    `PlaceFactory(organisation=…, qualification_status=QualificationStatus.SUBMITTED)`.
    """

    class Meta:
        model = Place

    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.PROVIDER)
    name = factory.Sequence(lambda n: f"Espace numérique {n}")
    address = "1 place de la Victoire"
    postcode = "33000"
    commune_name = "Bordeaux"
    commune_code = "33063"
    epci_code = "243300316"
    departement = "33"
    region = "75"
    place_type = PlaceType.EPN
    latitude = Decimal("44.830000")
    longitude = Decimal("-0.570000")
    qualification_status = QualificationStatus.QUALIFIED

    @classmethod
    def _create(
        cls, model_class, *args, qualification_status=QualificationStatus.QUALIFIED, **kwargs
    ):
        organisation = kwargs.pop("organisation")
        member = (
            Membership.objects.filter(organisation=organisation)
            .select_related("user", "organisation")
            .first()
        )
        acting = (
            Acting(user=member.user, organisation=member.organisation, membership=member)
            if member is not None
            else make_acting(organisation.kind, organisation=organisation)
        )
        actor = acting.user
        place = create_place(acting=acting, **kwargs)
        path = {
            QualificationStatus.DRAFT: [],
            QualificationStatus.SUBMITTED: [QualificationStatus.SUBMITTED],
            QualificationStatus.QUALIFIED: [
                QualificationStatus.SUBMITTED,
                QualificationStatus.QUALIFIED,
            ],
            QualificationStatus.SUSPENDED: [
                QualificationStatus.SUBMITTED,
                QualificationStatus.QUALIFIED,
                QualificationStatus.SUSPENDED,
            ],
            QualificationStatus.REJECTED: [
                QualificationStatus.SUBMITTED,
                QualificationStatus.REJECTED,
            ],
        }[qualification_status]
        for status in path:
            place = change_place_qualification(actor=actor, place=place, to_status=status)
        return place


def make_order(
    *,
    sponsor: Acting,
    operator: Acting,
    quantity: int = 10,
    paid: bool = True,
    issued: bool = True,
    rules: UsageRules | None = None,
    booklet_size: int = 10,
    face_value_cents: int | None = None,
    valid_until: datetime.date | None = None,
) -> Order:
    """An order through the real services: created, issued and paid as asked."""
    order = create_order(
        acting=sponsor,
        quantity=quantity,
        booklet_size=booklet_size,
        rules=rules,
        face_value_cents=face_value_cents,
        valid_until=valid_until,
    )
    if issued:
        order = issue_passes(acting=operator, order=order)
    if paid:
        order = record_payment(acting=operator, order=order, amount_cents=order.total_due_cents)
    return order


def make_draft(*, sponsor: Acting, quantity: int = 10, **kwargs) -> Order:
    """A draft order through `create_order(draft=True)` (the sponsor's order form)."""
    return create_order(acting=sponsor, quantity=quantity, draft=True, **kwargs)


def passes_of(order: Order) -> list[Pass]:
    return list(Pass.objects.filter(order=order).order_by("serial"))


def a_service(family: str | None = None) -> Service:
    services = Service.objects.select_related("family").order_by("code")
    if family:
        services = services.filter(family__code=family)
    service = services.first()
    assert service is not None
    return service


def offer(place: Place, *, service: Service | None = None, price_cents: int = 1000) -> ServiceOffer:
    """`place` offers `service` (`a_service()` by default) at `price_cents`, through the service
    a provider uses (an offer of that service already there takes the new price). A place
    redeems passes only for a service it offers, at the price it publishes."""
    member = Membership.objects.filter(organisation_id=place.organisation_id).first()
    assert member is not None, "the place's organisation has no member"
    acting = Acting(user=member.user, organisation=member.organisation, membership=member)
    return set_service_offer(
        acting=acting,
        place=place,
        service=service or a_service(),
        price_cents=price_cents,
        passes_needed=max(1, min(50, -(-price_cents // 1000))),
        duration_minutes=60,
    )


_invitation_numbers = itertools.count(1)


def make_invitation(
    admin: Acting, *, email: str | None = None, role: MemberRole = MemberRole.MEMBER
) -> IssuedInvitation:
    """An invitation sent by `admin` (an administrator) through the service: (invitation,
    secret). The e-mail goes after commit (use django_capture_on_commit_callbacks to send it)."""
    return invite_member(
        actor=admin.user,
        organisation=admin.organisation,
        email=email or f"invited{next(_invitation_numbers)}@example.org",
        role=role,
    )


def make_distributor(sponsor: Acting) -> Acting:
    """A distributor organisation working for `sponsor` (a Partnership), with an administrator."""
    from passnum.accounts.models import Partnership

    distributor = make_acting(OrganisationKind.DISTRIBUTOR)
    Partnership.objects.create(
        sponsor=sponsor.organisation, distributor=distributor.organisation, created_by=sponsor.user
    )
    return distributor


def give_bank_details(
    provider: Acting,
    *,
    validated_by: Acting | None = None,
    iban: str = "FR7630006000011234567890189",
    bic: str = "",
    holder: str = "",
):
    """The provider's qualification file with bank details, through the services; validated by
    operator staff when `validated_by` is given."""
    from passnum.places.services.files import open_file, set_bank_details
    from passnum.places.services.review import validate_bank_details

    file = open_file(acting=provider)
    file = set_bank_details(
        acting=provider, file=file, holder=holder or provider.organisation.name, iban=iban, bic=bic
    )
    if validated_by is not None:
        file = validate_bank_details(acting=validated_by, file=file)
    return file


def make_badge(provider: Acting, redemption, *, competence=None, holder_name: str = ""):
    """A badge awarded by `provider` at its `redemption`, through the service, for `competence`
    (the first competence of the service rendered by default)."""
    from passnum.badges.services import award_badge

    competence = competence or redemption.service.competences.order_by("code").first()
    return award_badge(
        acting=provider, redemption=redemption, competence=competence, holder_name=holder_name
    )
