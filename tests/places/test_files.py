"""The qualification file: saved step by step, submitted when complete, reviewed by the
operator or the territory's hub, each decision logged and sent to the applicant."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import InvalidTransition, NotFound
from passnum.places.eligibility import CURRENT_GRID, CURRENT_TERMS_VERSION
from passnum.places.enums import DocumentKind, FileStatus, QualificationStatus
from passnum.places.services import (
    accept_terms,
    add_document,
    answer_eligibility,
    comment_file,
    open_file,
    review_file,
    set_bank_details,
    set_service_offer,
    submit_file,
    update_file_identity,
    update_legal_representative,
    validate_bank_details,
)
from passnum.places.services.files import (
    FileNotEditable,
    IncompleteFile,
    InvalidBankDetails,
    InvalidDocument,
    steps_of,
)
from passnum.places.services.review import ReasonRequired
from passnum.places.validation import InvalidPlace
from tests.factories import OrganisationFactory, PlaceFactory, a_service, make_acting

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"
IBAN = "FR7630006000011234567890189"
PDF = b"%PDF-1.4\n%fake but starts like a PDF\n"
BEST_ANSWERS = {q.code: max(q.options, key=lambda o: o.points).code for q in CURRENT_GRID.questions}


def pdf(name="doc.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def complete_file(provider):
    place = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.DRAFT
    )
    file = open_file(acting=provider)
    update_file_identity(acting=provider, file=file, siret=SIRET, legal_form="Association")
    update_legal_representative(
        acting=provider,
        file=file,
        first_name="Aïcha",
        last_name="Benali",
        email="presidente@example.org",
        role="Présidente",
    )
    set_service_offer(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=1000,
        passes_needed=1,
        duration_minutes=60,
    )
    answer_eligibility(acting=provider, file=file, answers=BEST_ANSWERS)
    accept_terms(acting=provider, file=file, version=CURRENT_TERMS_VERSION)
    set_bank_details(acting=provider, file=file, holder="Association Clic", iban=IBAN)
    add_document(acting=provider, file=file, kind=DocumentKind.REGISTRATION, upload=pdf())
    add_document(acting=provider, file=file, kind=DocumentKind.BANK, upload=pdf("rib.pdf"))
    file.refresh_from_db()
    return file, place


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """`with sent(): …` runs the after-commit e-mails of what it wraps (tests never commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def hub_33():
    hub = OrganisationFactory(kind=OrganisationKind.HUB, territory=["33", "24", "47"])
    return make_acting(OrganisationKind.HUB, organisation=hub)


def test_a_complete_file_is_submitted_and_its_places_wait_for_review(provider, operator, sent):
    file, place = complete_file(provider)
    assert all(step.done for step in steps_of(file))
    assert file.eligibility_score == CURRENT_GRID.max_score
    mail.outbox.clear()
    with pytest.raises(InvalidTransition):  # a draft is not reviewed
        review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    with sent():
        file = submit_file(acting=provider, file=file)
    assert file.status == FileStatus.SUBMITTED and file.submitted_at
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED
    assert any(operator.user.email in m.to for m in mail.outbox)


def test_an_incomplete_file_says_which_steps_are_missing(provider):
    file = open_file(acting=provider)
    update_file_identity(acting=provider, file=file, siret=SIRET, legal_form="SCIC")
    with pytest.raises(IncompleteFile) as refused:
        submit_file(acting=provider, file=file)
    missing = {detail["code"] for detail in refused.value.details}
    assert missing == {"representative", "places", "offer", "eligibility", "terms", "bank"}


def test_approval_qualifies_the_places_and_tells_the_applicant(provider, operator, sent):
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    mail.outbox.clear()
    with sent():
        file = review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    place.refresh_from_db()
    assert place.is_qualified
    assert file.transitions.last().actor == operator.user
    assert [provider.user.email] == mail.outbox[0].to


def test_changes_requested_reopens_the_file_and_resubmission_works(provider, operator, sent):
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    with pytest.raises(FileNotEditable):
        update_file_identity(acting=provider, file=file, siret=SIRET, legal_form="SAS")
    with pytest.raises(ReasonRequired):
        review_file(acting=operator, file=file, to_status=FileStatus.CHANGES_REQUESTED)
    with sent():
        review_file(
            acting=operator,
            file=file,
            to_status=FileStatus.CHANGES_REQUESTED,
            reason="Le RIB est illisible, merci d'en joindre un autre.",
        )
    assert "RIB est illisible" in mail.outbox[-1].body
    file.refresh_from_db()
    update_file_identity(acting=provider, file=file, siret=SIRET, legal_form="Association loi 1901")
    file = submit_file(acting=provider, file=file)
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED
    review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    assert [t.to_status for t in file.transitions.all()] == [
        FileStatus.SUBMITTED,
        FileStatus.CHANGES_REQUESTED,
        FileStatus.SUBMITTED,
        FileStatus.QUALIFIED,
    ]


def test_suspension_and_requalification_move_every_place(provider, operator):
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    review_file(acting=operator, file=file, to_status=FileStatus.SUSPENDED, reason="Plainte")
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUSPENDED
    review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED, reason="Résolu")
    place.refresh_from_db()
    assert place.is_qualified


