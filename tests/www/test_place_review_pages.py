"""The pages of a place added after the qualification: the applicant adds it with its offer and
submits it alone; operator staff or the hub of its département review it from the queue."""

import re

import pytest
from django.test import Client

from passnum.accounts.enums import OrganisationKind
from passnum.places.enums import FileStatus, PlaceDecision, QualificationStatus
from passnum.places.models import Place
from passnum.places.services import review_file, review_place, submit_file, submit_place
from tests.factories import PlaceFactory, a_service, make_acting
from tests.places.test_files import complete_file
from tests.places.test_place_review import add_offer, new_place
from tests.www.test_pages import logged_in
from tests.www.test_qualification_pages import PLACE, error_linked, hub_of, url

pytestmark = pytest.mark.django_db

SUBMIT = "Soumettre ce lieu à l'examen"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def qualified(provider, operator):
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    place.refresh_from_db()
    return file, place


def submit_buttons(page: str) -> list[str]:
    """The places whose "submit this place" button the page shows (by their hidden name)."""
    return re.findall(rf"{SUBMIT}<span class=\"fr-sr-only\"> — ([^<]+)</span>", page)


# --- The applicant ------------------------------------------------------------------------------


def test_a_draft_file_s_places_go_with_the_file(provider):
    complete_file(provider)
    page = logged_in(provider).get(url("places")).text
    assert submit_buttons(page) == [] and 'id="per-place-review"' not in page


def test_a_qualified_provider_adds_a_place_and_its_offer_then_submits_it(
    provider, operator, qualified
):
    _file, first = qualified
    client = logged_in(provider)
    page = client.get(url("places")).text
    assert 'id="per-place-review"' in page and url("place_new") in page
    assert submit_buttons(page) == []  # the qualified place is not submitted again
    added = client.post(url("place_new"), {**PLACE, "commune_code": "33243"})
    assert added.status_code == 302
    place = Place.objects.get(organisation=provider.organisation, name=PLACE["name"])
    assert place.qualification_status == QualificationStatus.DRAFT
    # Without a service, the place is not sent: the page says why and links to its offer.
    refused = client.post(url("place_submit", place.pk))
    assert refused.status_code == 400
    assert "Aucun service" in refused.text and url("place_offers", place.pk) in refused.text
    offer = {"service": a_service().code, "price": "15", "passes_needed": 2,
             "duration_minutes": 60, "format": "individual"}  # fmt: skip
    assert client.post(url("place_offers", place.pk), offer).status_code == 302
    assert SUBMIT in client.get(url("place_offers", place.pk)).text
    assert submit_buttons(client.get(url("places")).text) == [PLACE["name"]]
    sent = client.post(url("place_submit", place.pk))
    assert sent.status_code == 302 and sent["Location"] == url("places")
    place.refresh_from_db()
    first.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED and first.is_qualified
    page = client.get(url("places")).text
    assert submit_buttons(page) == [] and "Soumis" in page
    # Under review, the place and its offer are read-only.
    form = client.get(url("place_edit", place.pk)).text
    assert re.search(r'<fieldset class="fr-fieldset fr-mb-0"[^>]*disabled', form)
    edited = client.post(url("place_edit", place.pk), {**PLACE, "commune_code": "33243",
                                                       "name": "Autre nom"})  # fmt: skip
    assert edited.status_code == 400 and "Ce lieu est en cours d" in edited.text
    assert client.post(url("offer_remove", place.offers.get().pk)).status_code == 400
    place.refresh_from_db()
    assert place.name == PLACE["name"] and place.offers.exists()


def test_the_places_of_a_suspended_structure_are_read_only(provider, operator, qualified):
    file, first = qualified
    review_file(
        acting=operator, file=file, to_status=FileStatus.SUSPENDED, reason="Contrôle en cours."
    )
    client = logged_in(provider)
    refused = client.post(url("place_edit", first.pk), {**PLACE, "opening_hours": "Mo 10:00-12:00"})
    assert refused.status_code == 400
    first.refresh_from_db()
    assert first.opening_hours != "Mo 10:00-12:00"


