"""The service nomenclature loaded by the data migration (SPEC §4)."""

import pytest

from passnum.catalogue.enums import ServiceLevel, StandardService
from passnum.catalogue.exceptions import UnknownService
from passnum.catalogue.models import Competence, Service, ServiceFamily
from passnum.catalogue.selectors import get_service

CRCN = {
    "1.1", "1.2", "1.3",
    "2.1", "2.2", "2.3", "2.4",
    "3.1", "3.2", "3.3", "3.4",
    "4.1", "4.2", "4.3",
    "5.1", "5.2",
}  # fmt: skip


def test_at_least_100_active_services_in_all_3_levels(db):
    active = Service.objects.filter(is_active=True)
    assert active.count() >= 100
    assert set(active.values_list("level", flat=True)) == set(ServiceLevel.values) == {1, 2, 3}


def test_every_family_maps_to_a_standard_service(db):
    assert len(StandardService.values) == 9
    families = ServiceFamily.objects.all()
    assert families.exists()
    for family in families:
        assert family.standard_service in StandardService.values, family.code
        assert family.services.exists(), family.code


def test_the_16_crcn_competences(db):
    assert Competence.objects.count() == 16
    assert set(Competence.objects.values_list("code", flat=True)) == CRCN


def test_every_service_has_at_least_one_competence(db):
    bare = Service.objects.filter(competences__isnull=True)
    assert not bare.exists(), list(bare.values_list("code", flat=True))
    assert all(service.name for service in Service.objects.all())


def test_services_are_found_by_code(db):
    service = Service.objects.order_by("code").first()
    assert get_service(code=service.code) == service
    with pytest.raises(UnknownService, match="NOPE-99"):
        get_service(code="NOPE-99")