def test_rejection_is_final(provider, operator):
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    review_file(acting=operator, file=file, to_status=FileStatus.REJECTED, reason="Hors champ")
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.REJECTED
    with pytest.raises(InvalidTransition):
        review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)


def test_a_hub_reviews_only_files_of_its_territory(provider, hub_33):
    file, _place = complete_file(provider)  # the factory's place is in Gironde (33)
    submit_file(acting=provider, file=file)
    far_hub = make_acting(
        OrganisationKind.HUB,
        organisation=OrganisationFactory(kind=OrganisationKind.HUB, territory=["59", "62"]),
    )
    with pytest.raises(NotFound):
        review_file(acting=far_hub, file=file, to_status=FileStatus.QUALIFIED)
    review_file(acting=hub_33, file=file, to_status=FileStatus.QUALIFIED)
    file.refresh_from_db()
    assert file.status == FileStatus.QUALIFIED


@pytest.mark.parametrize(
    "kind", [OrganisationKind.PROVIDER, OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR]
)
def test_nobody_else_reviews(provider, kind):
    file, _place = complete_file(provider)
    submit_file(acting=provider, file=file)
    with pytest.raises(NotFound):
        review_file(acting=make_acting(kind), file=file, to_status=FileStatus.QUALIFIED)


def test_an_applicant_never_touches_another_file(provider):
    file, _place = complete_file(provider)
    other = make_acting(OrganisationKind.PROVIDER)
    with pytest.raises(NotFound):
        update_legal_representative(
            acting=other, file=file, first_name="X", last_name="Y", email="x@example.org", role="Z"
        )
    with pytest.raises(NotFound):
        comment_file(acting=other, file=file, text="bonjour")


@pytest.mark.parametrize("siret", ["73282932000075", "1234", "ABCDEFGHIJKLMN"])
def test_a_wrong_siret_is_refused(provider, siret):
    with pytest.raises(InvalidPlace):
        update_file_identity(
            acting=provider, file=open_file(acting=provider), siret=siret, legal_form="Association"
        )


@pytest.mark.parametrize(
    "website",
    ["www.exemple.fr", "ftp://exemple.fr", "javascript:alert(1)", "https://", "pas une url"],
)
def test_a_website_must_be_an_http_address(provider, website):
    file = open_file(acting=provider)
    with pytest.raises(InvalidPlace, match="site web invalide") as refused:
        update_file_identity(
            acting=provider, file=file, siret=SIRET, legal_form="Association", website=website
        )
    assert "https://www.exemple.fr" in str(refused.value)  # says what is expected
    file.refresh_from_db()
    assert (file.siret, file.website) == ("", "")


@pytest.mark.parametrize("website", ["https://www.exemple.fr", " http://clic.asso.fr/accueil ", ""])
def test_a_website_is_optional_and_kept_trimmed(provider, website):
    file = update_file_identity(
        acting=provider,
        file=open_file(acting=provider),
        siret=SIRET,
        legal_form="Association",
        website=website,
    )
    assert file.website == website.strip()