def test_a_place_to_correct_shows_the_reason_and_can_be_sent_again(provider, operator, qualified):
    place = submit_place(acting=provider, place=new_place(provider, name="Antenne"))
    reason = "Précisez les horaires du samedi."
    review_place(
        acting=operator, place=place, decision=PlaceDecision.REQUEST_CHANGES, reason=reason
    )
    client = logged_in(provider)
    form = client.get(url("place_edit", place.pk)).text
    assert 'id="place-changes-requested"' in form
    assert reason in form.split('id="place-transitions"')[1]
    assert submit_buttons(client.get(url("places")).text) == ["Antenne"]
    assert client.post(url("place_submit", place.pk)).status_code == 302
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED


def test_nobody_submits_another_provider_s_place(provider, qualified):
    place = new_place(provider)
    stranger = make_acting(OrganisationKind.PROVIDER)
    assert logged_in(stranger).post(url("place_submit", place.pk)).status_code == 404
    assert logged_in(stranger).get(url("place_submit", place.pk)).status_code == 405
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.DRAFT


# --- The reviewers ------------------------------------------------------------------------------


def test_the_queue_lists_the_places_each_reviewer_may_review(provider, operator, qualified):
    place = submit_place(acting=provider, place=new_place(provider, name="Bastide"))
    link = url("review_place", place.pk)
    for reviewer in (operator, hub_of("33")):
        page = logged_in(reviewer).get(url("review_queue")).text
        assert link in page.split('id="place-queue"')[1].split("</table>")[0]
        assert 'Examiner le lieu<span class="fr-sr-only"> — Bastide' in page
    far = logged_in(hub_of("59", "62"))
    assert link not in far.get(url("review_queue")).text
    assert far.get(link).status_code == 404
    decided = far.post(url("review_place_decide", place.pk), {"decision": "approve"})
    assert decided.status_code == 404
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED


def test_others_get_404_on_the_place_review_pages(provider, sponsor, qualified):
    place = submit_place(acting=provider, place=new_place(provider))
    for someone in (provider, sponsor, make_acting(OrganisationKind.PROVIDER)):
        client = logged_in(someone)
        assert client.get(url("review_place", place.pk)).status_code == 404
        decided = client.post(url("review_place_decide", place.pk), {"decision": "approve"})
        assert decided.status_code == 404
    assert Client().get(url("review_place", place.pk)).status_code == 302  # to the login page
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED


def test_the_review_page_shows_the_place_its_offer_and_history_then_decides(
    provider, operator, qualified
):
    place = new_place(provider, name="Bastide", opening_hours="Mo-Fr 09:00-18:00")
    place = submit_place(acting=provider, place=place)
    staff = logged_in(operator)
    page = staff.get(url("review_place", place.pk)).text
    assert "Bastide" in page and "Mo-Fr 09:00-18:00" in page and "15,00" in page  # offer
    assert provider.organisation.name in page
    assert "Brouillon → <strong>Soumis</strong>" in page.split('id="place-transitions"')[1]
    for label in ("Qualifier le lieu", "Demander des modifications", "Refuser le lieu"):
        assert label in page
    decide = url("review_place_decide", place.pk)
    no_reason = staff.post(decide, {"decision": "request_changes", "reason": ""})
    assert no_reason.status_code == 400 and error_linked(no_reason.text, "reason")
    unknown = staff.post(decide, {"decision": "suspend", "reason": "x"})
    assert unknown.status_code == 400 and "Décision inconnue" in unknown.text
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED
    approved = staff.post(decide, {"decision": "approve"})
    assert approved.status_code == 302 and approved["Location"] == url("review_place", place.pk)
    place.refresh_from_db()
    assert place.is_qualified
    page = staff.get(url("review_place", place.pk)).text
    assert "Qualifier le lieu" not in page and "Décision enregistrée" in page


