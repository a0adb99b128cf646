from django.db.models import Prefetch, QuerySet

from passnum.catalogue.exceptions import UnknownService
from passnum.catalogue.models import Competence, Service, ServiceFamily


def get_service(*, code: str) -> Service:
    service = Service.objects.select_related("family").filter(code=code, is_active=True).first()
    if service is None:
        raise UnknownService(code=code)
    return service


def nomenclature() -> QuerySet[ServiceFamily]:
    """Families with their services and competences, for browsing."""
    services = Service.objects.prefetch_related(
        Prefetch("competences", queryset=Competence.objects.order_by("code"))
    ).order_by("level", "code")
    return ServiceFamily.objects.prefetch_related(Prefetch("services", queryset=services)).order_by(
        "name"
    )
