"""The qualification journey's pages (applicant) and the review pages (operator, hub), end to end
through the Django test client. A complete file is built with the services (as in the service
tests); the pages are then driven as a person would."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.models import Organisation
from passnum.places.eligibility import CURRENT_GRID, CURRENT_TERMS_VERSION
from passnum.places.enums import FileStatus, QualificationStatus
from passnum.places.models import Place, ProviderFile
from passnum.places.services import open_file, submit_file
from passnum.places.services.registration import EmailTaken, WeakPassword
from tests.factories import OrganisationFactory, PlaceFactory, UserFactory, a_service, make_acting
from tests.places.test_files import BEST_ANSWERS as BEST
from tests.places.test_files import IBAN, PDF, SIRET, complete_file, pdf
from tests.www.test_pages import logged_in

pytestmark = pytest.mark.django_db

PLACE = {
    "name": "Espace Clic",
    "place_type": "epn",
    "address": "2 rue Gambetta",
    "postcode": "33500",
    "opening_hours": "Mo-Fr 09:00-12:00,14:00-18:00; Sa off",
    "access_modes": ["Se présenter", "Téléphoner"],
    "phone": "05 56 12 34 56",
}


SIGN_UP = {
    "first_name": "Aïcha", "last_name": "Benali", "email": "aicha@example.org",
    "password1": "un-long-mot-de-passe", "password2": "un-long-mot-de-passe",
    "organisation_name": "Association Clic", "siren": "732 829 320",
}  # fmt: skip


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(name, *args):
    return reverse(f"qualification:{name}", args=args)


def submitted_file(provider):
    file, _place = complete_file(provider)
    return submit_file(acting=provider, file=file)


def hub_of(*departements):
    hub = OrganisationFactory(kind=OrganisationKind.HUB, territory=list(departements))
    return make_acting(OrganisationKind.HUB, organisation=hub)


def error_linked(page: str, field: str) -> bool:
    """The field's error is shown and the field points to it (aria-describedby)."""
    linked = re.search(rf'aria-describedby="[^"]*id_{field}_error', page)
    return f'id="id_{field}_error"' in page and linked is not None


# --- Public pages and sign-up --------------------------------------------------------------------


def test_start_and_grid_pages_are_public():
    start = Client().get(url("start")).text
    assert url("signup") in start and url("grid") in start
    grid = Client().get(url("grid")).text
    assert CURRENT_GRID.version in grid and str(CURRENT_GRID.threshold) in grid
    for question in CURRENT_GRID.questions:
        assert str(question.text).replace("'", "&#x27;") in grid


def test_sign_up_creates_the_person_and_the_provider_and_logs_in():
    client = Client()
    response = client.post(url("signup"), SIGN_UP)
    assert response.status_code == 302 and response["Location"] == url("file")
    organisation = Organisation.objects.get(name="Association Clic")
    assert organisation.kind == OrganisationKind.PROVIDER and organisation.siren == "732829320"
    assert organisation.memberships.get().user.email == "aicha@example.org"
    assert ProviderFile.objects.get(organisation=organisation).status == FileStatus.DRAFT
    page = client.get(url("file")).text
    assert "Soumettre mon dossier" in page and "Association Clic" in page


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"siren": "123456789"}, "siren"),
        ({"email": "taken@example.org"}, "email"),
        ({"password2": "autre-chose-encore"}, "password2"),
        ({"password1": "password", "password2": "password"}, "password1"),
    ],
)
def test_sign_up_refuses_bad_siren_used_email_and_weak_passwords(changes, field):
    UserFactory(email="taken@example.org")
    response = Client().post(url("signup"), {**SIGN_UP, **changes})
    assert response.status_code == 400 and error_linked(response.text, field)
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    "error, field",
    [(EmailTaken(), "email"), (WeakPassword("Trop faible."), "password1")],
)
def test_sign_up_shows_the_service_s_refusal_next_to_its_field(monkeypatch, error, field):
    """The form checks first; the service has the last word (an address taken meanwhile)."""

    def refuse(**kwargs):
        raise error

    monkeypatch.setattr("passnum.www.qualification.views.register_provider", refuse)
    client = Client()
    response = client.post(url("signup"), SIGN_UP)
    assert response.status_code == 400 and error_linked(response.text, field)
    assert str(error).replace("'", "&#x27;") in response.text
    assert "_auth_user_id" not in client.session


