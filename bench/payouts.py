"""Benchmark: a monthly payout run over many redemptions and providers on PostgreSQL — the run
(`run_payouts`), the SEPA file (validated against its XSD) and every provider's CSV statement —
with time, CPU (Python, PostgreSQL) and RSS after each phase, the slowest statements of the run,
how busy the machine was; then a few PDF statements (rendered on demand, outside the target) and
`check_ledger()`.

    .venv/bin/python bench/payouts.py [--redemptions 1000000] [--providers 10000]
        [--pdf-statements 20] [--database-url URL] [--keep] [--reuse-setup] [--wait-quiet 120]

Works in its own database (default `passnum_bench_payouts`, dropped and re-created each run).
One order of as many passes as redemptions is issued and paid through the services; providers
(validated bank details, one place each) are made in bulk; the redemptions of last month (one
pass each) are then written in SQL with their lines and their ledger postings computed by
`redemptions.postings.redemption_postings`, so the ledger is exactly what the scans would have
posted. `--reuse-setup` keeps that set-up (minutes at full size) as a template database
(`<database>_setup_<redemptions>_<providers>`, drop it by hand) and starts from it next time.
Target (issue #9): 1,000,000 redemptions, 10,000 providers: run + SEPA + CSV in ≤ 60 s, RSS flat.
"""

import argparse
import datetime
import os
import tempfile
import time
from pathlib import Path

import benchlib
import procstats

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/passnum_bench_payouts"
IBAN = "FR7630006000011234567890189"


def make_providers(count: int, operator) -> list[int]:
    from django.utils import timezone

    from passnum.accounts.enums import OrganisationKind
    from passnum.accounts.services import create_organisations
    from passnum.places.enums import PlaceType, QualificationStatus
    from passnum.places.models import Place, ProviderFile

    names = {f"{700000000 + i:09d}": f"Bench provider {i}" for i in range(count)}
    organisations = create_organisations(
        actor=operator.user, kind=OrganisationKind.PROVIDER, names=names
    )
    ids = sorted(org.pk for org in organisations.values())
    now = timezone.now()
    ProviderFile.objects.bulk_create(
        (
            ProviderFile(
                organisation_id=pk,
                account_holder=f"Bench provider {pk}",
                iban=IBAN,
                bic="AGRIFRPPXXX",
                bank_validated_at=now,
                bank_validated_by=operator.user,
            )
            for pk in ids
        ),
        batch_size=5000,
    )
    Place.objects.bulk_create(
        (
            Place(
                organisation_id=pk,
                name=f"Espace numérique {pk}",
                address="1 place de la Victoire",
                postcode="33000",
                commune_name="Bordeaux",
                commune_code="33063",
                departement="33",
                region="75",
                place_type=PlaceType.EPN,
                qualification_status=QualificationStatus.QUALIFIED,
            )
            for pk in ids
        ),
        batch_size=5000,
    )
    return ids


GENERATE = """
CREATE TEMP TABLE bench_gen AS
SELECT p.id AS pass_id, row_number() OVER (ORDER BY p.id) AS n FROM passes_pass p
WHERE p.order_id = %(order)s;
CREATE TEMP TABLE bench_places AS
SELECT pl.id AS place_id, pl.organisation_id, row_number() OVER (ORDER BY pl.id) - 1 AS k
FROM places_place pl WHERE pl.organisation_id = ANY(%(providers)s);
INSERT INTO redemptions_redemption (organisation_id, place_id, service_id, member_id, price_cents,
    amount_cents, created_at, idempotency_key, request_fingerprint)
SELECT bp.organisation_id, bp.place_id, %(service)s, %(member)s, %(face)s, %(face)s,
    %(start)s::timestamptz + (g.n %% 2000000) * interval '1 second', 'bench-' || g.n, ''
FROM bench_gen g JOIN bench_places bp ON bp.k = g.n %% %(provider_count)s;
INSERT INTO redemptions_redemptionline (redemption_id, pass_id, undone)
SELECT r.id, g.pass_id, false FROM bench_gen g
JOIN bench_places bp ON bp.k = g.n %% %(provider_count)s
JOIN redemptions_redemption r ON r.organisation_id = bp.organisation_id
    AND r.idempotency_key = 'bench-' || g.n;
UPDATE passes_pass SET status = 'redeemed' WHERE order_id = %(order)s;
INSERT INTO ledger_ledgertransaction (kind, created_at, actor_id, redemption_id, memo)
SELECT 'redemption', r.created_at, %(member)s, r.id, '' FROM redemptions_redemption r;
INSERT INTO ledger_posting (transaction_id, account_id, amount_cents)
SELECT t.id, a.id, v.amount
FROM ledger_ledgertransaction t
JOIN redemptions_redemption r ON r.id = t.redemption_id
CROSS JOIN unnest(%(codes)s::text[], %(amounts)s::bigint[]) AS v(code, amount)
JOIN ledger_account a ON a.code = CASE WHEN v.code = 'PAYABLE'
    THEN 'payable:org:' || r.organisation_id ELSE v.code END
WHERE t.kind = 'redemption';
"""


