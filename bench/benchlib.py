"""Shared set-up for the benchmarks: the bench database, Django, a small world, tables.

Never imported by the test suite. Every benchmark works in its own PostgreSQL database
(default `passnum_bench`) and refuses the development database `passnum` and any `test_…` one.
"""

import os
import resource
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/passnum_bench"
FRESH_PREFIX = "passnum_bench"  # only databases named so are ever dropped


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def check_database_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(f"benchmarks run on PostgreSQL only, not {parts.scheme!r}")
    name = database_name(url)
    if not name or name == "passnum" or name.startswith("test_") or name.startswith("test"):
        sys.exit(f"refusing database {name!r}: use a benchmark database (e.g. {FRESH_PREFIX})")
    return url


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def prepare_database(url: str, *, fresh: bool) -> str:
    """Create the bench database if missing (drop it first when `fresh` and named passnum_bench…).

    Returns what was done, for the report.
    """
    import psycopg
    from psycopg import sql

    name = database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh and name.startswith(FRESH_PREFIX):
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            exists = None
            done = "dropped and re-created"
        else:
            done = "reused" if exists else "created"
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return done


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if not name.startswith(FRESH_PREFIX):
        return
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def bench_environment(url: str) -> dict[str, str]:
    """The environment of the benchmark process and of any server it starts."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="passnum.config.settings",
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY="bench",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    return env


def setup_django(url: str, *, fresh: bool = True) -> str:
    """Prepare the database, configure Django for it, run the migrations."""
    check_database_url(url)
    done = prepare_database(url, fresh=fresh)
    os.environ.update(bench_environment(url))
    sys.path.insert(0, str(PROJECT_DIR))
    import warnings

    import django
    from django.core.management import call_command

    # With DEBUG=false WhiteNoise warns that collectstatic never ran: irrelevant to the API.
    warnings.filterwarnings("ignore", message="No directory at")

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return f"{done}, migrated in {time.perf_counter() - started:.1f} s"


@dataclass
class World:
    operator: object
    sponsor: object
    provider: object | None = None
    place: object | None = None
    service: object | None = None


def make_member(kind: str, tag: str):
    """A user and an organisation of `kind`, the user its administrator, through the services."""
    from passnum.accounts.enums import OrganisationKind
    from passnum.accounts.selectors import acting_for
    from passnum.accounts.services import create_organisation, create_user

    user = create_user(
        email=f"bench-{kind}-{tag}@example.org",
        password=None,
        first_name="Bench",
        last_name=kind,
        is_staff=kind == OrganisationKind.OPERATOR,
    )
    organisation = create_organisation(
        actor=None, name=f"Bench {kind} {tag}", kind=OrganisationKind(kind), admin=user
    )
    return acting_for(user=user, organisation_id=organisation.pk)


def make_world(*, with_place: bool) -> World:
    from passnum.accounts.enums import OrganisationKind

    tag = uuid.uuid4().hex[:8]
    world = World(
        operator=make_member(OrganisationKind.OPERATOR, tag),
        sponsor=make_member(OrganisationKind.SPONSOR, tag),
    )
    if with_place:
        world.provider = make_member(OrganisationKind.PROVIDER, tag)
        world.place = make_qualified_place(world.provider, tag)
        world.service = first_service()
        offer_services(world.provider, world.place, world.service)
    return world


# What the benchmarks redeem: their place offers `World.service` at this price (a redemption must
# match the place's published offer), and four more services, as a real place does (~5 offers).
OFFER_PRICE_CENTS = 1000


def offer_services(provider, place, service) -> None:
    from passnum.catalogue.models import Service
    from passnum.places.services import set_service_offer

    others = Service.objects.filter(is_active=True).exclude(pk=service.pk).order_by("code")[:4]
    for index, offered in enumerate([service, *others]):
        set_service_offer(
            acting=provider,
            place=place,
            service=offered,
            price_cents=OFFER_PRICE_CENTS * (1 + index),
            passes_needed=1 + index,
            duration_minutes=60,
        )


def make_qualified_place(provider, tag: str):
    from decimal import Decimal

    from passnum.places.enums import PlaceType, QualificationStatus
    from passnum.places.services import change_place_qualification, create_place

    place = create_place(
        acting=provider,
        name=f"Espace numérique {tag}",
        address="1 place de la Victoire",
        postcode="33000",
        commune_name="Bordeaux",
        commune_code="33063",
        epci_code="243300316",
        departement="33",
        region="75",
        place_type=PlaceType.EPN,
        latitude=Decimal("44.830000"),
        longitude=Decimal("-0.570000"),
    )
    for status in (QualificationStatus.SUBMITTED, QualificationStatus.QUALIFIED):
        place = change_place_qualification(actor=provider.user, place=place, to_status=status)
    return place


def first_service():
    from passnum.catalogue.models import Service

    service = Service.objects.select_related("family").filter(is_active=True).order_by("code")
    found = service.first()
    if found is None:
        sys.exit("the service nomenclature is empty: did the migrations run?")
    return found


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _value in rows)
    value_width = max(len(value) for _label, value in rows)
    line = "-" * (width + value_width + 7)
    print(f"\n{title}\n{line}")
    for label, value in rows:
        print(f"| {label:<{width}} | {value:<{value_width}} |")
    print(line)


def machine_summary() -> str:
    cores = os.cpu_count() or 0
    model = ""
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cores} cores ({model}){memory}, Python {sys.version.split()[0]}"


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def machine_busy_pct(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over the next `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return 100 * (busy1 - busy0) / max(total1 - total0, 1)


def wait_for_quiet(max_seconds: int, threshold_pct: float = 15.0) -> str:
    """Wait (at most `max_seconds`) until other work leaves the CPUs idle; say how busy they were.

    The benchmarks share two cores with anything else running on the machine (test suites…):
    figures taken on a busy machine are pessimistic, and the report says so.
    """
    deadline = time.monotonic() + max_seconds
    busy = machine_busy_pct()
    while busy > threshold_pct and time.monotonic() < deadline:
        print(f"machine busy ({busy:.0f} % CPU), waiting…", file=sys.stderr, flush=True)
        time.sleep(min(5.0, max(deadline - time.monotonic(), 0)))
        busy = machine_busy_pct()
    verdict = "quiet" if busy <= threshold_pct else "BUSY: figures are pessimistic"
    return f"{busy:.0f} % CPU busy before the run ({verdict})"
