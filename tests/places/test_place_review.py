"""Places added after the qualification, reviewed one by one while the file stays qualified:
submission of a complete place alone, approval, changes requested, rejection, who may do what,
and what each reviewer sees."""

import pytest
from django.core import mail

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import DomainError, InvalidTransition, NotFound
from passnum.places.enums import FileStatus, PlaceDecision, QualificationStatus
from passnum.places.models import FileTransition, PlaceTransition
from passnum.places.selectors import (
    awaits_place_review,
    place_for_reviewer,
    place_review_queue,
)
from passnum.places.services import (
    create_place,
    remove_service_offer,
    review_file,
    review_place,
    set_service_offer,
    submit_file,
    submit_place,
    update_place,
)
from passnum.places.services.files import FileNotEditable, place_gaps, steps_of
from passnum.places.services.place_review import (
    FileNotQualified,
    IncompletePlace,
    PlaceReviewedWithFile,
)
from passnum.places.services.places import PlaceNotEditable
from passnum.places.services.review import ReasonRequired
from tests.factories import OrganisationFactory, PlaceFactory, a_service, make_acting
from tests.places.test_files import complete_file

pytestmark = pytest.mark.django_db

LILLE = {
    "postcode": "59000",
    "commune_name": "Lille",
    "commune_code": "59350",
    "departement": "59",
    "region": "32",
}


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """`with sent(): …` runs the after-commit e-mails of what it wraps (tests never commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def hub_of(*departements):
    hub = OrganisationFactory(kind=OrganisationKind.HUB, territory=list(departements))
    return make_acting(OrganisationKind.HUB, organisation=hub)


@pytest.fixture
def hub_33():
    return hub_of("33", "24")


@pytest.fixture
def hub_59():
    return hub_of("59", "62")


@pytest.fixture
def qualified(provider, operator):
    """A provider whose file (one place in Gironde) is qualified: (file, first place)."""
    file, place = complete_file(provider)
    submit_file(acting=provider, file=file)
    file = review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    place.refresh_from_db()
    assert place.is_qualified
    return file, place


def new_place(provider, *, offer=True, **fields):
    """A place added by `provider` (a draft), with one service unless told otherwise."""
    place = PlaceFactory(
        organisation=provider.organisation,
        qualification_status=QualificationStatus.DRAFT,
        **fields,
    )
    if offer:
        add_offer(provider, place)
    return place


def add_offer(provider, place, price_cents=1500):
    return set_service_offer(
        acting=provider,
        place=place,
        service=a_service(),
        price_cents=price_cents,
        passes_needed=2,
        duration_minutes=60,
    )


def statuses(place):
    return [(t.from_status, t.to_status) for t in PlaceTransition.objects.filter(place=place)]


# --- Submission -----------------------------------------------------------------------------------


def test_a_place_added_after_qualification_is_submitted_alone(
    provider, operator, qualified, hub_33, hub_59, sent
):
    file, first = qualified
    place = new_place(provider)
    mail.outbox.clear()
    with sent():
        submitted = submit_place(acting=provider, place=place)
    assert submitted.qualification_status == QualificationStatus.SUBMITTED
    last = PlaceTransition.objects.filter(place=place).latest("pk")
    assert (last.from_status, last.to_status, last.actor) == ("draft", "submitted", provider.user)
    file.refresh_from_db()
    first.refresh_from_db()
    assert file.status == FileStatus.QUALIFIED and first.is_qualified  # the file stays qualified
    assert awaits_place_review(submitted)
    [message] = mail.outbox
    assert place.name in message.subject
    assert operator.user.email in message.to and hub_33.user.email in message.to
    assert hub_59.user.email not in message.to and provider.user.email not in message.to


def test_approval_qualifies_the_place_alone_and_tells_the_provider(
    provider, operator, qualified, sent
):
    file, _first = qualified
    place = submit_place(acting=provider, place=new_place(provider))
    file_log = FileTransition.objects.filter(file=file).count()
    mail.outbox.clear()
    with sent():
        approved = review_place(acting=operator, place=place, decision=PlaceDecision.APPROVE)
    assert approved.is_qualified
    assert statuses(place)[-1] == ("submitted", "qualified")
    assert PlaceTransition.objects.filter(place=place).latest("pk").actor == operator.user
    assert FileTransition.objects.filter(file=file).count() == file_log  # the file is untouched
    [message] = mail.outbox
    assert message.to == [provider.user.email]
    assert place.name in message.subject and "Qualifié" in message.body


def test_changes_requested_then_corrected_resubmitted_and_approved_by_the_hub(
    provider, operator, qualified, hub_33, sent
):
    place = submit_place(acting=provider, place=new_place(provider))
    reason = "Les horaires manquent : indiquez-les."
    with sent():
        asked = review_place(
            acting=operator, place=place, decision=PlaceDecision.REQUEST_CHANGES, reason=reason
        )
    assert asked.qualification_status == QualificationStatus.CHANGES_REQUESTED
    assert reason in mail.outbox[-1].body and mail.outbox[-1].to == [provider.user.email]
    assert PlaceTransition.objects.filter(place=place).latest("pk").reason == reason
    assert not awaits_place_review(asked)
    # The provider corrects the place and its offer, then sends it again.
    update_place(acting=provider, place=asked, opening_hours="Mo-Fr 09:00-17:00")
    add_offer(provider, asked, price_cents=2000)
    again = submit_place(acting=provider, place=asked)
    assert again.qualification_status == QualificationStatus.SUBMITTED
    approved = review_place(acting=hub_33, place=again, decision=PlaceDecision.APPROVE)
    assert approved.is_qualified and approved.opening_hours == "Mo-Fr 09:00-17:00"
    assert statuses(place) == [
        ("draft", "submitted"),
        ("submitted", "changes_requested"),
        ("changes_requested", "submitted"),
        ("submitted", "qualified"),
    ]


def test_rejection_is_final_for_the_place(provider, operator, qualified, sent):
    file, first = qualified
    place = submit_place(acting=provider, place=new_place(provider))
    with sent():
        rejected = review_place(
            acting=operator, place=place, decision=PlaceDecision.REJECT, reason="Hors champ"
        )
    assert rejected.qualification_status == QualificationStatus.REJECTED
    assert "Hors champ" in mail.outbox[-1].body
    with pytest.raises(InvalidTransition):
        submit_place(acting=provider, place=rejected)
    file.refresh_from_db()
    first.refresh_from_db()
    assert file.status == FileStatus.QUALIFIED and first.is_qualified


@pytest.mark.parametrize("decision", [PlaceDecision.REQUEST_CHANGES, PlaceDecision.REJECT])
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required_but_to_approve(provider, operator, qualified, decision, reason):
    place = submit_place(acting=provider, place=new_place(provider))
    logged = PlaceTransition.objects.filter(place=place).count()
    with pytest.raises(ReasonRequired):
        review_place(acting=operator, place=place, decision=decision, reason=reason)
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED
    assert PlaceTransition.objects.filter(place=place).count() == logged


def test_an_unknown_decision_is_refused(provider, operator, qualified):
    place = submit_place(acting=provider, place=new_place(provider))
    with pytest.raises(DomainError, match="inconnue"):
        review_place(acting=operator, place=place, decision="suspend", reason="x")  # type: ignore[arg-type]
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED


def test_an_incomplete_place_is_not_submitted(provider, qualified):
    place = new_place(provider, offer=False)
    with pytest.raises(IncompletePlace) as refused:
        submit_place(acting=provider, place=place)
    assert [detail["code"] for detail in refused.value.details] == ["offer"]
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.DRAFT
    assert not PlaceTransition.objects.filter(place=place).exists()


def test_the_file_and_a_place_alone_share_one_completeness_rule(provider, qualified):
    file, _first = qualified
    place = new_place(provider, offer=False)
    assert [gap.step for gap in place_gaps(place)] == ["offer"]
    assert not next(step for step in steps_of(file) if step.code == "offer").done
    place.address = ""  # a field every place needs (say, an imported one)
    assert [gap.step for gap in place_gaps(place)] == ["places", "offer"]
    assert "adresse" in str(place_gaps(place)[0].message)
    add_offer(provider, place)
    place.refresh_from_db()
    assert place_gaps(place) == []
    assert all(step.done for step in steps_of(file))


def test_only_a_draft_or_a_place_to_correct_is_submitted(provider, operator, qualified):
    _file, first = qualified
    with pytest.raises(InvalidTransition, match="Qualifié"):
        submit_place(acting=provider, place=first)
    place = submit_place(acting=provider, place=new_place(provider))
    with pytest.raises(InvalidTransition):
        submit_place(acting=provider, place=place)
    approved = review_place(acting=operator, place=place, decision=PlaceDecision.APPROVE)
    with pytest.raises(InvalidTransition):
        review_place(acting=operator, place=approved, decision=PlaceDecision.APPROVE)


def test_a_place_under_review_is_frozen_for_the_provider(provider, operator, qualified):
    place = submit_place(acting=provider, place=new_place(provider))
    offer = place.offers.get()
    with pytest.raises(PlaceNotEditable):
        update_place(acting=provider, place=place, name="Autre nom")
    with pytest.raises(PlaceNotEditable):
        add_offer(provider, place, price_cents=9900)
    with pytest.raises(PlaceNotEditable):
        remove_service_offer(acting=provider, offer=offer)
    place.refresh_from_db()
    assert place.name != "Autre nom" and place.offers.get().price_cents == 1500
    review_place(acting=operator, place=place, decision=PlaceDecision.REQUEST_CHANGES, reason="x")
    update_place(acting=provider, place=place, name="Autre nom")  # open again
    place.refresh_from_db()
    assert place.name == "Autre nom"


# --- A place of a file in its first qualification goes with the file --------------------------


def test_a_place_of_a_file_not_yet_qualified_is_reviewed_with_the_file(provider, operator):
    file, place = complete_file(provider)
    with pytest.raises(PlaceReviewedWithFile, match="dossier"):
        submit_place(acting=provider, place=place)  # draft file
    file = submit_file(acting=provider, file=file)
    place.refresh_from_db()
    with pytest.raises(PlaceReviewedWithFile):
        review_place(acting=operator, place=place, decision=PlaceDecision.APPROVE)
    assert not awaits_place_review(place)
    assert place not in place_review_queue(acting=operator)
    review_file(acting=operator, file=file, to_status=FileStatus.CHANGES_REQUESTED, reason="RIB")
    place.refresh_from_db()
    with pytest.raises(PlaceReviewedWithFile):
        submit_place(acting=provider, place=place)  # changes requested on the file
    assert place.qualification_status == QualificationStatus.CHANGES_REQUESTED


def test_a_provider_without_a_file_submits_no_place_alone(provider):
    place = new_place(provider)
    with pytest.raises(PlaceReviewedWithFile):
        submit_place(acting=provider, place=place)


def test_no_place_is_reviewed_alone_while_the_structure_is_suspended(provider, operator, qualified):
    file, first = qualified
    pending = submit_place(acting=provider, place=new_place(provider))
    draft = new_place(provider, name="Antenne")
    review_file(acting=operator, file=file, to_status=FileStatus.SUSPENDED, reason="Plainte")
    with pytest.raises(FileNotQualified, match="Suspendu"):
        submit_place(acting=provider, place=draft)
    with pytest.raises(FileNotQualified):
        review_place(acting=operator, place=pending, decision=PlaceDecision.APPROVE)
    assert pending not in place_review_queue(acting=operator)
    # Requalifying the file moves back the places it suspended, not the one waiting alone.
    review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED, reason="Réglé")
    first.refresh_from_db()
    pending.refresh_from_db()
    assert first.is_qualified
    assert pending.qualification_status == QualificationStatus.SUBMITTED
    assert list(place_review_queue(acting=operator)) == [pending]
    assert review_place(acting=operator, place=pending, decision=PlaceDecision.APPROVE).is_qualified


def test_a_place_is_added_once_qualified_but_not_while_the_file_is_under_review(provider, operator):
    file, _place = complete_file(provider)
    submit_file(acting=provider, file=file)
    fields = {
        "name": "Rive droite",
        "address": "3 rue Sainte-Catherine",
        "postcode": "33000",
        "commune_name": "Bordeaux",
        "commune_code": "33063",
        "departement": "33",
        "region": "75",
        "place_type": "epn",
    }
    with pytest.raises(FileNotEditable):
        create_place(acting=provider, **fields)
    assert not provider.organisation.places.filter(name="Rive droite").exists()
    review_file(acting=operator, file=file, to_status=FileStatus.QUALIFIED)
    added = create_place(acting=provider, **fields)
    assert added.qualification_status == QualificationStatus.DRAFT
    assert added.organisation == provider.organisation


# --- Isolation ----------------------------------------------------------------------------------


def test_a_provider_never_submits_another_s_place(provider, qualified):
    other = make_acting(OrganisationKind.PROVIDER)
    place = new_place(provider)
    with pytest.raises(NotFound):
        submit_place(acting=other, place=place)
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.DRAFT


def test_a_hub_of_another_territory_neither_sees_nor_decides(
    provider, operator, qualified, hub_33, hub_59
):
    place = submit_place(acting=provider, place=new_place(provider))  # in Gironde (33)
    assert place not in place_review_queue(acting=hub_59)
    with pytest.raises(NotFound):
        place_for_reviewer(acting=hub_59, place_id=place.pk)
    with pytest.raises(NotFound):
        review_place(acting=hub_59, place=place, decision=PlaceDecision.APPROVE)
    place.refresh_from_db()
    assert place.qualification_status == QualificationStatus.SUBMITTED
    assert place_for_reviewer(acting=hub_33, place_id=place.pk) == place


@pytest.mark.parametrize(
    "kind", [OrganisationKind.PROVIDER, OrganisationKind.SPONSOR, OrganisationKind.DISTRIBUTOR]
)
def test_nobody_else_reviews_a_place(provider, qualified, kind):
    place = submit_place(acting=provider, place=new_place(provider))
    someone = make_acting(kind)
    with pytest.raises(NotFound):
        review_place(acting=someone, place=place, decision=PlaceDecision.APPROVE)
    with pytest.raises(NotFound):
        place_for_reviewer(acting=someone, place_id=place.pk)
    assert list(place_review_queue(acting=someone)) == []
    # …not even the provider on its own place
    with pytest.raises(NotFound):
        review_place(acting=provider, place=place, decision=PlaceDecision.APPROVE)


def test_the_queue_lists_only_what_the_reviewer_may_review(
    provider, operator, qualified, hub_33, hub_59
):
    in_gironde = submit_place(acting=provider, place=new_place(provider, name="Bastide"))
    in_lille = submit_place(acting=provider, place=new_place(provider, name="Lille", **LILLE))
    new_place(provider, name="Brouillon")  # a draft waits for nobody
    # Another provider's submitted place, its structure not qualified: it waits with the file.
    PlaceFactory(qualification_status=QualificationStatus.SUBMITTED)
    assert list(place_review_queue(acting=operator)) == [in_gironde, in_lille]
    assert list(place_review_queue(acting=hub_33)) == [in_gironde]
    assert list(place_review_queue(acting=hub_59)) == [in_lille]
    # The hub of Lille decides on the place of its territory, not on the other.
    assert review_place(acting=hub_59, place=in_lille, decision=PlaceDecision.APPROVE).is_qualified
    with pytest.raises(NotFound):
        review_place(acting=hub_59, place=in_gironde, decision=PlaceDecision.APPROVE)
    assert list(place_review_queue(acting=operator)) == [in_gironde]