def current_rss_mib() -> float:
    """Resident set size of this process now (peak RSS only ever grows)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class Phase:
    """Wall time, CPU of this process and of the bench database's backends, RSS after."""

    def __init__(self, database: str) -> None:
        self.database = database

    def __enter__(self) -> "Phase":
        self.before = procstats.snapshot(None, self.database)
        self.own = time.process_time()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        self.python = time.process_time() - self.own
        self.cpu = procstats.delta(self.before, procstats.snapshot(None, self.database))
        self.rss = current_rss_mib()

    def figures(self) -> str:
        return (
            f"{self.seconds:.1f} s (CPU Python {self.python:.1f} s, PostgreSQL "
            f"{self.cpu['postgres_ms'] / 1000:.1f} s), RSS {self.rss:.0f} MiB"
        )


class SlowStatements:
    """The slowest SQL statements of a phase (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.timings: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            text = " ".join(sql.split())
            self.timings.append((time.perf_counter() - started, text))

    def top(self, count: int) -> list[tuple[float, str]]:
        return sorted(self.timings, reverse=True)[:count]


def set_up(args) -> list[tuple[str, str]]:
    from django.db import connection, transaction
    from django.utils import timezone

    from passnum.ledger.services import escrow_code, fund_code, open_accounts
    from passnum.orders.services import create_order, record_payment
    from passnum.passes.services import issue_passes
    from passnum.payouts.periods import previous_month
    from passnum.redemptions.postings import redemption_postings

    started = time.perf_counter()
    world = benchlib.make_world(with_place=False)
    order = create_order(acting=world.sponsor, quantity=args.redemptions)
    order = issue_passes(acting=world.operator, order=order)
    order = record_payment(acting=world.operator, order=order, amount_cents=order.total_due_cents)
    providers = make_providers(args.providers, world.operator)
    service = benchlib.first_service()
    postings = redemption_postings(
        provider_id=0, departement="33", faces_by_order={order: order.face_value_cents}
    )
    codes = ["PAYABLE" if code == "payable:org:0" else code for code in postings]
    open_accounts(codes=[code for code in codes if code.startswith(("fees", "vat", "fund"))])
    assert escrow_code(order.pk) in codes and fund_code("33") in codes
    period = previous_month(timezone.localdate())
    month_start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time()))
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in GENERATE.strip().split(";\n"):
            cursor.execute(
                statement,
                {
                    "order": order.pk,
                    "providers": providers,
                    "provider_count": len(providers),
                    "service": service.pk,
                    "member": world.operator.user.pk,
                    "face": order.face_value_cents,
                    "start": month_start,
                    "codes": codes,
                    "amounts": list(postings.values()),
                },
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return [("set-up (order, providers, redemptions)", f"{time.perf_counter() - started:.1f} s")]


def from_template(args, template: str) -> str:
    """The bench database as a copy of the set-up kept by an earlier `--reuse-setup`."""
    import psycopg
    from psycopg import sql

    name = benchlib.database_name(args.database_url)
    with psycopg.connect(benchlib._maintenance_url(args.database_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return f"copied from {template}, " + benchlib.setup_django(args.database_url, fresh=False)


def save_template(args, template: str) -> None:
    import psycopg
    from django.db import connection
    from psycopg import sql

    connection.close()
    name = benchlib.database_name(args.database_url)
    with psycopg.connect(benchlib._maintenance_url(args.database_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(template), sql.Identifier(name)
            )
        )


def template_exists(args, template: str) -> bool:
    import psycopg

    with psycopg.connect(benchlib._maintenance_url(args.database_url), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        return found.fetchone() is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redemptions", type=int, default=1_000_000)
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--pdf-statements", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse-setup",
        action="store_true",
        help="keep the set-up as a template database and start from it next time",
    )
    parser.add_argument("--wait-quiet", type=int, default=120)
    args = parser.parse_args()
    benchlib.check_database_url(args.database_url)
    template = (
        f"{benchlib.database_name(args.database_url)}_setup_{args.redemptions}_{args.providers}"
    )
    reused = args.reuse_setup and template_exists(args, template)
    if reused:
        rows: list[tuple[str, str]] = [("database", from_template(args, template))]
    else:
        rows = [("database", benchlib.setup_django(args.database_url))]
        rows += set_up(args)
        if args.reuse_setup:
            save_template(args, template)
            rows.append(("set-up kept as", template))

    from django.db import connection
    from django.utils import timezone

    from passnum.payouts.files import _atomic_file
    from passnum.payouts.models import PayoutTransfer
    from passnum.payouts.periods import previous_month
    from passnum.payouts.selectors import operator_acting
    from passnum.payouts.sepa import build_sepa_file
    from passnum.payouts.services import run_payouts
    from passnum.payouts.statements import render_statement_pdf, write_run_csv_statements
    from passnum.reconciliation.checks import check_ledger

    database = connection.settings_dict["NAME"]
    operator = operator_acting()
    period = previous_month(timezone.localdate())
    rows = [
        ("machine", benchlib.machine_summary()),
        ("server", benchlib.postgres_version()),
        *rows,
    ]
    problems = check_ledger()
    rows.append(("check_ledger() before", "clean" if not problems else f"{len(problems)} problems"))
    rows.append(("machine before the run", benchlib.wait_for_quiet(args.wait_quiet)))
    rows.append(
        ("RSS before the run", f"{current_rss_mib():.0f} MiB (peak {benchlib.peak_rss_mib():.0f})")
    )

    machine = procstats.snapshot(None, database)
    own_cpu = time.process_time()
    slow = SlowStatements()
    with Phase(database) as run_phase, connection.execute_wrapper(slow):
        outcome = run_payouts(
            acting=operator, period_start=period.start, period_end=period.end, kind=period.kind
        )
    transfers = PayoutTransfer.objects.filter(run=outcome.run).count()
    rows.append(
        (
            f"run_payouts: {args.redemptions:,} redemptions, {transfers:,} transfers",
            run_phase.figures(),
        )
    )
    for seconds, text in slow.top(4):
        rows.append((f"  {text[:60]}", f"{seconds:.1f} s"))
    rest = run_phase.seconds - sum(seconds for seconds, _text in slow.timings)
    rows.append(("  other statements, Python, COMMIT (deferred FK checks)", f"{rest:.1f} s"))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        with Phase(database) as sepa_phase, _atomic_file(out / "sepa.xml", "wb") as stream:
            build_sepa_file(run=outcome.run, output=stream)
        size = (out / "sepa.xml").stat().st_size
        rows.append(
            (f"SEPA file (built + XSD-validated, {size / 1e6:.1f} MB)", sepa_phase.figures())
        )
        with Phase(database) as csv_phase:
            count = write_run_csv_statements(
                outcome.run,
                lambda transfer: _atomic_file(out / f"{transfer.statement_number}.csv", "w"),
            )
        assert count == transfers, (count, transfers)
        rows.append((f"CSV statements ({count:,} files)", csv_phase.figures()))
        cpu = procstats.delta(machine, procstats.snapshot(None, database))
        own = time.process_time() - own_cpu
        others = max(cpu["others_pct"] - 100 * own * 1000 / max(cpu["busy_ms"], 1), 0)
        total = run_phase.seconds + sepa_phase.seconds + csv_phase.seconds
        verdict = "met" if total <= 60 else "NOT met"
        if args.redemptions < 1_000_000 or args.providers < 10_000:
            verdict = "smaller than the target's size"
        rows.append(("total: run + SEPA + CSV statements", f"{total:.1f} s (≤ 60 s: {verdict})"))
        rows.append(
            (
                "machine CPU busy meanwhile",
                f"{cpu['machine_busy_pct']:.0f} % of 2 cores ({others:.0f} % of it by others), "
                f"load {cpu['loadavg']}",
            )
        )
        rows.append(
            (
                "RSS after the run, SEPA, CSV",
                f"{current_rss_mib():.0f} MiB (peak {benchlib.peak_rss_mib():.0f})",
            )
        )
        run_transfers = PayoutTransfer.objects.filter(run=outcome.run).select_related(
            "run", "provider"
        )
        pdfs = 0
        with Phase(database) as pdf_phase:
            for transfer in run_transfers.order_by("pk")[: args.pdf_statements]:
                pdf = render_statement_pdf(transfer)
                (out / f"{transfer.statement_number}.pdf").write_bytes(pdf)
                pdfs += 1
        rows.append(
            (
                f"PDF statements on demand ({pdfs:,}, not in the target)",
                f"{pdf_phase.seconds / max(pdfs, 1) * 1000:.0f} ms each, RSS {pdf_phase.rss:.0f} MiB",
            )
        )
    with Phase(database) as check_phase:
        problems = check_ledger()
    rows.append(
        (
            "check_ledger() after",
            f"{'clean' if not problems else f'{len(problems)} problems'} "
            f"({check_phase.seconds:.1f} s)",
        )
    )
    for problem in problems[:5]:
        print(problem)
    benchlib.print_table("Payout run", rows)
    if not args.keep:
        connection.close()
        benchlib.drop_database(args.database_url)


if __name__ == "__main__":
    main()
