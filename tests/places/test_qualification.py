"""The qualification workflow of places: every move of the table, and only those."""

import itertools

import pytest

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.exceptions import WrongOrganisationKind
from passnum.core.exceptions import InvalidTransition
from passnum.places.enums import QUALIFICATION_TRANSITIONS, QualificationStatus
from passnum.places.models import Place, PlaceTransition
from passnum.places.services import change_place_qualification
from tests.factories import PlaceFactory, make_acting

PAIRS = list(itertools.product(QualificationStatus.values, repeat=2))


def place_in(status, provider, reviewer):
    """A place of `provider` in `status` (the factory has no 'changes requested')."""
    if status != QualificationStatus.CHANGES_REQUESTED:
        return PlaceFactory(organisation=provider.organisation, qualification_status=status)
    place = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.SUBMITTED
    )
    return change_place_qualification(actor=reviewer.user, place=place, to_status=status)


def test_the_table_covers_every_status():
    assert set(QUALIFICATION_TRANSITIONS) == set(QualificationStatus.values)
    assert QUALIFICATION_TRANSITIONS[QualificationStatus.REJECTED] == set()


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_moves_follow_the_transition_table(provider, operator, current, target):
    place = place_in(current, provider, operator)
    logged = PlaceTransition.objects.filter(place=place).count()
    if target in QUALIFICATION_TRANSITIONS[current]:
        moved = change_place_qualification(
            actor=operator.user, place=place, to_status=target, reason="dossier complet"
        )
        assert moved.qualification_status == target
        assert Place.objects.get(pk=place.pk).qualification_status == target
        last = PlaceTransition.objects.filter(place=place).order_by("pk").last()
        assert (last.from_status, last.to_status) == (current, target)
        assert (last.actor, last.reason) == (operator.user, "dossier complet")
    else:
        with pytest.raises(InvalidTransition):
            change_place_qualification(actor=operator.user, place=place, to_status=target)
        assert Place.objects.get(pk=place.pk).qualification_status == current
    assert PlaceTransition.objects.filter(place=place).count() == logged + (
        target in QUALIFICATION_TRANSITIONS[current]
    )


def test_a_new_place_is_a_draft_with_no_history(provider):
    place = PlaceFactory(
        organisation=provider.organisation, qualification_status=QualificationStatus.DRAFT
    )
    assert place.qualification_status == QualificationStatus.DRAFT
    assert not place.is_qualified
    assert not PlaceTransition.objects.filter(place=place).exists()


def test_only_a_qualified_place_is_qualified(provider):
    for status in QualificationStatus.values:
        if status == QualificationStatus.CHANGES_REQUESTED:
            continue
        place = PlaceFactory(organisation=provider.organisation, qualification_status=status)
        assert place.is_qualified == (status == QualificationStatus.QUALIFIED)


@pytest.mark.parametrize(
    "kind",
    [
        OrganisationKind.SPONSOR,
        OrganisationKind.OPERATOR,
        OrganisationKind.DISTRIBUTOR,
        OrganisationKind.HUB,
    ],
)
def test_only_a_provider_has_places(db, kind):
    acting = make_acting(kind)
    with pytest.raises(WrongOrganisationKind):
        PlaceFactory(organisation=acting.organisation)
    assert not Place.objects.exists()
