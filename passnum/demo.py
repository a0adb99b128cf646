"""The demo world: one organisation of each kind, two qualified places, paid and unpaid orders."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import ApiToken, Invitation, Membership, Organisation, User
from passnum.accounts.selectors import Acting
from passnum.accounts.services import create_organisation, digest_token, invite_member
from passnum.catalogue.models import Service
from passnum.orders.models import Order
from passnum.orders.services import UsageRules, create_order, record_payment
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.services import issue_passes
from passnum.places.eligibility import CURRENT_GRID, CURRENT_TERMS_VERSION
from passnum.places.enums import (
    AccessMode,
    DocumentKind,
    FileStatus,
    PlaceType,
    Public,
    QualificationStatus,
    SupportMode,
)
from passnum.places.models import Place, ServiceOffer
from passnum.places.services import (
    accept_terms,
    add_document,
    answer_eligibility,
    create_place,
    open_file,
    review_file,
    set_bank_details,
    set_service_offer,
    submit_file,
    submit_place,
    update_file_identity,
    update_legal_representative,
    validate_bank_details,
)
from passnum.redemptions.services import redeem_passes

DEMO_PASSWORD = "demo-passnum-2026"  # noqa: S105 (demo only, refused when DEBUG is false)
DEMO_PROVIDER_TOKEN = "pn_demo-lieu-mediation-bordeaux-0000000000"  # noqa: S105


@dataclass
class DemoWorld:
    logins: list[tuple[str, str]]
    provider_token: str
    sample_codes: list[str]


PEOPLE = [
    (
        "operateur@demo.passnum.fr",
        "Olivia",
        "Opératrice",
        OrganisationKind.OPERATOR,
        "Opérateur passnum (démo)",
        "Opérateur — back-office",
    ),
    (
        "commanditaire@demo.passnum.fr",
        "Sami",
        "Commanditaire",
        OrganisationKind.SPONSOR,
        "Département de la Gironde (démo)",
        "Commanditaire",
    ),
    (
        "distributeur@demo.passnum.fr",
        "Diane",
        "Distributrice",
        OrganisationKind.DISTRIBUTOR,
        "CCAS de Bordeaux (démo)",
        "Distributeur",
    ),
    (
        "lieu@demo.passnum.fr",
        "Paul",
        "Médiateur",
        OrganisationKind.PROVIDER,
        "Médiation numérique Bordeaux (démo)",
        "Lieu de médiation",
    ),
    (
        "hub@demo.passnum.fr",
        "Hélène",
        "Hub",
        OrganisationKind.HUB,
        "Hub Nouvelle-Aquitaine (démo)",
        "Hub territorial",
    ),
]


def build_demo() -> DemoWorld:
    organisations: dict[str, Organisation] = {}
    users: dict[str, User] = {}
    for email, first, last, kind, org_name, _role in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=kind == OrganisationKind.OPERATOR,
                is_superuser=kind == OrganisationKind.OPERATOR,
            )
        organisation = Organisation.objects.filter(name=org_name).first()
        if organisation is None:
            organisation = create_organisation(
                actor=user,
                name=org_name,
                kind=kind,
                departement="33",
                siren="732829320" if kind == OrganisationKind.PROVIDER else "",
                territory=["24", "33", "40", "47", "64"] if kind == OrganisationKind.HUB else [],
            )
        users[kind] = user
        organisations[kind] = organisation
    operator = _acting(users, organisations, OrganisationKind.OPERATOR)
    sponsor = _acting(users, organisations, OrganisationKind.SPONSOR)
    provider = _acting(users, organisations, OrganisationKind.PROVIDER)
    places = _places(provider=provider, operator=operator)
    _token(provider)
    _invitation(sponsor)
    with transaction.atomic():
        if not Order.objects.filter(sponsor=sponsor.organisation).exists():
            paid = create_order(acting=sponsor, quantity=200, label="Campagne d'hiver — Bordeaux")
            issue_passes(acting=operator, order=paid)
            record_payment(
                acting=operator,
                order=paid,
                amount_cents=paid.total_due_cents,
                reference="Mandat 2026-0042",
            )
            unpaid = create_order(
                acting=sponsor,
                quantity=100,
                label="Jeunes 16-25 ans — Gironde",
                rules=UsageRules(departements=["33"], target_publics=["young_16_25"]),
            )
            issue_passes(acting=operator, order=unpaid)
            spent = list(Pass.objects.filter(order=paid).order_by("serial")[:2])
            # A service the place offers, at its published price (15 €: two passes of 10 €).
            offered = (
                ServiceOffer.objects.select_related("service")
                .filter(place=places[0], service__family__code="demarches")
                .get()
            )
            redeem_passes(
                acting=provider,
                place=places[0],
                service=offered.service,
                price_cents=offered.price_cents,
                codes=[item.code for item in spent],
            )
    samples = Pass.objects.filter(
        order__sponsor=sponsor.organisation, status=PassStatus.ACTIVE
    ).order_by("serial")[:3]
    return DemoWorld(
        logins=[(email, role) for email, *_rest, role in PEOPLE],
        provider_token=DEMO_PROVIDER_TOKEN,
        sample_codes=[pass_codes.display(item.code) for item in samples],
    )


def _acting(users, organisations, kind) -> Acting:
    membership = Membership.objects.get(user=users[kind], organisation=organisations[kind])
    return Acting(user=users[kind], organisation=organisations[kind], membership=membership)


def _places(*, provider: Acting, operator: Acting) -> list[Place]:
    """The provider's two places, qualified through a complete file (every step, then review)."""
    wanted = [
        (
            "EPN Bordeaux Bastide",
            "12 rue de la Benauge",
            "33100",
            "Bordeaux",
            "33063",
            PlaceType.EPN,
            Decimal("44.840000"),
            Decimal("-0.555000"),
        ),
        (
            "Fablab de Mérignac",
            "5 avenue de l'Yser",
            "33700",
            "Mérignac",
            "33281",
            PlaceType.FABLAB,
            Decimal("44.842000"),
            Decimal("-0.645000"),
        ),
    ]
    for name, address, postcode, commune, insee, kind, lat, lon in wanted:
        if Place.objects.filter(organisation=provider.organisation, name=name).exists():
            continue
        place = create_place(
            acting=provider,
            name=name,
            address=address,
            postcode=postcode,
            commune_name=commune,
            commune_code=insee,
            epci_code="243300316",
            departement="33",
            region="75",
            place_type=kind,
            latitude=lat,
            longitude=lon,
            phone="05 56 00 00 00",
            opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
            presentation="Accueil de tous les publics pour apprendre le numérique pas à pas.",
            publics=[Public.SENIORS, Public.YOUNG],
            access_modes=[AccessMode.WALK_IN, AccessMode.PHONE],
            support_modes=[SupportMode.INDIVIDUAL, SupportMode.WORKSHOP],
        )
        for family, price in (("messagerie", 1000), ("demarches", 1500), ("smartphone", 1000)):
            service = Service.objects.filter(family__code=family).order_by("code").first()
            if service is not None:
                set_service_offer(
                    acting=provider,
                    place=place,
                    service=service,
                    price_cents=price,
                    passes_needed=(price + 999) // 1000,
                    duration_minutes=60,
                )
    file = open_file(acting=provider)
    if file.status == FileStatus.DRAFT:
        _complete_file(provider, file)
        file = submit_file(acting=provider, file=file)
        file = review_file(
            acting=operator,
            file=file,
            to_status=FileStatus.QUALIFIED,
            reason="Dossier complet (démo)",
        )
        validate_bank_details(acting=operator, file=file)
    qualified = list(
        Place.objects.filter(
            organisation=provider.organisation, qualification_status=QualificationStatus.QUALIFIED
        ).order_by("pk")
    )
    _place_added_later(provider)
    return qualified


