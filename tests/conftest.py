import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.catalogue.selectors import forget_services
from tests.factories import PlaceFactory, api_token_for, make_acting, make_order


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only when the suite runs on PostgreSQL."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run by bin/test with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def operator(db) -> Acting:
    return make_acting(OrganisationKind.OPERATOR)


@pytest.fixture
def sponsor(db) -> Acting:
    return make_acting(OrganisationKind.SPONSOR)


@pytest.fixture
def provider(db) -> Acting:
    return make_acting(OrganisationKind.PROVIDER)


@pytest.fixture
def place(provider):
    return PlaceFactory(organisation=provider.organisation)


@pytest.fixture
def paid_order(sponsor, operator):
    return make_order(sponsor=sponsor, operator=operator, quantity=20)


class ApiClient:
    """A Django test client that sends a member's bearer token and JSON."""

    def __init__(self, acting: Acting | None, language: str = "fr") -> None:
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if acting is not None:
            self.headers["Authorization"] = f"Bearer {api_token_for(acting)}"

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, payload, headers=None):
        return self.client.post(
            path,
            payload,
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def delete(self, path):
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api():
    """`api(acting)` → a client acting as that member's organisation."""
    return ApiClient


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """argon2 costs ~0.3 s a user on this machine; tests that check hashing itself opt out with
    the `real_password_hashing` marker."""
    if "real_password_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """A request in English must not leave English active for the next test."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_service_cache():
    """Each test sees its own database's nomenclature (ids differ after a flush and reload)."""
    forget_services()
    yield
    forget_services()


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests: they flush every table afterwards, the nomenclature and the COG
    loaded by data migrations included. Reloading them takes a couple of seconds;
    `serialized_rollback` would take a minute a test to restore 70,000 rows."""
    from passnum.catalogue.loading import load_nomenclature
    from passnum.catalogue.models import Competence, Service, ServiceFamily
    from passnum.geography import models as geo
    from passnum.geography.loading import load_centres, load_cog

    if not Service.objects.exists():
        load_nomenclature(Competence, ServiceFamily, Service)
    if not geo.Commune.objects.exists():
        load_cog(
            region_model=geo.Region,
            departement_model=geo.Departement,
            epci_model=geo.Epci,
            commune_model=geo.Commune,
            postcode_model=geo.CommunePostcode,
        )
        load_centres(commune_model=geo.Commune)


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counters (pass-code checks) live in the cache: none leaks into the next test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def no_map_tiles(settings):
    """No test page asks a tile server for anything (there is no network here)."""
    settings.PASSNUM_MAP_TILE_URL = ""


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """`call_command("worker", "--once")` runs django-tasks-db's worker, which calls
    close_old_connections() before each task: harmless on SQLite, but on PostgreSQL (CONN_MAX_AGE
    0) it closes the connection holding the test's transaction. Tests keep it open."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
