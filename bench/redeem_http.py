"""Benchmark: redemptions of fresh passes through HTTP, against a real gunicorn server.

    .venv/bin/python bench/redeem_http.py [--requests 20000] [--clients 16] [--workers 3]
        [--worker-class sync|gthread] [--threads 4] [--db-conn persistent|pool|per-request]
        [--warmup 1000] [--max-seconds 300] [--wait-quiet 120] [--py-spy FILE]
        [--server-settings MODULE] [--database-url URL] [--reuse-db] [--drop]

Prepares a world through the services (operator, sponsor, provider with a qualified place, an API
token, a paid issued order), counts the SQL queries of one redemption in process, starts
gunicorn on 127.0.0.1, warms it up, then drives it with `wrk` (16 connections, one fresh pass per
POST /api/v1/redemptions, each with its own Idempotency-Key). Reports redemptions/s, p50/p99,
non-201 answers and CPU per request, then checks in the database that no pass was redeemed twice
and that the ledger holds (check_ledger). Target (issue 2): ≥ 500/s, p99 ≤ 100 ms.
The server is always stopped; the run leaves only its own database (passnum_bench).
"""

import argparse
import datetime
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import benchlib
import procstats

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "redeem.lua"
GUNICORN = Path(sys.executable).parent / "gunicorn"
GRANIAN = Path(sys.executable).parent / "granian"
SERVER_START_SECONDS = 60
TARGET_RATE = 500
TARGET_P99_MS = 100


def main() -> int:
    args = parse_args()
    ensure_wrk()
    if args.server == "granian" and not GRANIAN.exists():
        sys.exit(f"{GRANIAN} is missing: .venv/bin/pip install granian")
    database = benchlib.setup_django(args.database_url, fresh=not args.reuse_db)
    workdir = Path(tempfile.mkdtemp(prefix="passnum-bench-"))
    server: subprocess.Popen | None = None
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        world, token, order, codes = prepare(args)
        queries = count_queries(world, token, _take(codes, 2))
        server_env = server_environment(args)
        port = free_port()
        server = start_server(args, server_env, port, workdir)
        wait_until_up(server, port, workdir)
        quiet = benchlib.wait_for_quiet(args.wait_quiet)
        warm = drive(args, port, token, world, codes, args.warmup, workdir, "warmup")
        measured = drive(args, port, token, world, codes, args.requests, workdir, "run", server)
        measured["quiet"] = quiet
    finally:
        if server is not None:
            stop_server(server)
        signal.signal(signal.SIGTERM, previous_term)
        shutil.rmtree(workdir, ignore_errors=True)
    in_process = queries["statuses"].count(201)
    verification = verify(order, expected_ok=warm["ok"] + measured["ok"] + in_process)
    from django.db import connections

    connections.close_all()
    if args.drop:
        benchlib.drop_database(args.database_url)
    report(args, database, server_env, warm, measured, verification, queries)
    return 0 if verification["double_redemptions"] == 0 and not verification["ledger"] else 1


