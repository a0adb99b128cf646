from django.db.models import QuerySet

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.places.models import Place


def place_of(*, acting: Acting, place_id: int) -> Place:
    """A place the acting organisation owns; 404 for any other (no existence leak)."""
    place = Place.objects.filter(pk=place_id, organisation=acting.organisation).first()
    if place is None:
        raise NotFound()
    return place


def places_of(*, acting: Acting) -> QuerySet[Place]:
    return Place.objects.filter(organisation=acting.organisation).order_by("name")