def test_a_hub_rejects_a_place_of_its_territory_with_a_reason(provider, qualified):
    place = submit_place(acting=provider, place=new_place(provider))
    hub = logged_in(hub_of("33"))
    rejected = hub.post(
        url("review_place_decide", place.pk), {"decision": "reject", "reason": "Doublon"}
    )
    assert rejected.status_code == 302
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.REJECTED
    assert "Doublon" in hub.get(url("review_place", place.pk)).text


def test_a_place_of_a_file_under_review_is_decided_on_the_file(provider, operator):
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    staff = logged_in(operator)
    page = staff.get(url("review_place", place.pk)).text
    assert 'id="reviewed-with-file"' in page and "Qualifier le lieu" not in page
    assert url("review_file", file.pk) in page
    refused = staff.post(url("review_place_decide", place.pk), {"decision": "approve"})
    assert refused.status_code == 400 and "dossier de qualification" in refused.text
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED


def test_the_file_review_page_still_lists_every_place(provider, operator, qualified):
    file, first = qualified
    extra = new_place(provider, name="Antenne")
    add_offer(provider, extra, price_cents=2500)
    page = logged_in(operator).get(url("review_file", file.pk)).text
    assert first.name in page and "Antenne" in page and "25,00" in page


def test_the_place_factory_s_provider_has_no_review_page(provider, operator):
    """A place without a file (an import, say) is never in the queue."""
    place = PlaceFactory(qualification_status=QualificationStatus.SUBMITTED)
    page = logged_in(operator).get(url("review_queue")).text
    assert url("review_place", place.pk) not in page


# --- A qualified place: practical details and offer kept up to date -------------------------------


def test_a_qualified_place_updates_its_hours_but_not_its_name(provider, qualified):
    _file, place = qualified
    client = logged_in(provider)
    page = client.get(url("place_edit", place.pk)).text
    assert 'id="place-practical-only"' in page
    assert re.search(r'<input[^>]*name="name"[^>]*disabled', page)
    assert re.search(r'<input[^>]*name="opening_hours"(?![^>]*disabled)[^>]*>', page)
    sent = client.post(
        url("place_edit", place.pk),
        {**PLACE, "name": "Un autre nom", "address": "9 rue Ailleurs", "commune_code": "33243",
         "opening_hours": "Tu-Sa 10:00-18:00"},
    )  # fmt: skip
    assert sent.status_code == 302
    saved = Place.objects.get(pk=place.pk)
    assert saved.opening_hours == "Tu-Sa 10:00-18:00"
    assert (saved.name, saved.address, saved.postcode) == (
        place.name,
        place.address,
        place.postcode,
    )
    assert saved.qualification_status == QualificationStatus.QUALIFIED


def test_a_qualified_place_changes_its_offer_and_keeps_one_service(provider, qualified):
    _file, place = qualified
    client = logged_in(provider)
    (offer,) = place.offers.all()
    changed = {"service": offer.service.code, "price": "20", "passes_needed": 2,
               "duration_minutes": 90, "format": "individual"}  # fmt: skip
    assert client.post(url("place_offers", place.pk), changed).status_code == 302
    offer.refresh_from_db()
    assert (offer.price_cents, offer.duration_minutes) == (2000, 90)
    refused = client.post(url("offer_remove", offer.pk))
    assert refused.status_code == 400 and "au moins un service" in refused.text
    assert place.offers.count() == 1


def test_a_qualified_place_in_an_arrondissement_updates_its_hours(provider, qualified):
    """The commune list names it "Paris" with the EPCI of today's COG; what is stored may say
    otherwise: the page sends none of what review looked at, so nothing is refused."""
    place = PlaceFactory(
        organisation=provider.organisation,
        postcode="75001",
        commune_code="75101",
        commune_name="Paris 1er Arrondissement",
        epci_code="200000000",
        departement="75",
        region="11",
    )
    sent = logged_in(provider).post(
        url("place_edit", place.pk), {**PLACE, "opening_hours": "Mo-Sa 09:00-19:00"}
    )
    assert sent.status_code == 302, sent.text
    saved = Place.objects.get(pk=place.pk)
    assert saved.opening_hours == "Mo-Sa 09:00-19:00"
    assert (saved.commune_name, saved.epci_code) == (place.commune_name, place.epci_code)
