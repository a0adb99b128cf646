"""Benchmark: the open-data API and files over 3,000,000 passes and 2,000,000 redemptions
(target: every open-data query ≤ 200 ms p95 on PostgreSQL).

    .venv/bin/python bench/opendata.py [--passes 3000000] [--redemptions 2000000]
                                       [--orders 60] [--funders 20] [--places 2000]
                                       [--months 24] [--requests 50]
                                       [--database-url URL] [--keep] [--wait-quiet 60]

Works in its own database (default `passnum_bench_opendata`, dropped and re-created each run
unless `--keep`, which reuses the data of a previous run). `--orders` orders of `--funders`
sponsors are created, issued and paid through the services (most restricted to one département,
one in ten valid everywhere); then in bulk SQL: `--places` places at real communes of every
département, 90 % of the booklets at distributors of 20 départements, 70 % handed out,
`--redemptions` one-pass redemptions (1 % undone) over `--months` months, one executed payout
run a month with one transfer and a payout line for every redemption of the month, 2 % of
the passes of the oldest orders expired.

Prints the data generation, the rebuild of the territory rollup and open data
(`refresh_territory_rollup`, the daily job), then p50 / p95 / max and the SQL queries of every
open-data operation of the API, of the downloadable files, and of the operator's territory
dashboard (not in the target: a page behind a login).
"""

import argparse
import statistics
import time

import benchlib

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/passnum_bench_opendata"


def timings(client, path, count):
    client.get(path)  # warm
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95 + 0.5) - 1)]
    return p95, f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms"


