"""Profile of the redemption hot path, in process: where the time of one request goes.

    .venv/bin/python bench/profile_redeem.py [--requests 500] [--top 35] [--sort tottime]
                                             [--wait-quiet 60] [--reuse-db]

Same world as redeem_http.py; sends N redemptions of fresh passes through django.test.Client
(the whole middleware and django-ninja stack, no network), once without a profiler to time them
(wall time per request, time inside SQL execution, Python time besides), then again under
cProfile and prints the functions that cost the most. Uses its own bench database.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import uuid

import benchlib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", benchlib.DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--wait-quiet", type=int, default=60)
    parser.add_argument("--reuse-db", action="store_true")
    args = parser.parse_args()
    if not 10 <= args.requests <= 100_000:
        parser.error("--requests must be 10 to 100,000")
    benchlib.setup_django(args.database_url, fresh=not args.reuse_db)

    from django.db import connection
    from django.test import Client

    from passnum.accounts.services import create_api_token
    from passnum.orders.services import create_order, record_payment
    from passnum.passes import codes as pass_codes
    from passnum.passes.models import Pass
    from passnum.passes.services import issue_passes

    world = benchlib.make_world(with_place=True)
    token = create_api_token(
        actor=world.provider.user, membership=world.provider.membership, name="bench"
    ).clear
    quantity = -(-(2 * args.requests + 20) // 10) * 10
    order = create_order(acting=world.sponsor, quantity=quantity)
    order = issue_passes(acting=world.operator, order=order)
    order = record_payment(acting=world.operator, order=order, amount_cents=order.total_due_cents)
    codes = [
        pass_codes.display(code)
        for code in Pass.objects.filter(order=order)
        .order_by("serial")
        .values_list("code", flat=True)
    ]
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    base = {
        "place_id": world.place.pk,
        "service": world.service.code,
        "price_cents": benchlib.OFFER_PRICE_CENTS,
    }

    def redeem(code: str) -> None:
        response = client.post(
            "/api/v1/redemptions",
            {**base, "codes": [code]},
            content_type="application/json",
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    for code in codes[:10]:  # warm-up: imports, translations, the fund account
        redeem(code)
    quiet = benchlib.wait_for_quiet(args.wait_quiet)
    sql = {"seconds": 0.0, "count": 0}

    def timed(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql["seconds"] += time.perf_counter() - started
            sql["count"] += 1

    batch = codes[10 : 10 + args.requests]
    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        for code in batch:
            redeem(code)
        wall = time.perf_counter() - started
    layers = _layer_costs(token, repeat=max(args.requests, 200))
    profiled = codes[10 + args.requests : 10 + 2 * args.requests]
    profiler = cProfile.Profile()
    profiler.enable()
    for code in profiled:
        redeem(code)
    profiler.disable()
    connection.close()

    n = len(batch)
    benchlib.print_table(
        f"in-process redemption, {n} requests, no profiler",
        [
            ("wall time per request", f"{1000 * wall / n:.2f} ms"),
            ("  of which SQL round trips", f"{1000 * sql['seconds'] / n:.2f} ms"),
            ("  of which Python besides", f"{1000 * (wall - sql['seconds']) / n:.2f} ms"),
            ("SQL statements per request", f"{sql['count'] / n:.1f}"),
            ("single-process ceiling", f"{n / wall:,.0f} requests/s"),
            ("machine", quiet),
        ],
    )
    benchlib.print_table(
        "cost of one query, in process (average)",
        [(label, f"{1000 * seconds:.3f} ms") for label, seconds in layers],
    )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    print(f"\ncProfile of {len(profiled)} more requests, sorted by {args.sort}:")
    print(out.getvalue())
    return 0


def _layer_costs(token: str, repeat: int) -> list[tuple[str, float]]:
    """What one query costs: a bare round trip, the token lookup through the ORM (compiling
    the SQL and building four models), and as the scan does it (acting_from_token: fixed SQL,
    prepared on PostgreSQL, rows through core.rows)."""
    from django.db import connection

    from passnum.accounts.models import ApiToken
    from passnum.accounts.selectors import acting_from_token
    from passnum.accounts.services import digest_token

    digest = digest_token(token)

    def average(function) -> float:
        started = time.perf_counter()
        for _ in range(repeat):
            function()
        return (time.perf_counter() - started) / repeat

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()

    def orm() -> None:
        ApiToken.objects.select_related(
            "membership", "membership__user", "membership__organisation"
        ).filter(digest=digest, revoked_at__isnull=True).first()

    return [
        ("round trip: SELECT 1 (raw cursor)", average(bare)),
        ("token lookup through the ORM (select_related)", average(orm)),
        (
            "token lookup: acting_from_token (fixed SQL, prepared)",
            average(lambda: acting_from_token(token)),
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
