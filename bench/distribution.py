"""Benchmark: distribution at scale on PostgreSQL — assigning 10,000 booklets to a distributor,
recording hand-outs in bulk, and the distributor's stock page and the sponsor's order page
over those 10,000 booklets (states derived in SQL from 100,000 passes).

    .venv/bin/python bench/distribution.py [--booklets 10000] [--requests 20]
                                           [--database-url URL] [--keep]

Works in its own database (default `passnum_bench_distribution`, dropped and re-created each
run unless `--keep`). The order is created, issued and paid through the services; a few
passes are marked redeemed, blocked or expired directly in SQL so every state shows (test data
for reads: the ledger is not kept in step). Prints, for each operation, its time and its number
of SQL queries, and p50 / p95 of the two pages through Django's test client.
"""

import argparse
import datetime
import statistics
import time

import benchlib

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/passnum_bench_distribution"


def timed(label, call, rows, queries_of):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - started
    rows.append((label, f"{elapsed * 1000:,.0f} ms, {len(queries)} queries"))
    queries_of[label] = len(queries)
    return result


def pages(client, path, count):
    client.get(path)  # warm
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--booklets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is")
    args = parser.parse_args()
    setup = benchlib.setup_django(args.database_url, fresh=not args.keep)

    from django.conf import settings
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from passnum.accounts.enums import OrganisationKind
    from passnum.accounts.models import Partnership
    from passnum.orders.services import create_order, record_payment
    from passnum.passes.distribution import (
        BookletNumbers,
        NextInStock,
        assign_booklets,
        record_handouts,
        withdraw_booklets,
    )
    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Booklet, Pass
    from passnum.passes.services import issue_passes

    world = benchlib.make_world(with_place=False)
    tag = str(int(time.time()))
    distributor = benchlib.make_member(OrganisationKind.DISTRIBUTOR, tag)
    Partnership.objects.create(
        sponsor=world.sponsor.organisation, distributor=distributor.organisation
    )
    started = time.perf_counter()
    order = create_order(
        acting=world.sponsor,
        quantity=args.booklets * 10,
        booklet_size=10,
        valid_until=timezone.localdate() + datetime.timedelta(days=300),
    )
    order = issue_passes(acting=world.operator, order=order)
    order = record_payment(acting=world.operator, order=order, amount_cents=order.total_due_cents)
    issued = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does soon after a bulk insert
    numbers = list(
        Booklet.objects.filter(order=order).order_by("number").values_list("number", flat=True)
    )
    rows: list[tuple[str, str]] = [
        ("database", setup),
        ("order", f"{len(numbers):,} booklets, {len(numbers) * 10:,} passes ({issued:.1f} s)"),
    ]
    queries: dict[str, int] = {}
    timed(
        f"assign the next {len(numbers):,} booklets in stock",
        lambda: assign_booklets(
            acting=world.sponsor,
            order=order,
            distributor=distributor.organisation,
            selection=NextInStock(len(numbers)),
        ),
        rows,
        queries,
    )
    half = len(numbers) // 2
    timed(
        f"withdraw {half:,} booklets (a number range)",
        lambda: withdraw_booklets(
            acting=world.sponsor, order=order, selection=BookletNumbers(numbers[half], numbers[-1])
        ),
        rows,
        queries,
    )
    timed(
        f"assign them again ({half:,}, a number range)",
        lambda: assign_booklets(
            acting=world.sponsor,
            order=order,
            distributor=distributor.organisation,
            selection=BookletNumbers(numbers[half], numbers[-1]),
        ),
        rows,
        queries,
    )
    handed = min(2000, len(numbers))
    timed(
        f"record {handed:,} hand-outs (a range)",
        lambda: record_handouts(
            acting=distributor,
            first_number=numbers[0],
            last_number=numbers[handed - 1],
            handed_out_on=timezone.localdate(),
            public="senior",
        ),
        rows,
        queries,
    )
    # Some used, blocked and expired passes, so every state shows on the pages.
    first = Booklet.objects.get(number=numbers[0]).first_serial
    Pass.objects.filter(serial__gte=first, serial__lt=first + 3000).update(
        status=PassStatus.REDEEMED
    )
    Pass.objects.filter(serial__gte=first + 3000, serial__lt=first + 3005).update(
        status=PassStatus.REDEEMED
    )
    Pass.objects.filter(serial__gte=first + 30_000, serial__lt=first + 30_500).update(
        status=PassStatus.BLOCKED
    )

    # DEBUG=false serves static files from collectstatic's manifest: not needed to time a page.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    # Count the pages' queries: the test client's requests must not reset the log.
    request_started.disconnect(reset_queries)
    client = Client()
    client.force_login(distributor.user)
    with CaptureQueriesContext(connection) as captured:
        client.get("/distribution/stock/")
    p50, p95 = pages(client, "/distribution/stock/", args.requests)
    rows.append(
        ("distributor stock page", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {len(captured)} queries")
    )
    filtered = "/distribution/stock/?etat=started"
    p50, p95 = pages(client, filtered, args.requests)
    rows.append(("  … filtered on a state", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"))
    sponsor_client = Client()
    sponsor_client.force_login(world.sponsor.user)
    path = f"/distribution/commandes/{order.reference}/"
    with CaptureQueriesContext(connection) as captured:
        sponsor_client.get(path)
    p50, p95 = pages(sponsor_client, path, args.requests)
    rows.append(
        ("sponsor order page", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {len(captured)} queries")
    )
    rows.append(("machine", benchlib.machine_summary()))
    rows.append(("server", benchlib.postgres_version()))
    benchlib.print_table("Distribution at scale", rows)
    if not args.keep:
        connection.close()
        benchlib.drop_database(args.database_url)


if __name__ == "__main__":
    main()