def ensure_wrk() -> None:
    """wrk comes from Debian: installed here when missing and we are root, else explained."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    print("installing wrk (apt-get install -y wrk)…", file=sys.stderr, flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600)
        subprocess.run(install, capture_output=True, timeout=600)
    if not shutil.which("wrk"):
        sys.exit("could not install wrk: apt-get install -y wrk")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000, help="measured requests")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument(
        "--server",
        default="gunicorn",
        choices=["gunicorn", "granian"],
        help="the WSGI server: gunicorn (Python) or granian (Rust; --worker-class ignored)",
    )
    parser.add_argument(
        "--granian-runtime", default="st", choices=["st", "mt"], help="granian's I/O runtime"
    )
    parser.add_argument(
        "--workers", type=int, default=3, help="server worker processes (cores + 1)"
    )
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--db-conn",
        default="persistent",
        choices=["persistent", "pool", "per-request"],
        help="persistent: DATABASE_CONN_MAX_AGE=600; pool: DATABASE_POOL=true; "
        "per-request: a new connection per request",
    )
    parser.add_argument("--pool-max", type=int, default=8, help="DATABASE_POOL_MAX with pool")
    parser.add_argument("--warmup", type=int, default=1000, help="unmeasured requests first")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--max-seconds", type=int, default=300, help="bound of the measured run")
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
    parser.add_argument(
        "--server-settings",
        metavar="MODULE",
        help="DJANGO_SETTINGS_MODULE of the server, a module of bench/ (an experiment), e.g. "
        "settings_prepared",
    )
    parser.add_argument(
        "--py-spy",
        metavar="FILE",
        help="sample the server's workers with py-spy during the measured run (raw stacks to "
        "FILE, summary printed; costs CPU, so the figures of such a run are lower)",
    )
    parser.add_argument("--reuse-db", action="store_true", help="keep existing bench data")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args()
    if not 1 <= args.requests <= 1_000_000 or not 0 <= args.warmup <= 100_000:
        parser.error("--requests must be 1 to 1,000,000 and --warmup 0 to 100,000")
    if not 1 <= args.clients <= 256 or not 1 <= args.workers <= 64:
        parser.error("--clients must be 1 to 256 and --workers 1 to 64")
    if args.clients % args.wrk_threads or args.wrk_threads > args.clients:
        parser.error("--clients must be a multiple of --wrk-threads")
    return args


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# --- the world -------------------------------------------------------------------------------


def prepare(args: argparse.Namespace):
    """World, API token and a paid, issued order with a fresh pass for every request."""
    from passnum.accounts.services import create_api_token
    from passnum.orders.services import create_order, record_payment
    from passnum.passes import codes as pass_codes
    from passnum.passes.models import Pass
    from passnum.passes.services import issue_passes

    world = benchlib.make_world(with_place=True)
    token = create_api_token(
        actor=world.provider.user, membership=world.provider.membership, name="bench"
    ).clear
    # Slack: requests in flight when a wrk thread stops (two runs), one in-process redemption.
    needed = args.warmup + args.requests + 2 * (args.clients + args.wrk_threads) + 2
    quantity = -(-needed // 10) * 10
    order = create_order(acting=world.sponsor, quantity=quantity, booklet_size=10)
    order = issue_passes(acting=world.operator, order=order)
    order = record_payment(acting=world.operator, order=order, amount_cents=order.total_due_cents)
    codes = [
        pass_codes.display(code)
        for code in Pass.objects.filter(order=order)
        .order_by("serial")
        .values_list("code", flat=True)
    ]
    return world, token, order, codes


def count_queries(world, token: str, codes: list[str]) -> dict:
    """Redemptions in process (django.test.Client): status, query count and SQL of the last.

    The first one opens the territorial fund's ledger account (once per département), so the
    last one shows the steady state.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts, statuses = [], []
    for code in codes:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/api/v1/redemptions",
                redemption_body(world, code),
                content_type="application/json",
                headers={
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
        counts.append(len(captured.captured_queries))
        statuses.append(response.status_code)
    return {
        "statuses": statuses,
        "counts": counts,
        "queries": [query["sql"] for query in captured.captured_queries],
    }


def redemption_body(world, code: str) -> str:
    return json.dumps(
        {
            "place_id": world.place.pk,
            "service": world.service.code,
            "price_cents": benchlib.OFFER_PRICE_CENTS,
            "codes": [code],
        },
        separators=(",", ":"),
    )


# --- the server ------------------------------------------------------------------------------


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    env = benchlib.bench_environment(args.database_url)
    env["ALLOWED_HOSTS"] = "127.0.0.1"
    for name in (
        "DATABASE_POOL",
        "DATABASE_CONN_MAX_AGE",
        "DATABASE_POOL_MIN",
        "DATABASE_POOL_MAX",
    ):
        env.pop(name, None)
    if args.db_conn == "persistent":
        env["DATABASE_CONN_MAX_AGE"] = "600"
    elif args.db_conn == "pool":
        env["DATABASE_POOL"] = "true"
        env["DATABASE_POOL_MIN"] = "1"
        env["DATABASE_POOL_MAX"] = str(args.pool_max)
    else:
        env["DATABASE_CONN_MAX_AGE"] = "0"
    if args.server_settings:
        env["DJANGO_SETTINGS_MODULE"] = args.server_settings
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    return env


def server_command(args: argparse.Namespace, port: int) -> list[str]:
    if args.server == "granian":
        # One blocking thread per worker process: a worker serves one request at a time, as a
        # gunicorn sync worker does, with its persistent database connection.
        return [
            str(GRANIAN),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--blocking-threads",
            "1",
            "--runtime-mode",
            args.granian_runtime,
            "--backlog",
            "1024",
            "--log-level",
            "warning",
            "--working-dir",
            str(benchlib.PROJECT_DIR),
            "passnum.config.wsgi:application",
        ]
    command = [
        str(GUNICORN),
        "passnum.config.wsgi",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "1024",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--chdir",
        str(benchlib.PROJECT_DIR),
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args, env, port: int, workdir: Path) -> subprocess.Popen:
    log = (workdir / "server.log").open("w")
    print(f"starting: {' '.join(server_command(args, port))}", file=sys.stderr, flush=True)
    return subprocess.Popen(
        server_command(args, port),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop_server ends master and workers
    )


def wait_until_up(server: subprocess.Popen, port: int, workdir: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/places")
            status = conn.getresponse().status
            conn.close()
            if status == 401:
                return
        except OSError:
            pass
        time.sleep(0.2)
    log = (workdir / "server.log").read_text()[-3000:]
    raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS} s:\n{log}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (master and workers), SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    except ProcessLookupError:
        pass


# --- the load --------------------------------------------------------------------------------


def drive(args, port, token, world, codes: list[str], count: int, workdir, name, server=None):
    """Run wrk until every thread has its quota of answers (bounded by --max-seconds).

    Takes `count` passes from the front of `codes`, and for each wrk thread a few spare ones for
    the requests still in flight when it stops (they are redeemed but not counted)."""
    if not count:
        return {"ok": 0, "other": 0}
    threads = args.wrk_threads
    slack = args.clients // threads + 1
    prefix = workdir / name
    for tid in range(threads):
        quota = count // threads + (1 if tid < count % threads else 0)
        mine = _take(codes, quota + slack)
        with open(f"{prefix}-{tid}.txt", "w") as out:
            out.write(f"QUOTA {quota}\n")
            for code in mine:
                out.write(f"{uuid.uuid4()}\t{redemption_body(world, code)}\n")
    command = [
        "wrk",
        "--threads",
        str(threads),
        "--connections",
        str(args.clients),
        "--duration",
        f"{args.max_seconds}s",
        "--timeout",
        "10s",
        "--script",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{port}",
        "--",
        str(prefix),
        token,
    ]
    print(f"{name}: {count:,} requests, {args.clients} connections", file=sys.stderr)
    database = benchlib.database_name(args.database_url)
    spy = _start_py_spy(args, server) if server is not None else None
    try:
        before = procstats.snapshot(server.pid if server else None, database)
        started = time.monotonic()
        result = _run_wrk(command, threads, deadline=started + args.max_seconds + 30)
        wall = time.monotonic() - started
        after = procstats.snapshot(server.pid if server else None, database)
    finally:
        if spy is not None:
            _stop_py_spy(spy)
    result["wall_seconds"] = wall
    result["cpu"] = procstats.delta(before, after)
    return result


def _start_py_spy(args, server: subprocess.Popen) -> subprocess.Popen | None:
    if not args.py_spy:
        return None
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.exists():
        sys.exit(f"{py_spy} is missing: .venv/bin/pip install py-spy")
    command = [str(py_spy), "record", "--pid", str(server.pid), "--subprocesses"]
    command += ["--rate", "100", "--format", "raw", "--nolineno", "--nonblocking", "--gil"]
    command += ["--duration", str(args.max_seconds), "--output", args.py_spy]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # let it attach to every worker
    return spy


def _stop_py_spy(spy: subprocess.Popen) -> None:
    spy.send_signal(signal.SIGINT)  # py-spy writes its file and exits
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()
        spy.wait(timeout=5)


def _take(codes: list[str], count: int) -> list[str]:
    if len(codes) < count:
        raise RuntimeError("not enough fresh passes in the order")
    taken = codes[:count]
    del codes[:count]
    return taken


def _run_wrk(command: list[str], threads: int, deadline: float) -> dict:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for text in proc.stdout:
            lines.put(text)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    finished, result, output = 0, None, []
    try:
        while time.monotonic() < deadline:
            try:
                text = lines.get(timeout=1)
            except queue.Empty:
                continue
            if text is None:
                break
            output.append(text)
            if text.startswith("THREAD-FINISHED"):
                finished += 1
                if finished == threads:
                    proc.send_signal(signal.SIGINT)  # wrk prints its summary and exits
            elif text.startswith("RESULT "):
                result = dict(item.split("=", 1) for item in text.split()[1:])
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
    if result is None:
        raise RuntimeError("wrk gave no result:\n" + "".join(output[-30:]))
    parsed: dict = {key: value for key, value in result.items() if key == "statuses"}
    for key, value in result.items():
        if key != "statuses":
            parsed[key] = float(value) if "." in value else int(value)
    parsed["completed"] = finished == threads
    return parsed


# --- checks and report -----------------------------------------------------------------------


def verify(order, expected_ok: int) -> dict:
    """Every pass redeemed at most once; the ledger balances; lines, passes and answers agree."""
    from django.db.models import Count

    from passnum.passes.enums import PassStatus
    from passnum.passes.models import Pass
    from passnum.reconciliation.checks import check_ledger
    from passnum.redemptions.models import Redemption, RedemptionLine

    live = RedemptionLine.objects.filter(undone=False, pass_item__order=order)
    doubles = live.values("pass_item").annotate(n=Count("id")).filter(n__gt=1).count()
    redeemed = Pass.objects.filter(order=order, status=PassStatus.REDEEMED).count()
    lines = live.count()
    redemptions = Redemption.objects.filter(lines__pass_item__order=order).distinct().count()
    started = time.perf_counter()
    problems = check_ledger()
    return {
        "double_redemptions": doubles,
        "redeemed_passes": redeemed,
        "live_lines": lines,
        "redemptions": redemptions,
        "answers_201": expected_ok,
        "ledger": [str(problem) for problem in problems],
        "ledger_seconds": time.perf_counter() - started,
    }


def report(args, database, env, warm, run, verification, queries) -> None:
    rate = run["ok"] / (run["duration_us"] / 1e6) if run.get("duration_us") else 0.0
    p50, p99 = run["p50_us"] / 1000, run["p99_us"] / 1000
    cpu = run["cpu"]
    per_request = max(run["ok"] + run["other"], 1)
    connection = {
        "persistent": "DATABASE_CONN_MAX_AGE=600",
        "pool": f"DATABASE_POOL=true (min 1, max {args.pool_max})",
        "per-request": "DATABASE_CONN_MAX_AGE=0",
    }[args.db_conn]
    worker = f"{args.workers} × {args.worker_class}"
    if args.worker_class == "gthread":
        worker += f" ({args.threads} threads)"
    if args.server == "granian":
        worker = f"{args.workers} workers × 1 blocking thread (WSGI)"
    consistent = (
        verification["live_lines"] == verification["redeemed_passes"]
        and verification["redeemed_passes"] >= verification["answers_201"]
    )
    rows = [
        ("database", f"{benchlib.database_name(args.database_url)} ({database})"),
        ("machine", benchlib.machine_summary()),
        (
            "server",
            f"{args.server} {worker}, {connection}, DEBUG=false"
            + (f", settings {args.server_settings}" if args.server_settings else ""),
        ),
        ("load generator", f"wrk, {args.wrk_threads} thread(s), {args.clients} connections"),
        ("warm-up requests (not measured)", f"{warm.get('ok', 0):,} × 201"),
        ("measured requests", f"{run['ok'] + run['other']:,} answered"),
        ("redemptions/s (201s over wall time)", f"{rate:,.0f}"),
        ("latency p50", f"{p50:.1f} ms"),
        ("latency p90", f"{run['p90_us'] / 1000:.1f} ms"),
        ("latency p99", f"{p99:.1f} ms"),
        ("latency max", f"{run['max_us'] / 1000:.1f} ms"),
        ("non-201 answers", f"{run['other']} {run['statuses'] or ''}".strip()),
        (
            "socket errors (connect/read/write/timeout)",
            f"{run['connect_errors']}/{run['read_errors']}/{run['write_errors']}/{run['timeouts']}",
        ),
        ("run completed within --max-seconds", "yes" if run["completed"] else "NO (partial)"),
        ("machine before the warm-up", run["quiet"]),
        (
            "machine CPU busy during the run",
            f"{cpu['machine_busy_pct']:.0f} % ({cpu['others_pct']:.0f} % of it by other processes)",
        ),
        ("CPU per request: server workers", f"{cpu['server_ms'] / per_request:.2f} ms"),
        ("CPU per request: PostgreSQL backends", f"{cpu['postgres_ms'] / per_request:.2f} ms"),
        ("CPU per request: wrk", f"{cpu['wrk_ms'] / per_request:.2f} ms"),
        (
            "ceiling if these had 2 idle cores",
            f"{2000 / max((cpu['server_ms'] + cpu['postgres_ms'] + cpu['wrk_ms']) / per_request, 0.001):,.0f} redemptions/s",
        ),
        ("load average before → after", cpu["loadavg"]),
        (
            "SQL statements per redemption (in process)",
            f"{queries['counts'][-1]} incl. BEGIN/COMMIT (first one: {queries['counts'][0]})",
        ),
        ("double redemptions", str(verification["double_redemptions"])),
        (
            "redeemed passes / live lines / 201 answers",
            f"{verification['redeemed_passes']:,} / {verification['live_lines']:,} / "
            f"{verification['answers_201']:,} ({'consistent' if consistent else 'INCONSISTENT'})",
        ),
        ("check_ledger() discrepancies", str(len(verification["ledger"]))),
        (
            f"target ≥ {TARGET_RATE}/s, p99 ≤ {TARGET_P99_MS} ms, no double",
            "MET"
            if rate >= TARGET_RATE
            and p99 <= TARGET_P99_MS
            and verification["double_redemptions"] == 0
            else "MISSED",
        ),
    ]
    benchlib.print_table(f"redeem_http benchmark — {datetime.date.today()}", rows)
    print(f"\nSQL of one redemption (in process, answers {queries['statuses']}):")
    for number, sql in enumerate(queries["queries"], 1):
        print(f"{number:>3}. {sql}")
    for problem in verification["ledger"][:20]:
        print(f"LEDGER: {problem}")
    print(f"\nserver environment: {_env_summary(env)}")
    if args.py_spy and Path(args.py_spy).exists():
        import stacks

        print("\npy-spy profile of the server's workers during the measured run:")
        print(stacks.summary(args.py_spy, top=40))


def _env_summary(env: dict[str, str]) -> str:
    keys = ["DJANGO_SETTINGS_MODULE", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL"]
    keys += ["DATABASE_CONN_MAX_AGE", "DATABASE_POOL"]
    keys += ["DATABASE_POOL_MIN", "DATABASE_POOL_MAX"]
    return " ".join(f"{key}={env[key]}" for key in keys if key in env)


if __name__ == "__main__":
    sys.exit(main())
