from django.db.models import QuerySet

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.places.enums import FileStatus
from passnum.places.models import Place, ProviderFile


def place_of(*, acting: Acting, place_id: int) -> Place:
    """A place the acting organisation owns; 404 for any other (no existence leak)."""
    place = Place.objects.filter(pk=place_id, organisation=acting.organisation).first()
    if place is None:
        raise NotFound()
    return place


def places_of(*, acting: Acting) -> QuerySet[Place]:
    return Place.objects.filter(organisation=acting.organisation).order_by("name")


def can_review(*, acting: Acting, file: "ProviderFile") -> bool:
    """Operator staff review every file; a hub the files with a place in its territory."""
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return True
    if acting.organisation.kind != OrganisationKind.HUB:
        return False
    territory = acting.organisation.territory or []
    return file.organisation.places.filter(departement__in=territory).exists()


def reviewable_files(*, acting: Acting) -> QuerySet["ProviderFile"]:
    """Every file `acting` may review: all for operator staff, the hub's territory for a hub."""
    files = ProviderFile.objects.select_related("organisation")
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return files
    if acting.organisation.kind == OrganisationKind.HUB:
        territory = acting.organisation.territory or []
        return files.filter(organisation__places__departement__in=territory).distinct()
    return files.none()


def review_queue(*, acting: Acting) -> QuerySet["ProviderFile"]:
    """Files waiting for a decision, oldest submission first."""
    return (
        reviewable_files(acting=acting)
        .filter(status=FileStatus.SUBMITTED)
        .order_by("submitted_at", "pk")
    )


def decided_files(*, acting: Acting) -> QuerySet["ProviderFile"]:
    """Files already decided (qualified, suspended, changes requested, rejected): where
    suspensions and requalifications start."""
    return (
        reviewable_files(acting=acting)
        .exclude(status__in=[FileStatus.DRAFT, FileStatus.SUBMITTED])
        .order_by("-updated_at", "pk")
    )


def file_for_reviewer(*, acting: Acting, file_id: int) -> "ProviderFile":
    file = ProviderFile.objects.select_related("organisation").filter(pk=file_id).first()
    if file is None or not can_review(acting=acting, file=file):
        raise NotFound()
    return file
