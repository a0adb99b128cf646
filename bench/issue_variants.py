"""Where the time of issuing goes: COPY of N passes into scratch copies of the passes table.

    .venv/bin/python bench/issue_variants.py [--passes 1000000] [--repeat 1]
        [--variants as_is,one_fk,order_fk,no_fk,no_fk_no_order_index,indexes_after]

Run it after `bench/issue_passes.py` (it reuses that order's booklets as foreign-key targets, in
the same bench database). For each variant it creates a scratch table shaped like
`passes_pass`, COPYs N fresh codes into it exactly as `passnum.passes.issuing` does, commits,
then runs the activation UPDATE of `record_payment`, and drops the table. Variants:

  as_is                 the real table: 4 indexes, FKs to order and booklet DEFERRABLE INITIALLY
                        DEFERRED (so checked row by row at COMMIT)
  one_fk                only the booklet FK (the order is the booklet's)
  order_fk              only the order FK (the booklet derived from the serial)
  no_fk                 indexes, no FK
  no_fk_no_order_index  no FK, no (order_id, status) index
  indexes_after         no index while copying, indexes built after (the floor of COPY)
"""

import argparse
import io
import os
import sys
import time

import benchlib

VARIANTS = ["as_is", "one_fk", "order_fk", "no_fk", "no_fk_no_order_index", "indexes_after"]
SCRATCH = "bench_scratch_pass"
INDEXES = [
    f"ALTER TABLE {SCRATCH} ADD PRIMARY KEY (id)",
    f"ALTER TABLE {SCRATCH} ADD CONSTRAINT {SCRATCH}_code UNIQUE (code)",
    f"ALTER TABLE {SCRATCH} ADD CONSTRAINT {SCRATCH}_serial UNIQUE (serial)",
]
ORDER_INDEX = f"CREATE INDEX {SCRATCH}_order_status ON {SCRATCH} (order_id, status)"
FK_ORDER = (
    f"ALTER TABLE {SCRATCH} ADD FOREIGN KEY (order_id) REFERENCES orders_order (id) "
    "DEFERRABLE INITIALLY DEFERRED"
)
FK_BOOKLET = (
    f"ALTER TABLE {SCRATCH} ADD FOREIGN KEY (booklet_id) REFERENCES passes_booklet (id) "
    "DEFERRABLE INITIALLY DEFERRED"
)
SCHEMA = {
    "as_is": [*INDEXES, ORDER_INDEX, FK_ORDER, FK_BOOKLET],
    "one_fk": [*INDEXES, ORDER_INDEX, FK_BOOKLET],
    "order_fk": [*INDEXES, ORDER_INDEX, FK_ORDER],
    "no_fk": [*INDEXES, ORDER_INDEX],
    "no_fk_no_order_index": INDEXES,
    "indexes_after": [],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--wait-quiet", type=int, default=120)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", benchlib.DEFAULT_DATABASE_URL),
    )
    args = parser.parse_args()
    variants = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = set(variants) - set(VARIANTS)
    if unknown or not 1 <= args.repeat <= 5 or not 10 <= args.passes <= 2_000_000:
        parser.error(f"variants among {VARIANTS}, --repeat 1 to 5, --passes 10 to 2,000,000")
    benchlib.setup_django(args.database_url, fresh=False)

    from django.db import connection

    from passnum.passes import codes as pass_codes

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, o.booklet_size, array_agg(b.id ORDER BY b.number) FROM orders_order o "
            "JOIN passes_booklet b ON b.order_id = o.id GROUP BY o.id, o.booklet_size "
            "HAVING count(*) * o.booklet_size >= %s ORDER BY o.id DESC LIMIT 1",
            [args.passes],
        )
        row = cursor.fetchone()
    if row is None:
        sys.exit(f"no order with {args.passes:,} passes' booklets: run bench/issue_passes.py first")
    order_id, size, booklets = row
    codes = pass_codes.new_codes(args.passes)
    rows = []
    for repeat in range(args.repeat):
        for variant in variants:
            quiet = benchlib.wait_for_quiet(args.wait_quiet)
            print(f"{variant} (run {repeat + 1})…", file=sys.stderr, flush=True)
            timings = run_variant(variant, order_id, size, booklets, codes)
            rows.append(
                (
                    f"{variant} #{repeat + 1}",
                    f"COPY {timings[0]:5.1f} s, indexes {timings[1]:4.1f} s, "
                    f"COMMIT {timings[2]:5.1f} s = {sum(timings[:3]):5.1f} s; "
                    f"activation UPDATE {timings[3]:5.1f} s  [{quiet.split(' (')[0]}]",
                )
            )
    benchlib.print_table(f"COPY of {args.passes:,} passes into scratch tables", rows)
    return 0


def run_variant(variant, order_id, size, booklets, codes) -> tuple[float, float, float, float]:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    with raw.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(
            f"CREATE TABLE {SCRATCH} (LIKE passes_pass INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING IDENTITY)"
        )
        for statement in SCHEMA[variant]:
            cursor.execute(statement)
        raw.commit()
        started = time.perf_counter()
        statement = f"COPY {SCRATCH} (order_id, booklet_id, serial, code, status) FROM STDIN"
        with cursor.copy(statement) as copy:
            for start in range(0, len(codes), 100_000):
                buffer = io.StringIO()
                buffer.writelines(
                    f"{order_id}\t{booklets[i // size]}\t{900_000_000 + i}\t{codes[i]}\tinactive\n"
                    for i in range(start, min(start + 100_000, len(codes)))
                )
                copy.write(buffer.getvalue())
        copied = time.perf_counter()
        if variant == "indexes_after":
            for statement in [*INDEXES, ORDER_INDEX]:
                cursor.execute(statement)
        indexed = time.perf_counter()
        raw.commit()
        committed = time.perf_counter()
        cursor.execute(
            f"UPDATE {SCRATCH} SET status = 'active' WHERE order_id = %s AND status = 'inactive'",
            [order_id],
        )
        raw.commit()
        activated = time.perf_counter()
        cursor.execute(f"DROP TABLE {SCRATCH}")
        raw.commit()
    raw.autocommit = True
    return copied - started, indexed - copied, committed - indexed, activated - committed


if __name__ == "__main__":
    sys.exit(main())