def generate(args, rows):
    import datetime
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from passnum.accounts.enums import OrganisationKind
    from passnum.geography.models import Commune
    from passnum.ledger.models import LedgerTransaction
    from passnum.orders.enums import TargetPublic
    from passnum.orders.services import create_order, record_payment
    from passnum.orders.validation import UsageRules
    from passnum.passes.models import Booklet, HandOut, Pass
    from passnum.passes.services import issue_passes
    from passnum.payouts.models import PayoutLine, PayoutRun, PayoutTransfer
    from passnum.places.models import Place
    from passnum.redemptions.models import Redemption, RedemptionLine

    world = benchlib.make_world(with_place=True)
    tag = uuid.uuid4().hex[:8]
    communes = list(
        Commune.objects.filter(epci__isnull=False, parent__isnull=True)
        .order_by("-population", "code")
        .values_list("code", "name", "departement_id", "region_id", "epci_id")[: args.places]
    )
    departements = sorted({commune[2] for commune in communes})
    funders = [world.sponsor] + [
        benchlib.make_member(OrganisationKind.SPONSOR, f"{tag}-{index}")
        for index in range(args.funders - 1)
    ]
    distributors = [
        benchlib.make_member(OrganisationKind.DISTRIBUTOR, f"{tag}-{index}") for index in range(20)
    ]
    for index, distributor in enumerate(distributors):
        distributor.organisation.departement = departements[index % len(departements)]
        distributor.organisation.save(update_fields=["departement"])

    started = time.perf_counter()
    per_order = args.passes // args.orders // 10 * 10
    orders = []
    for index in range(args.orders):
        rules = (
            UsageRules()
            if index % 10 == 9
            else UsageRules(departements=[departements[index % len(departements)]])
        )
        order = create_order(
            acting=funders[index % len(funders)],
            quantity=per_order,
            booklet_size=10,
            rules=rules,
            valid_until=timezone.localdate() + datetime.timedelta(days=300),
        )
        order = issue_passes(acting=world.operator, order=order)
        order = record_payment(
            acting=world.operator, order=order, amount_cents=order.total_due_cents
        )
        orders.append(order)
    rows.append(
        (
            "orders (services)",
            f"{args.orders} orders of {per_order:,} passes, {args.funders} funders, "
            f"{time.perf_counter() - started:.1f} s",
        )
    )

    started = time.perf_counter()
    model = world.place
    places = []
    for index, (code, name, departement, region, epci) in enumerate(communes):
        clone = Place.objects.get(pk=model.pk)
        clone.pk = None
        clone.name = f"Lieu {index}"
        clone.commune_code, clone.commune_name = code, name
        clone.departement, clone.region, clone.epci_code = departement, region, epci
        clone.standard_id = uuid.uuid4()
        places.append(clone)
    Place.objects.bulk_create(places)
    tables = {
        "pass": Pass._meta.db_table,
        "booklet": Booklet._meta.db_table,
        "handout": HandOut._meta.db_table,
        "redemption": Redemption._meta.db_table,
        "line": RedemptionLine._meta.db_table,
        "txn": LedgerTransaction._meta.db_table,
        "run": PayoutRun._meta.db_table,
        "transfer": PayoutTransfer._meta.db_table,
        "payline": PayoutLine._meta.db_table,
    }
    params = {
        "orders": [order.pk for order in orders],
        "distributors": [distributor.organisation.pk for distributor in distributors],
        "member": world.provider.user.pk,
        "operator": world.operator.user.pk,
        "organisation": world.provider.organisation.pk,
        "places": [place.pk for place in places],
        "service": world.service.pk,
        "publics": list(TargetPublic.values),
        "count": args.redemptions,
        "days": args.months * 30,
        "today": timezone.localdate(),
        "oldest": [order.pk for order in orders[: max(1, args.orders // 10)]],
    }
    statements = [
        """UPDATE {booklet} SET assigned_at = now(), distributor_id =
               (%(distributors)s::bigint[])[1 + number %% cardinality(%(distributors)s::bigint[])]
           WHERE order_id = ANY(%(orders)s) AND number %% 10 <> 9""",
        """INSERT INTO {handout} (booklet_id, distributor_id, handed_out_on, public, reference,
               reference_purged_at, recorded_by_id, created_at)
           SELECT id, distributor_id, %(today)s::date - (number %% %(days)s)::int,
               (%(publics)s::text[])[1 + number %% cardinality(%(publics)s::text[])], '', NULL,
               %(operator)s, now()
           FROM {booklet} WHERE order_id = ANY(%(orders)s) AND number %% 10 < 7""",
        """CREATE TEMP TABLE bench_use ON COMMIT DROP AS
           SELECT p.id AS pass_id, n, nextval(pg_get_serial_sequence('{redemption}', 'id')) AS rid,
               now() - interval '1 hour' - (n %% %(days)s) * interval '1 day'
                   - (n %% 36000) * interval '1 second' AS at
           FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {pass}
                 WHERE order_id = ANY(%(orders)s) AND serial %% 3 <> 2
                 ORDER BY id LIMIT %(count)s) p""",
        """INSERT INTO {redemption} (id, organisation_id, place_id, service_id, member_id,
               price_cents, amount_cents, created_at, undone_at, undone_by_id, idempotency_key,
               request_fingerprint)
           OVERRIDING SYSTEM VALUE
           SELECT rid, %(organisation)s,
               (%(places)s::bigint[])[1 + (n * 7919) %% cardinality(%(places)s::bigint[])],
               %(service)s, %(member)s, 1000, 1000, at,
               CASE WHEN n %% 100 = 0 THEN at + interval '5 minutes' END,
               CASE WHEN n %% 100 = 0 THEN %(member)s END, NULL, ''
           FROM bench_use ORDER BY rid""",
        """INSERT INTO {line} (redemption_id, pass_id, undone)
           SELECT rid, pass_id, n %% 100 = 0 FROM bench_use ORDER BY rid""",
        # One executed run a month before this one, one transfer each, a line per redemption.
        """CREATE TEMP TABLE bench_month ON COMMIT DROP AS
           SELECT row_number() OVER (ORDER BY m) AS k, m::date AS start,
               (m + interval '1 month' - interval '1 day')::date AS finish
           FROM generate_series(date_trunc('month', now() - %(days)s * interval '1 day'),
                                date_trunc('month', now()) - interval '1 month',
                                interval '1 month') AS m""",
        """INSERT INTO {txn} (kind, created_at, actor_id, order_id, redemption_id, memo)
           SELECT 'payout', finish + interval '5 days', %(operator)s, NULL, NULL, 'bench ' || k
           FROM bench_month""",
        """INSERT INTO {run} (number, kind, period_start, period_end, cutoff, status,
               created_at, created_by_id, executed_on)
           SELECT k, 'monthly', start, finish, finish + interval '1 day', 'executed',
               finish + interval '5 days', %(operator)s, finish + 5 FROM bench_month""",
        """INSERT INTO {transfer} (run_id, provider_id, redemption_count, pass_count, gross_cents,
               fee_cents, vat_cents, net_cents, fund_cents, account_holder, iban, bic,
               end_to_end_id, statement_number, status, ledger_transaction_id,
               reversal_transaction_id)
           SELECT r.id, %(organisation)s, 1, 1, 1000, 40, 8, 952, 10, 'Bench', 'FR7630006000011234567890189',
               '', 'BENCH-' || r.number, 'R-BENCH-' || r.number, 'executed', t.id, NULL
           FROM {run} r JOIN {txn} t ON t.memo = 'bench ' || r.number""",
        """INSERT INTO {payline} (transfer_id, redemption_id, pass_count, gross_cents, fee_cents,
               vat_cents, net_cents, fund_cents, released)
           SELECT tr.id, u.rid, 1, 1000, 40, 8, 952, 10, false
           FROM bench_use u
           JOIN {run} r ON u.at::date BETWEEN r.period_start AND r.period_end
           JOIN {transfer} tr ON tr.run_id = r.id
           WHERE u.n %% 100 <> 0""",
        """UPDATE {pass} SET status = 'expired'
           WHERE order_id = ANY(%(oldest)s) AND serial %% 50 = 7""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.format(**tables), params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rows.append(
        (
            "places, hand-outs, redemptions, payouts (SQL)",
            f"{Pass.objects.count():,} passes, {Redemption.objects.count():,} redemptions, "
            f"{PayoutLine.objects.count():,} payout lines, {len(places):,} places in "
            f"{len(departements)} départements, {time.perf_counter() - started:.1f} s",
        )
    )
    return world.operator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=3_000_000)
    parser.add_argument("--redemptions", type=int, default=2_000_000)
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--funders", type=int, default=20)
    parser.add_argument("--places", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is")
    parser.add_argument("--wait-quiet", type=int, default=60)
    args = parser.parse_args()
    if args.redemptions > args.passes * 2 // 3:
        parser.error("--redemptions is at most two thirds of --passes")
    setup = benchlib.setup_django(args.database_url, fresh=not args.keep)

    from django.conf import settings
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from passnum.accounts.enums import OrganisationKind
    from passnum.accounts.models import Membership
    from passnum.accounts.selectors import acting_for
    from passnum.dashboards.enums import OpenDataLevel
    from passnum.dashboards.models import OpenDataCell, TerritoryMonth
    from passnum.dashboards.territory import refresh_territory_rollup
    from passnum.passes.models import Pass

    rows: list[tuple[str, str]] = [("database", setup)]
    if args.keep and Pass.objects.exists():
        member = Membership.objects.filter(organisation__kind=OrganisationKind.OPERATOR).first()
        operator = acting_for(user=member.user, organisation_id=member.organisation_id)
        rows.append(("data", f"reused ({Pass.objects.count():,} passes)"))
    else:
        operator = generate(args, rows)

    started = time.perf_counter()
    counts = refresh_territory_rollup()
    rows.append(
        (
            "rebuild of the rollup and open data",
            f"{time.perf_counter() - started:.1f} s: {counts['rows']:,} territory rows, "
            f"{counts['active_places']:,} active place-months, "
            f"{counts['open_data_cells']:,} open-data cells "
            f"({OpenDataCell.objects.filter(used__isnull=True).count():,} with `used` secret)",
        )
    )
    rows.append(("machine before the queries", benchlib.wait_for_quiet(args.wait_quiet)))

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    request_started.disconnect(reset_queries)
    busiest = (
        TerritoryMonth.objects.exclude(departement="")
        .values_list("departement", "region")
        .order_by("-used")
        .first()
    )
    departement, region = busiest or ("33", "75")
    month = OpenDataCell.objects.order_by("-month").values_list("month", flat=True).first()
    funder = (
        OpenDataCell.objects.filter(level=OpenDataLevel.FUNDER)
        .values_list("code", flat=True)
        .first()
    )
    month_text = f"{month:%Y-%m}" if month else "2026-01"
    queries = [
        ("API index (licence, funders)", "/api/v1/open-data"),
        ("API national by month", "/api/v1/open-data/national"),
        ("API one région by month", f"/api/v1/open-data/regions/{region}"),
        ("API one département by month", f"/api/v1/open-data/departements/{departement}"),
        (
            "API one département, 6 months",
            f"/api/v1/open-data/departements/{departement}?start=2026-01&end=2026-06",
        ),
        ("API one funder by month", f"/api/v1/open-data/funders/{funder}"),
        ("API every région, one month", f"/api/v1/open-data/regions?month={month_text}"),
        ("API every département, one month", f"/api/v1/open-data/departements?month={month_text}"),
        ("API every funder, one month", f"/api/v1/open-data/funders?month={month_text}"),
        ("file: every département (CSV)", "/donnees-ouvertes/departements.csv"),
        ("file: national (JSON)", "/donnees-ouvertes/national.json"),
        ("file: every funder (CSV)", "/donnees-ouvertes/financeurs.csv"),
        ("file: one département (JSON)", f"/donnees-ouvertes/departement-{departement}.json"),
    ]
    client = Client()
    worst = 0.0
    for label, path in queries:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        p95, figures = timings(client, path, args.requests)
        worst = max(worst, p95)
        rows.append((label, f"{figures}, {len(captured)} queries"))
    verdict = "met" if worst <= 200 else "NOT met"
    rows.append(("open data, worst p95", f"{worst:.0f} ms (target ≤ 200 ms: {verdict})"))
    client.force_login(operator.user)
    for label, path in [
        ("territory dashboard, operator (page)", "/tableau-de-bord/territoires/"),
        (
            "territory dashboard, one département",
            f"/tableau-de-bord/territoires/?departement={departement}",
        ),
    ]:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        _p95, figures = timings(client, path, max(5, args.requests // 5))
        rows.append((label, f"{figures}, {len(captured)} queries (not in the target)"))
    rows.append(("machine", benchlib.machine_summary()))
    rows.append(("server", benchlib.postgres_version()))
    benchlib.print_table("Open data", rows)


if __name__ == "__main__":
    main()