def test_one_siret_for_one_structure(provider):
    update_file_identity(
        acting=provider, file=open_file(acting=provider), siret=SIRET, legal_form="Association"
    )
    other = make_acting(OrganisationKind.PROVIDER)
    with pytest.raises(InvalidPlace, match="déjà utilisé"):
        update_file_identity(
            acting=other, file=open_file(acting=other), siret=SIRET, legal_form="Association"
        )


@pytest.mark.parametrize("iban", ["FR7630006000011234567890188", "XX12", ""])
def test_a_wrong_iban_is_refused(provider, iban):
    with pytest.raises(InvalidBankDetails):
        set_bank_details(acting=provider, file=open_file(acting=provider), holder="A", iban=iban)


def test_changed_bank_details_must_be_validated_again_and_only_by_the_operator(provider, operator):
    file, _place = complete_file(provider)
    assert file.bic == "AGRIFRPPXXX"  # derived from the French bank code
    with pytest.raises(Exception, match="autre type"):
        validate_bank_details(acting=provider, file=file)
    file = validate_bank_details(acting=operator, file=file)
    assert file.bank_validated_by == operator.user
    file = set_bank_details(
        acting=provider, file=file, holder="Association Clic", iban="FR1420041010050500013M02606"
    )
    assert file.bank_validated_at is None


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("virus.pdf", b"MZ\x90\x00 an executable", "PDF, PNG et JPEG"),
        ("empty.pdf", b"", "vide"),
        ("huge.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "5 Mo"),
    ],
)
def test_documents_are_checked_by_content_and_size(provider, name, content, message):
    with pytest.raises(InvalidDocument, match=message):
        add_document(
            acting=provider,
            file=open_file(acting=provider),
            kind=DocumentKind.STATUTES,
            upload=pdf(name, content),
        )


def test_a_png_is_accepted_and_stored(provider):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    document = add_document(
        acting=provider,
        file=open_file(acting=provider),
        kind=DocumentKind.BANK,
        upload=pdf("rib.png", png),
    )
    assert document.content_type == "image/png" and document.size == len(png)
    assert document.document.read() == png


def test_unknown_answers_are_refused_and_partial_answers_have_no_score(provider):
    file = open_file(acting=provider)
    with pytest.raises(InvalidPlace):
        answer_eligibility(acting=provider, file=file, answers={"experience": "forever"})
    file = answer_eligibility(acting=provider, file=file, answers={"experience": "gt3"})
    assert file.eligibility_score is None and file.grid_version == CURRENT_GRID.version


def test_outdated_terms_cannot_be_accepted(provider):
    with pytest.raises(InvalidPlace):
        accept_terms(acting=provider, file=open_file(acting=provider), version="2019.1")


def test_only_providers_open_a_file(sponsor):
    with pytest.raises(Exception, match="autre type"):
        open_file(acting=sponsor)


def test_comments_from_both_sides(provider, operator):
    file, _place = complete_file(provider)
    comment_file(acting=provider, file=file, text="Le RIB arrive demain.")
    comment_file(acting=operator, file=file, text="Merci !")
    assert [c.author for c in file.comments.all()] == [provider.user, operator.user]


def test_a_place_in_an_arrondissement_belongs_to_its_commune(provider):
    from passnum.places.services import create_place

    place = create_place(
        acting=provider,
        name="EPN Paris 11",
        address="1 rue Oberkampf",
        postcode="75011",
        commune_name="Paris 11e",
        commune_code="75111",
        departement="",
        region="",
        place_type="epn",
    )
    assert (place.commune_code, place.departement, place.region) == ("75056", "75", "11")


def test_an_unknown_commune_is_refused(provider):
    from passnum.places.services import create_place

    with pytest.raises(InvalidPlace, match="33999"):
        create_place(
            acting=provider,
            name="X",
            address="1 rue",
            postcode="33000",
            commune_name="Nulle part",
            commune_code="33999",
            departement="33",
            region="75",
            place_type="epn",
        )


def test_places_and_offers_are_frozen_while_the_file_is_under_review(provider, operator):
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    with pytest.raises(FileNotEditable):
        set_service_offer(
            acting=provider,
            place=place,
            service=a_service(),
            price_cents=500,
            passes_needed=1,
            duration_minutes=30,
        )
    review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    from passnum.places.services import update_place

    update_place(acting=provider, place=place, opening_hours="Mo-Sa 09:00-18:00")  # allowed
