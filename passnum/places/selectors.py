import functools

from django.db import connections, router
from django.db.models import Max, Q, QuerySet

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.core.rows import Columns, prepared_cursor
from passnum.places.enums import FileStatus, QualificationStatus
from passnum.places.models import Place, ProviderFile, ServiceOffer, SupportingDocument


def place_of(*, acting: Acting, place_id: int) -> Place:
    """A place the acting organisation owns; 404 for any other (no existence leak)."""
    place = Place.objects.filter(pk=place_id, organisation=acting.organisation).first()
    if place is None:
        raise NotFound()
    return place


# What redeeming and checking a pass read of the place (the rules and the answer); the
# rest of its fields would load on access.
REDEMPTION_FIELDS = (
    "id",
    "organisation",
    "name",
    "commune_name",
    "commune_code",
    "epci_code",
    "departement",
    "region",
    "place_type",
    "qualification_status",
)


@functools.cache
def _redemption_columns() -> Columns[Place]:
    return Columns(Place, REDEMPTION_FIELDS, "p")


# The place's offers come in the same statement, as "service_id:price_cents" pairs joined by
# commas (NULL for none): a scan checks the service and its price without another query.
_OFFERS_KEY = "_passnum_offer_prices"


@functools.cache
def _place_for_redemption_sql(db: str) -> str:
    connection = connections[db]
    quote = connection.ops.quote_name
    service = quote(str(ServiceOffer._meta.get_field("service").column))
    price = quote(str(ServiceOffer._meta.get_field("price_cents").column))
    offer_place = quote(str(ServiceOffer._meta.get_field("place").column))
    pairs = f"o.{service} || ':' || o.{price}"
    aggregate = (
        f"string_agg({pairs}, ',')"
        if connection.vendor == "postgresql"
        else f"group_concat({pairs}, ',')"
    )
    offers = (
        f"(SELECT {aggregate} FROM {ServiceOffer._meta.db_table} o "  # noqa: S608
        f"WHERE o.{offer_place} = p.id)"
    )
    return (
        f"SELECT {_redemption_columns().sql(db)}, {offers} "  # noqa: S608
        f"FROM {Place._meta.db_table} p WHERE p.id = %s AND p.organisation_id = %s"
    )


def _parse_offer_prices(pairs: str | None) -> dict[int, int]:
    prices: dict[int, int] = {}
    if pairs:
        for pair in pairs.split(","):
            service_id, _colon, price_cents = pair.partition(":")
            prices[int(service_id)] = int(price_cents)
    return prices


def place_for_redemption(*, acting: Acting, place_id: int) -> Place:
    """`place_of` reading only REDEMPTION_FIELDS, and the place's offers (`offer_prices`), in
    one hand-written statement (core.rows): every scan runs it."""
    if not 0 < place_id < 2**63:
        raise NotFound()
    columns = _redemption_columns()
    db = router.db_for_read(Place)
    with prepared_cursor(db) as cursor:
        cursor.execute(_place_for_redemption_sql(db), [place_id, acting.organisation.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    place = columns.build(db, row[: len(columns)])
    # Kept in the instance's __dict__, as Django keeps its prefetched rows: the instance lives
    # for one request.
    place.__dict__[_OFFERS_KEY] = _parse_offer_prices(row[len(columns)])
    return place


def offer_prices(place: Place) -> dict[int, int]:
    """The place's service offers, {service id: price in cents}: what it publishes and may be
    paid for with passes. Read with the place by `place_for_redemption` (no query); for any
    other instance, read now (never cached: the offer may change between two calls)."""
    prices = place.__dict__.get(_OFFERS_KEY)
    if prices is None:
        prices = dict(
            ServiceOffer.objects.filter(place_id=place.pk).values_list("service_id", "price_cents")
        )
    return prices


def places_of(*, acting: Acting) -> QuerySet[Place]:
    return Place.objects.filter(organisation=acting.organisation).order_by("name")


def offer_of(*, acting: Acting, offer_id: int) -> ServiceOffer:
    """An offer of one of the acting organisation's places; 404 for any other."""
    offer = (
        ServiceOffer.objects.select_related("place", "service")
        .filter(pk=offer_id, place__organisation=acting.organisation)
        .first()
    )
    if offer is None:
        raise NotFound()
    return offer


def document_for(*, acting: Acting, document_id: int) -> SupportingDocument:
    """A supporting document, for the applicant organisation or a reviewer of its file; 404 for
    anyone else (no existence leak)."""
    document = (
        SupportingDocument.objects.select_related("file__organisation")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFound()
    owner = document.file.organisation_id == acting.organisation.pk
    if not owner and not can_review(acting=acting, file=document.file):
        raise NotFound()
    return document


# --- Review: one scoping rule for files and places -------------------------------------------


def review_territory(*, acting: Acting) -> list[str] | None:
    """The départements whose places `acting` reviews: None for every one (operator staff),
    a hub's territory, nothing for any other organisation."""
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return None
    if acting.organisation.kind == OrganisationKind.HUB:
        return list(acting.organisation.territory or [])
    return []


def can_review(*, acting: Acting, file: "ProviderFile") -> bool:
    """Operator staff review every file; a hub the files with a place in its territory."""
    territory = review_territory(acting=acting)
    if territory is None:
        return True
    return bool(territory) and file.organisation.places.filter(departement__in=territory).exists()


def can_review_place(*, acting: Acting, place: Place) -> bool:
    """Operator staff review every place; a hub the places of its territory."""
    territory = review_territory(acting=acting)
    return territory is None or place.departement in territory


def reviewable_files(*, acting: Acting) -> QuerySet["ProviderFile"]:
    """Every file `acting` may review: all for operator staff, the hub's territory for a hub."""
    files = ProviderFile.objects.select_related("organisation")
    territory = review_territory(acting=acting)
    if territory is None:
        return files
    if territory:
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


def reviewable_places(*, acting: Acting) -> QuerySet[Place]:
    """Every place `acting` may review: all for operator staff, the hub's territory for a hub."""
    places = Place.objects.select_related("organisation")
    territory = review_territory(acting=acting)
    if territory is None:
        return places
    if territory:
        return places.filter(departement__in=territory)
    return places.none()


def place_review_queue(*, acting: Acting) -> QuerySet[Place]:
    """Places added after their structure's qualification and submitted alone, waiting for a
    decision, oldest submission first (the places of a file under review wait with it)."""
    return (
        reviewable_places(acting=acting)
        .filter(
            qualification_status=QualificationStatus.SUBMITTED,
            organisation__qualification_file__status=FileStatus.QUALIFIED,
        )
        .annotate(
            submitted_at=Max(
                "transitions__created_at",
                filter=Q(transitions__to_status=QualificationStatus.SUBMITTED),
            )
        )
        .order_by("submitted_at", "pk")
    )


def place_for_reviewer(*, acting: Acting, place_id: int) -> Place:
    """A place `acting` may review (its offer prefetched); 404 for any other."""
    place = (
        Place.objects.select_related("organisation")
        .prefetch_related("offers__service")
        .filter(pk=place_id)
        .first()
    )
    if place is None or not can_review_place(acting=acting, place=place):
        raise NotFound()
    return place


def awaits_place_review(place: Place) -> bool:
    """Is the place submitted alone (its structure already qualified) and waiting for a
    decision?"""
    return (
        place.qualification_status == QualificationStatus.SUBMITTED
        and ProviderFile.objects.filter(
            organisation_id=place.organisation_id, status=FileStatus.QUALIFIED
        ).exists()
    )