def test_the_journey_is_for_providers_only(sponsor):
    response = logged_in(sponsor).get(url("file"))
    assert response.status_code == 302 and response["Location"] == url("start")
    assert Client().get(url("file")).status_code == 302  # to the login page


# --- The steps -----------------------------------------------------------------------------------


def test_identity_step_refuses_a_bad_siret_then_saves(provider):
    client = logged_in(provider)
    page = client.get(url("organisation")).text
    assert 'class="fr-stepper"' in page and "Étape 1 sur 7" in page
    bad = client.post(url("organisation"), {"siret": "73282932000075", "legal_form": "SCIC"})
    assert bad.status_code == 400 and error_linked(bad.text, "siret")
    good = client.post(url("organisation"), {"siret": "732 829 320 00074", "legal_form": "SCIC"})
    assert good.status_code == 302 and good["Location"] == url("representative")
    file = open_file(acting=provider)
    assert (file.siret, file.legal_form) == (SIRET, "SCIC")


def test_representative_step_saves(provider):
    data = {"first_name": "Léa", "last_name": "Roux", "email": "lea@example.org", "role": "Maire"}
    assert logged_in(provider).post(url("representative"), data).status_code == 302
    assert open_file(acting=provider).rep_last_name == "Roux"


def test_a_place_gets_its_commune_from_the_postcode_or_a_choice(provider):
    client = logged_in(provider)
    several = client.post(url("place_new"), PLACE)
    assert several.status_code == 400
    assert "choisissez la vôtre" in several.text and '<option value="33243"' in several.text
    assert client.post(url("place_new"), {**PLACE, "commune_code": "33243"}).status_code == 302
    place = Place.objects.get(organisation=provider.organisation)
    assert (place.commune_name, place.commune_code, place.departement, place.region) == (
        "Libourne", "33243", "33", "75",
    )  # fmt: skip
    assert place.phone == "+33556123456" and place.access_modes == PLACE["access_modes"]
    single = {**PLACE, "postcode": "24000", "name": "Antenne de Périgueux"}
    assert client.post(url("place_edit", place.pk), single).status_code == 302
    place.refresh_from_db()
    assert (place.commune_name, place.departement) == ("Périgueux", "24")


def test_a_place_with_unreadable_hours_is_refused(provider):
    client = logged_in(provider)
    assert "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00" in client.get(url("place_new")).text
    response = client.post(url("place_new"), {**PLACE, "opening_hours": "lundi 9h-12h"})
    assert response.status_code == 400 and error_linked(response.text, "opening_hours")
    assert not Place.objects.filter(organisation=provider.organisation).exists()


def test_another_provider_s_place_is_not_found(provider):
    other = PlaceFactory()
    assert logged_in(provider).get(url("place_edit", other.pk)).status_code == 404
    assert logged_in(provider).get(url("place_offers", other.pk)).status_code == 404


def test_an_offer_is_added_in_euros_and_removed(provider):
    place = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.DRAFT
    )
    client = logged_in(provider)
    service = a_service()
    data = {"service": service.code, "price": "12,50", "passes_needed": 2,
            "duration_minutes": 90, "format": "individual"}  # fmt: skip
    assert client.post(url("place_offers", place.pk), data).status_code == 302
    offer = place.offers.get()
    assert (offer.price_cents, offer.passes_needed, offer.service) == (1250, 2, service)
    assert "12,50" in client.get(url("place_offers", place.pk)).text
    workshop = client.post(url("place_offers", place.pk), {**data, "format": "workshop"})
    assert workshop.status_code == 400 and error_linked(workshop.text, "capacity")
    assert client.post(url("offer_remove", offer.pk)).status_code == 302
    assert not place.offers.exists()


