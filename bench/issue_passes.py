"""Benchmark: issue one order of N passes (default 1,000,000) on PostgreSQL, then pay it.

    .venv/bin/python bench/issue_passes.py [--passes 1000000] [--database-url URL] [--reuse-db]
                                           [--drop]

Times `passnum.passes.services.issue_passes` end to end (codes, booklets, COPY of the passes,
commit) and `passnum.orders.services.record_payment` (ledger posting and activation of every
pass), then runs `check_ledger()`. Target (issue 2): 1,000,000 passes issued in ≤ 30 s.
The run leaves only its own database (`passnum_bench`, re-created at start unless --reuse-db).
"""

import argparse
import contextlib
import datetime
import os
import sys
import time

import benchlib
import procstats

TARGET_SECONDS_PER_MILLION = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=1_000_000, help="passes in the order")
    parser.add_argument("--booklet-size", type=int, default=10, choices=[5, 10])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", benchlib.DEFAULT_DATABASE_URL),
    )
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=120,
        help="wait at most this many seconds for other work to leave the CPUs idle",
    )
    parser.add_argument("--reuse-db", action="store_true", help="keep existing bench data")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args()
    if not 10 <= args.passes <= 2_000_000 or args.passes % args.booklet_size:
        parser.error("--passes must be a multiple of the booklet size, 10 to 2,000,000")

    database = benchlib.setup_django(args.database_url, fresh=not args.reuse_db)
    try:
        rows = run(args.passes, args.booklet_size, args.wait_quiet)
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop:
            benchlib.drop_database(args.database_url)
    rows.insert(0, ("database", f"{benchlib.database_name(args.database_url)} ({database})"))
    benchlib.print_table(f"issue_passes benchmark — {datetime.date.today()}", rows)
    return 0


def run(quantity: int, booklet_size: int, wait_quiet: int) -> list[tuple[str, str]]:
    from django.db import connection

    from passnum.orders.services import create_order, record_payment
    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Pass
    from passnum.passes.services import issue_passes
    from passnum.reconciliation.checks import check_ledger

    world = benchlib.make_world(with_place=False)
    order = create_order(acting=world.sponsor, quantity=quantity, booklet_size=booklet_size)

    rss_before = benchlib.peak_rss_mib()
    quiet = benchlib.wait_for_quiet(wait_quiet)
    print(f"issuing {quantity:,} passes…", file=sys.stderr, flush=True)
    database = connection.settings_dict["NAME"]
    before, own_before = procstats.snapshot(None, database), time.process_time()
    with timed_phases() as phases:
        started = time.perf_counter()
        order = issue_passes(acting=world.operator, order=order)
        issue_seconds = time.perf_counter() - started
    cpu = procstats.delta(before, procstats.snapshot(None, database))
    own_cpu = time.process_time() - own_before
    rss_after_issue = benchlib.peak_rss_mib()
    rest = issue_seconds - sum(phases.values())

    print("recording the payment (activation)…", file=sys.stderr, flush=True)
    started = time.perf_counter()
    order = record_payment(acting=world.operator, order=order, amount_cents=order.total_due_cents)
    pay_seconds = time.perf_counter() - started
    rss_after_pay = benchlib.peak_rss_mib()

    started = time.perf_counter()
    problems = check_ledger()
    check_seconds = time.perf_counter() - started

    busy_after = benchlib.machine_busy_pct()

    active = Pass.objects.filter(order=order, status=PassStatus.ACTIVE).count()
    booklets = order.booklets.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s)", [Pass._meta.db_table])
        table_bytes = cursor.fetchone()[0]
    if active != quantity or booklets != quantity // booklet_size or problems:
        print(f"CHECK FAILED: {active} active, {booklets} booklets, {problems[:5]}")

    if quantity >= 1_000_000:
        rate_needed = 1_000_000 / TARGET_SECONDS_PER_MILLION
        verdict = "MET" if quantity / issue_seconds >= rate_needed else "MISSED"
    else:
        verdict = "not judged (run with --passes 1000000)"
    return [
        ("machine", benchlib.machine_summary()),
        ("server", benchlib.postgres_version()),
        ("machine before issuing", quiet),
        ("machine busy just after", f"{busy_after:.0f} % CPU (others' work, if any)"),
        ("passes in the order", f"{quantity:,} ({booklets:,} booklets of {booklet_size})"),
        ("issue_passes wall time", f"{issue_seconds:.2f} s"),
        ("issue_passes rate", f"{quantity / issue_seconds:,.0f} passes/s"),
        ("  new_codes (Python)", f"{phases['new_codes']:.2f} s"),
        ("  insert_booklets (INSERT … generate_series)", f"{phases['insert_booklets']:.2f} s"),
        ("  insert_passes (buffers + COPY)", f"{phases['insert_passes']:.2f} s"),
        ("  the rest: commit (deferred FK checks), locks", f"{rest:.2f} s"),
        ("  CPU: this process (Python)", f"{own_cpu:.2f} s"),
        ("  CPU: its PostgreSQL backend", f"{cpu['postgres_ms'] / 1000:.2f} s"),
        (
            "  machine CPU busy meanwhile",
            f"{cpu['machine_busy_pct']:.0f} % of 2 cores "
            f"({max(cpu['others_pct'] - 100 * own_cpu * 1000 / max(cpu['busy_ms'], 1), 0):.0f} % "
            "of it by other processes)",
        ),
        ("target: 1,000,000 passes in ≤ 30 s", verdict),
        ("record_payment wall time (activation)", f"{pay_seconds:.2f} s"),
        ("record_payment rate", f"{quantity / pay_seconds:,.0f} passes/s"),
        ("check_ledger() wall time", f"{check_seconds:.2f} s"),
        ("active passes after payment", f"{active:,}"),
        ("ledger discrepancies", str(len(problems))),
        ("passes table + indexes on disk", f"{table_bytes / 1024 / 1024:,.0f} MiB"),
        ("peak RSS before issuing", f"{rss_before:,.0f} MiB"),
        ("peak RSS after issue_passes", f"{rss_after_issue:,.0f} MiB"),
        ("peak RSS after record_payment", f"{rss_after_pay:,.0f} MiB"),
    ]


@contextlib.contextmanager
def timed_phases():
    """Time the steps of issue_passes by wrapping the functions it calls (nothing else changes)."""
    from passnum.passes import codes as pass_codes
    from passnum.passes import services

    phases: dict[str, float] = {}
    targets = [
        (pass_codes, "new_codes"),
        (services, "insert_booklets"),
        (services, "insert_passes"),
    ]
    originals = [(module, name, getattr(module, name)) for module, name in targets]

    def timing(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    for module, name, function in originals:
        setattr(module, name, timing(name, function))
    try:
        yield phases
    finally:
        for module, name, function in originals:
            setattr(module, name, function)


if __name__ == "__main__":
    sys.exit(main())
