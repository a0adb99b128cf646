"""The demo world: one organisation of each kind, three places (two qualified), and the
sponsor's orders in every state a newcomer should be able to click through — a draft, an order
awaiting payment with a partial payment, a paid order whose proof is approved and booklets
printed, its booklets in stock, at the partner distributor, handed out, started, finished and
blocked, a replaced pass, and an expired order with its credit note; an executed payout run two
months back (statements, SEPA file) and last month's scans waiting for the next run. Built
through the services only, once: running it again changes nothing."""

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from passnum.accounts.enums import MemberRole, OrganisationKind
from passnum.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    Partnership,
    User,
)
from passnum.accounts.selectors import Acting
from passnum.accounts.services import create_organisation, digest_token, invite_member
from passnum.accounts.services.partners import link_distributor
from passnum.catalogue.models import Service
from passnum.jobs.services import execute_job
from passnum.orders.drafts import accept_quote
from passnum.orders.invoicing import issue_credit_note
from passnum.orders.models import Order
from passnum.orders.proofs import approve_proof, request_print, request_proof
from passnum.orders.services import UsageRules, create_order, record_payment
from passnum.passes import codes as pass_codes
from passnum.passes.distribution import NextInStock, assign_booklets, record_handout
from passnum.passes.enums import PassStatus
from passnum.passes.models import Booklet, Pass
from passnum.passes.services import block_passes, expire_order_passes, reissue_passes
from passnum.payouts.models import PayoutRun
from passnum.payouts.periods import previous_month
from passnum.payouts.services import mark_run_executed, run_payouts
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


# The provider's, and the distributor's: a sponsor links a distributor by its SIREN.
SIRENS = {OrganisationKind.PROVIDER: "732829320", OrganisationKind.DISTRIBUTOR: "263990004"}
PAID_LABEL = "Campagne d'hiver — Bordeaux"
HISTORY_LABEL = "Ateliers d'automne — Bordeaux (déjà payés)"
PRINT_TEXT = "Offert par le Département de la Gironde.\nRenseignements : 05 56 00 00 00."


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
                siren=SIRENS.get(kind, ""),
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
    distributor = _acting(users, organisations, OrganisationKind.DISTRIBUTOR)
    _partnership(sponsor, distributor)
    with transaction.atomic():
        if not Order.objects.filter(sponsor=sponsor.organisation).exists():
            _payout_history(sponsor=sponsor, operator=operator, provider=provider, places=places)
            _orders(
                sponsor=sponsor,
                operator=operator,
                distributor=distributor,
                provider=provider,
                place=places[0],
            )
    # The dashboards' pre-counts and the open data, as the daily jobs would make them: a newcomer
    # sees figures at once rather than "not calculated yet".
    from passnum.dashboards.territory import refresh_territory_rollup
    from passnum.dashboards.usage import refresh_all_usage_tallies

    refresh_all_usage_tallies()
    refresh_territory_rollup()
    samples = Pass.objects.filter(
        order__sponsor=sponsor.organisation, order__label=PAID_LABEL, status=PassStatus.ACTIVE
    ).order_by("serial")[:3]
    return DemoWorld(
        logins=[(email, role) for email, *_rest, role in PEOPLE],
        provider_token=DEMO_PROVIDER_TOKEN,
        sample_codes=[pass_codes.display(item.code) for item in samples],
    )


def _partnership(sponsor: Acting, distributor: Acting) -> None:
    """The demo distributor hands out the demo sponsor's booklets."""
    if (
        distributor.organisation.siren
        and not Partnership.objects.filter(
            sponsor=sponsor.organisation, distributor=distributor.organisation
        ).exists()
    ):
        link_distributor(acting=sponsor, siren=distributor.organisation.siren)