def test_the_questionnaire_shows_points_and_the_score(provider):
    client = logged_in(provider)
    page = client.get(url("eligibility")).text
    assert "(15 points)" in page and "(5 points)" in page and "<legend" in page
    assert client.post(url("eligibility"), BEST).status_code == 302
    assert open_file(acting=provider).eligibility_score == CURRENT_GRID.max_score
    score = f"Score : {CURRENT_GRID.max_score} points sur {CURRENT_GRID.max_score}"
    assert score in client.get(url("file")).text


def test_terms_need_the_box_ticked_and_keep_the_version(provider):
    client = logged_in(provider)
    assert CURRENT_TERMS_VERSION in client.get(url("terms")).text
    refused = client.post(url("terms"), {"version": CURRENT_TERMS_VERSION})
    assert refused.status_code == 400 and "Cochez la case" in refused.text
    outdated = client.post(url("terms"), {"version": "2019.1", "accept": "on"})
    assert outdated.status_code == 400 and "plus en vigueur" in outdated.text
    accepted = client.post(url("terms"), {"version": CURRENT_TERMS_VERSION, "accept": "on"})
    assert accepted.status_code == 302
    assert open_file(acting=provider).terms_version == CURRENT_TERMS_VERSION


def test_bank_details_and_documents(provider):
    client = logged_in(provider)
    bad = client.post(url("bank"), {"holder": "Clic", "iban": "FR7630006000011234567890188"})
    assert bad.status_code == 400 and error_linked(bad.text, "iban")
    assert client.post(url("bank"), {"holder": "Clic", "iban": IBAN}).status_code == 302
    assert open_file(acting=provider).bic == "AGRIFRPPXXX"
    virus = client.post(url("documents"), {"kind": "bank", "upload": pdf("rib.pdf", b"MZ\x90")})
    assert virus.status_code == 400 and "PDF, PNG et JPEG" in virus.text
    sent = client.post(url("documents"), {"kind": "bank", "upload": pdf("rib.pdf")})
    assert sent.status_code == 302
    assert "rib.pdf" in client.get(url("bank")).text


# --- Submission ----------------------------------------------------------------------------------


def test_submitting_an_incomplete_file_lists_the_missing_steps(provider):
    response = logged_in(provider).post(url("submit"))
    assert response.status_code == 400
    missing = response.text.split('id="missing-steps"')[1].split("</ul>")[0]
    for label in ("Votre structure", "Vos lieux", "Questionnaire", "Conditions et charte"):
        assert label in missing
    assert open_file(acting=provider).status == FileStatus.DRAFT


def test_a_submitted_file_is_no_longer_editable(provider):
    file, place = complete_file(provider)
    client = logged_in(provider)
    assert client.post(url("submit")).status_code == 302
    file.refresh_from_db()
    assert file.status == FileStatus.SUBMITTED
    assert "Dossier en lecture seule" in client.get(url("organisation")).text
    refused = client.post(url("organisation"), {"siret": SIRET, "legal_form": "SAS"})
    assert refused.status_code == 400 and "ne peut plus être modifié" in refused.text
    edited = client.post(url("place_edit", place.pk), {**PLACE, "postcode": "24000"})
    assert edited.status_code == 400
    assert client.post(url("offer_remove", place.offers.get().pk)).status_code == 400
    place.refresh_from_db()
    assert place.postcode == "33000" and place.offers.exists()
    assert open_file(acting=provider).legal_form == "Association"


# --- Review --------------------------------------------------------------------------------------


@pytest.fixture
def far_hub():
    return hub_of("59", "62")


def test_operator_and_territory_hub_see_the_queue_and_the_whole_file(provider, operator):
    file = submitted_file(provider)
    for reviewer in (operator, hub_of("33", "24")):
        client = logged_in(reviewer)
        assert url("review_file", file.pk) in client.get(url("review_queue")).text
        page = client.get(url("review_file", file.pk)).text
        assert SIRET in page and "Benali" in page and "10,00" in page  # identity, offer
        assert f"Score : {CURRENT_GRID.max_score} points" in page
        assert IBAN not in page and IBAN[-4:] in page  # masked but for the last 4
        assert url("download", file.documents.first().pk) in page
        assert "Qualifier le dossier" in page and "Suspendre" not in page