def _place_added_later(provider: Acting) -> None:
    """A third place, added once the structure is qualified and submitted alone: it waits in
    the review queue (/examen/) of the operator and of the hub."""
    name = "Médiathèque de Pessac"
    if Place.objects.filter(organisation=provider.organisation, name=name).exists():
        return
    place = create_place(
        acting=provider,
        name=name,
        address="21 rue de Camponac",
        postcode="33600",
        commune_name="Pessac",
        commune_code="33318",
        epci_code="243300316",
        departement="33",
        region="75",
        place_type=PlaceType.LIBRARY,
        latitude=Decimal("44.806000"),
        longitude=Decimal("-0.631000"),
        phone="05 57 00 00 00",
        opening_hours="Tu-Sa 10:00-18:00",
        presentation="Ateliers numériques à la médiathèque, sur rendez-vous ou en accès libre.",
        publics=[Public.SENIORS, Public.FAMILIES],
        access_modes=[AccessMode.WALK_IN, AccessMode.ONLINE_BOOKING],
        support_modes=[SupportMode.WORKSHOP],
    )
    service = Service.objects.filter(family__code="messagerie").order_by("code").first()
    if service is not None:
        set_service_offer(
            acting=provider,
            place=place,
            service=service,
            price_cents=1000,
            passes_needed=1,
            duration_minutes=90,
        )
    submit_place(acting=provider, place=place)


def _complete_file(provider: Acting, file) -> None:
    update_file_identity(
        acting=provider,
        file=file,
        siret="73282932000074",
        legal_form="Association loi 1901",
        website="https://example.org",
        description="Association de médiation numérique (démo).",
        billing_address="12 rue de la Benauge, 33100 Bordeaux",
    )
    update_legal_representative(
        acting=provider,
        file=file,
        first_name="Aïcha",
        last_name="Benali",
        email="presidente@demo.passnum.fr",
        role="Présidente",
    )
    answer_eligibility(
        acting=provider,
        file=file,
        answers={
            q.code: max(q.options, key=lambda o: o.points).code for q in CURRENT_GRID.questions
        },
    )
    accept_terms(acting=provider, file=file, version=CURRENT_TERMS_VERSION)
    set_bank_details(
        acting=provider,
        file=file,
        holder="Médiation numérique Bordeaux",
        iban="FR7630006000011234567890189",
    )
    for kind, name in (
        (DocumentKind.REGISTRATION, "avis-insee.pdf"),
        (DocumentKind.BANK, "rib.pdf"),
    ):
        add_document(
            acting=provider,
            file=file,
            kind=kind,
            upload=SimpleUploadedFile(name, b"%PDF-1.4\n% demo\n"),
        )


def _token(provider: Acting) -> None:
    digest = digest_token(DEMO_PROVIDER_TOKEN)
    if not ApiToken.objects.filter(digest=digest).exists():
        ApiToken.objects.create(
            membership=provider.membership,
            name="Démo",
            prefix=DEMO_PROVIDER_TOKEN[:10],
            digest=digest,
        )
    assert provider.membership.role == MemberRole.ADMIN


def _invitation(sponsor: Acting) -> None:
    """One pending invitation on the sponsor's members' page (the console backend prints the
    e-mail, and so its link)."""
    if not Invitation.objects.filter(organisation=sponsor.organisation).exists():
        invite_member(
            actor=sponsor.user,
            organisation=sponsor.organisation,
            email="collegue@demo.passnum.fr",
            role=MemberRole.MEMBER,
        )