def _orders(
    *, sponsor: Acting, operator: Acting, distributor: Acting, provider: Acting, place: Place
) -> None:
    today = timezone.localdate()
    a_year_on = today + datetime.timedelta(days=365)
    create_order(
        acting=sponsor,
        draft=True,
        quantity=50,
        label="Ateliers seniors — printemps (brouillon)",
        rules=UsageRules(target_publics=["senior"]),
    )
    # Accepted (invoice issued, passes issued but inactive), half paid so far.
    partly_paid = accept_quote(
        acting=sponsor,
        order=create_order(
            acting=sponsor,
            draft=True,
            quantity=100,
            label="Jeunes 16-25 ans — Gironde",
            rules=UsageRules(departements=["33"], target_publics=["young_16_25"]),
            valid_until=a_year_on,
        ),
    )
    record_payment(
        acting=operator,
        order=partly_paid,
        amount_cents=partly_paid.total_due_cents // 2,
        reference="Acompte — mandat 2026-0051",
    )
    paid = _paid_and_printed(sponsor=sponsor, operator=operator)
    _distributed(
        paid,
        sponsor=sponsor,
        operator=operator,
        distributor=distributor,
        provider=provider,
        place=place,
    )
    # Valid until today without tolerance, expired at once as the end-of-validity job would do
    # the day after (no service creates an order in the past), then credited.
    expired = _paid(
        sponsor=sponsor,
        operator=operator,
        quantity=20,
        label="Opération rentrée — terminée",
        valid_until=today,
        tolerance_days=0,
    )
    spent = _passes(expired)[:2]
    _redeem(provider, place, "demarches", [item.code for item in spent])
    count = expire_order_passes(
        actor=operator.user, order=expired, today=today + datetime.timedelta(days=1)
    )
    issue_credit_note(acting=operator, order=expired, pass_count=count)


@contextlib.contextmanager
def _clock(at: datetime.datetime) -> Iterator[None]:
    """Runs the block as if it were `at`, the clock ticking on from there. No service writes in
    the past (a redemption, a payment, a payout run are dated now, on purpose): the demo's
    history goes through the very same services with `django.utils.timezone.now` moved back.
    The patch is process-wide: for the demo command only, never where requests are served."""
    real_now = timezone.now
    started = real_now()
    with mock.patch.object(timezone, "now", lambda: at + (real_now() - started)):
        yield


def _payout_history(
    *, sponsor: Acting, operator: Acting, provider: Acting, places: list[Place]
) -> PayoutRun:
    """An order paid three months ago, used at both places two months back — paid by that
    month's payout run, executed — and again last month, waiting for the next run: a newcomer
    finds a run with its SEPA file and statements, and amounts pending, at once (issue #9)."""
    last_month = previous_month(timezone.localdate())
    two_back = previous_month(last_month.start)

    def moment(period_start: datetime.date, days: int, hour: int = 10) -> datetime.datetime:
        day = period_start + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    with _clock(moment(two_back.start, 0, 9)):
        order = _paid(
            sponsor=sponsor,
            operator=operator,
            quantity=20,
            label=HISTORY_LABEL,
            valid_until=timezone.localdate() + datetime.timedelta(days=365),
        )
    codes = [item.code for item in _passes(order)]
    bastide, merignac = places[0], places[1]

    def scan(day: datetime.date, days: int, place: Place, family: str, first: int, n: int) -> None:
        with _clock(moment(day, days)):
            _redeem(provider, place, family, codes[first : first + n])

    scan(two_back.start, 3, bastide, "demarches", 0, 2)
    scan(two_back.start, 8, bastide, "messagerie", 2, 1)
    scan(two_back.start, 14, merignac, "smartphone", 3, 1)
    scan(two_back.start, 21, merignac, "demarches", 4, 2)
    with _clock(moment(last_month.start, 4, 6)):  # the payout day, the 5th
        run = run_payouts(acting=operator, period_start=two_back.start, period_end=two_back.end).run
    with _clock(moment(last_month.start, 6)):
        run = mark_run_executed(acting=operator, run=run)
    scan(last_month.start, 8, bastide, "messagerie", 6, 1)
    scan(last_month.start, 13, merignac, "demarches", 7, 2)
    scan(last_month.start, 19, bastide, "smartphone", 9, 1)
    return run


