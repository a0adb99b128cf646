import time

from django.db.models import Prefetch, QuerySet

from passnum.catalogue.exceptions import UnknownService
from passnum.catalogue.models import Competence, Service, ServiceFamily

# The nomenclature is reference data that changes with a release (data migrations) or, rarely,
# in the back-office: active services are kept per process for SERVICE_CACHE_SECONDS.
SERVICE_CACHE_SECONDS = 60.0
# (loaded at, services by code): replaced whole, never changed in place, so a thread reading it
# while another refreshes it sees one complete copy or the other.
_cache: tuple[float, dict[str, Service]] = (-SERVICE_CACHE_SECONDS, {})


def get_service(*, code: str) -> Service:
    """An active service by code (with its family); UnknownService otherwise."""
    global _cache
    loaded_at, services = _cache
    now = time.monotonic()
    if now - loaded_at >= SERVICE_CACHE_SECONDS:
        services = {
            s.code: s for s in Service.objects.select_related("family").filter(is_active=True)
        }
        _cache = (now, services)
    service = services.get(code)
    if service is None:
        raise UnknownService(code=code)
    return service


def forget_services() -> None:
    """Drop the per-process copy (tests, after changing the nomenclature)."""
    global _cache
    _cache = (-SERVICE_CACHE_SECONDS, {})


def nomenclature() -> QuerySet[ServiceFamily]:
    """Families with their services and competences, for browsing."""
    services = Service.objects.prefetch_related(
        Prefetch("competences", queryset=Competence.objects.order_by("code"))
    ).order_by("level", "code")
    return ServiceFamily.objects.prefetch_related(Prefetch("services", queryset=services)).order_by(
        "name"
    )