def test_other_hubs_and_organisations_get_404(provider, far_hub, sponsor):
    file = submitted_file(provider)
    assert url("review_file", file.pk) not in logged_in(far_hub).get(url("review_queue")).text
    assert logged_in(far_hub).get(url("review_file", file.pk)).status_code == 404
    for someone in (provider, sponsor, make_acting(OrganisationKind.PROVIDER)):
        client = logged_in(someone)
        assert client.get(url("review_queue")).status_code == 404
        assert client.get(url("review_file", file.pk)).status_code == 404
        decided = client.post(url("review_decide", file.pk), {"to_status": "qualified"})
        assert decided.status_code == 404
    file.refresh_from_db()
    assert file.status == FileStatus.SUBMITTED


def test_changes_requested_corrected_resubmitted_and_approved(provider, operator):
    file = submitted_file(provider)
    staff, applicant = logged_in(operator), logged_in(provider)
    decide = url("review_decide", file.pk)
    no_reason = staff.post(decide, {"to_status": "changes_requested", "reason": ""})
    assert no_reason.status_code == 400 and error_linked(no_reason.text, "reason")
    reason = "Le RIB est illisible, merci d'en joindre un autre."
    asked = staff.post(decide, {"to_status": "changes_requested", "reason": reason})
    assert asked.status_code == 302
    assert "Le RIB est illisible" in applicant.get(url("file")).text
    assert applicant.post(url("documents"), {"kind": "bank", "upload": pdf()}).status_code == 302
    assert applicant.post(url("submit")).status_code == 302
    assert staff.post(decide, {"to_status": "qualified"}).status_code == 302
    file.refresh_from_db()
    assert file.status == FileStatus.QUALIFIED
    assert Place.objects.get(organisation=provider.organisation).is_qualified
    page = staff.get(url("review_file", file.pk)).text
    assert "Suspendre la qualification" in page and "Demander des modifications" not in page


def test_a_decision_the_workflow_forbids_is_refused(provider, operator):
    file = submitted_file(provider)
    response = logged_in(operator).post(
        url("review_decide", file.pk), {"to_status": "suspended", "reason": "x"}
    )
    assert response.status_code == 400 and "pas possible" in response.text
    file.refresh_from_db()
    assert file.status == FileStatus.SUBMITTED


def test_suspension_then_requalification(provider, operator):
    file = submitted_file(provider)
    staff = logged_in(operator)
    decide = url("review_decide", file.pk)
    staff.post(decide, {"to_status": "qualified"})
    assert staff.post(decide, {"to_status": "suspended", "reason": "Plainte"}).status_code == 302
    assert "Requalifier" in staff.get(url("review_file", file.pk)).text
    assert staff.post(decide, {"to_status": "qualified", "reason": "Réglé"}).status_code == 302
    assert [t.to_status for t in file.transitions.all()][-2:] == ["suspended", "qualified"]


def test_comments_go_both_ways(provider, operator):
    file = submitted_file(provider)
    posted = logged_in(operator).post(url("review_comment", file.pk), {"text": "Joli projet."})
    assert posted.status_code == 302
    assert logged_in(provider).post(url("comment"), {"text": "Merci !"}).status_code == 302
    assert "Joli projet." in logged_in(provider).get(url("file")).text
    assert "Merci !" in logged_in(operator).get(url("review_file", file.pk)).text


def test_only_operator_staff_validate_bank_details(provider, operator):
    file = submitted_file(provider)
    hub = logged_in(hub_of("33"))
    assert "Valider les coordonnées bancaires" not in hub.get(url("review_file", file.pk)).text
    assert hub.post(url("review_bank", file.pk)).status_code == 400
    assert logged_in(operator).post(url("review_bank", file.pk)).status_code == 302
    file.refresh_from_db()
    assert file.bank_validated_by == operator.user


def test_documents_are_served_only_to_the_applicant_and_reviewers(provider, operator, far_hub):
    file = submitted_file(provider)
    document = file.documents.first()
    for allowed in (provider, operator):
        response = logged_in(allowed).get(url("download", document.pk))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
    for stranger in (far_hub, make_acting(OrganisationKind.PROVIDER)):
        assert logged_in(stranger).get(url("download", document.pk)).status_code == 404
    assert Client().get(url("download", document.pk)).status_code == 404