def _paid(*, sponsor: Acting, operator: Acting, quantity: int, label: str, **fields) -> Order:
    """An order through the sponsor's journey: draft, quote accepted, paid in full."""
    order = create_order(
        acting=sponsor, draft=True, quantity=quantity, label=label, print_text=PRINT_TEXT, **fields
    )
    order = accept_quote(acting=sponsor, order=order)
    return record_payment(
        acting=operator,
        order=order,
        amount_cents=order.total_due_cents,
        reference="Mandat 2026-0042",
    )


def _paid_and_printed(*, sponsor: Acting, operator: Acting) -> Order:
    """Paid, its print proof generated and approved, its booklets printed (the jobs run here:
    the worker that bin/demo starts finds them done)."""
    order = _paid(
        sponsor=sponsor,
        operator=operator,
        quantity=200,
        label=PAID_LABEL,
        # Booklets are handed out until 15 days before the validity end, whatever the date.
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )
    execute_job(job_id=request_proof(acting=sponsor, order=order).pk)
    order = approve_proof(acting=sponsor, order=order)
    execute_job(job_id=request_print(acting=sponsor, order=order).pk)
    return order


def _distributed(
    order: Order,
    *,
    sponsor: Acting,
    operator: Acting,
    distributor: Acting,
    provider: Acting,
    place: Place,
) -> None:
    """Of the 20 booklets: 1-8 at the distributor, 1-5 handed out, of which 1 and 3 started,
    2 finished, 4 blocked (lost), 5 with a replaced pass (a new booklet of one pass); 6-8
    waiting at the distributor; 9-20 in the sponsor's stock."""
    today = timezone.localdate()
    assign_booklets(
        acting=sponsor, order=order, distributor=distributor.organisation, selection=NextInStock(8)
    )
    booklets = list(order.booklets.order_by("number"))
    publics = ["senior", "job_seeker", "rsa", "family", "young_16_25"]
    for booklet, public in zip(booklets[:5], publics, strict=True):
        record_handout(
            acting=distributor,
            booklet_number=booklet.number,
            handed_out_on=today,
            public=public,
            reference=f"DEMO-{booklet.number}",
        )
    started, finished, started_too, lost, damaged = (_passes(b) for b in booklets[:5])
    _redeem(provider, place, "demarches", [item.code for item in started[:2]])
    for pair in range(0, len(finished), 2):
        _redeem(provider, place, "demarches", [item.code for item in finished[pair : pair + 2]])
    _redeem(provider, place, "messagerie", [started_too[0].code])
    block_passes(
        acting=distributor,
        serial_first=lost[0].serial,
        serial_last=lost[-1].serial,
        reason="Carnet perdu par le bénéficiaire (démo)",
    )
    torn = damaged[-1].serial
    block_passes(
        acting=distributor, serial_first=torn, serial_last=torn, reason="Pass déchiré (démo)"
    )
    reissue_passes(
        acting=operator, serial_first=torn, serial_last=torn, reason="Pass déchiré, remplacé (démo)"
    )


def _passes(scope: Order | Booklet) -> list[Pass]:
    if isinstance(scope, Order):
        found = Pass.objects.filter(order=scope)
    else:  # by serial range, the indexed way to a booklet's passes
        found = Pass.objects.filter(serial__gte=scope.first_serial, serial__lte=scope.last_serial)
    return list(found.order_by("serial"))


def _redeem(provider: Acting, place: Place, family: str, codes: list[str]) -> None:
    """Passes spent at the place on the service of `family` it offers, at its published price."""
    offered = (
        ServiceOffer.objects.select_related("service")
        .filter(place=place, service__family__code=family)
        .get()
    )
    redeem_passes(
        acting=provider,
        place=place,
        service=offered.service,
        price_cents=offered.price_cents,
        codes=codes,
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
