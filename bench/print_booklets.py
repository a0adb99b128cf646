"""Benchmark: print the booklets of one issued order of N passes (default 100,000) to a PDF.

    .venv/bin/python bench/print_booklets.py [--passes 100000] [--booklet-size 10]
                                             [--database-url URL] [--reuse-db] [--drop]
                                             [--keep FILE.pdf] [--verify-pages 2]

Issues the order with `issue_passes` (as bench/issue_passes.py), then times
`passnum.passes.printing.render_booklets` writing the whole order to a temporary file: passes/s,
file size, the RSS of the process sampled every 20 ms during the run and read at each tenth of
the passes (flat memory: RSS at 10 % ≈ RSS at 100 %), CPU of this process and of others.
Then decodes the barcodes of the first and last pass pages back (pypdfium2 + zxing-cpp, the
dev extras) and compares them with the database. Target (issue 8): ≥ 500 passes/s, flat RSS.
Works in its own database, `passnum_bench_print` (re-created at start unless --reuse-db).
"""

import argparse
import datetime
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import benchlib
import procstats

TARGET_RATE = 500
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/passnum_bench_print"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """Samples this process's RSS every `interval` seconds until stopped."""

    def __init__(self, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = 0.0
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, rss_mib())
            self.samples += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=100_000, help="passes in the order")
    parser.add_argument("--booklet-size", type=int, default=10, choices=[5, 10])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_PRINT_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=120,
        help="wait at most this many seconds for other work to leave the CPUs idle",
    )
    parser.add_argument("--reuse-db", action="store_true", help="keep existing bench data")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--keep", metavar="FILE", help="keep the PDF at FILE (else deleted)")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes making the pass pages (default 1)"
    )
    parser.add_argument(
        "--verify-pages", type=int, default=2, help="pass pages decoded back at start and end"
    )
    args = parser.parse_args()
    if not 10 <= args.passes <= 2_000_000 or args.passes % args.booklet_size:
        parser.error("--passes must be a multiple of the booklet size, 10 to 2,000,000")

    database = benchlib.setup_django(args.database_url, fresh=not args.reuse_db)
    try:
        rows = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop:
            benchlib.drop_database(args.database_url)
    rows.insert(0, ("database", f"{benchlib.database_name(args.database_url)} ({database})"))
    benchlib.print_table(f"print_booklets benchmark — {datetime.date.today()}", rows)
    return 0


def run(args: argparse.Namespace) -> list[tuple[str, str]]:
    from django.db import connection

    from passnum.orders.services import create_order
    from passnum.passes.printing import render_booklets
    from passnum.passes.services import issue_passes

    world = benchlib.make_world(with_place=False)
    order = create_order(acting=world.sponsor, quantity=args.passes, booklet_size=args.booklet_size)
    print(f"issuing {args.passes:,} passes…", file=sys.stderr, flush=True)
    started = time.perf_counter()
    order = issue_passes(acting=world.operator, order=order)
    issue_seconds = time.perf_counter() - started

    quiet = benchlib.wait_for_quiet(args.wait_quiet)
    print(f"printing {args.passes:,} passes…", file=sys.stderr, flush=True)
    rss_before = rss_mib()
    at_tenth: dict[int, float] = {}
    tenth = args.passes // 10

    def progress(done: int) -> None:
        step = done // tenth
        if step not in at_tenth and done % tenth < args.booklet_size:
            at_tenth[step] = rss_mib()

    database = connection.settings_dict["NAME"]
    handle, path = tempfile.mkstemp(prefix="passnum-bench-", suffix=".pdf")
    sampler = RssSampler()
    try:
        with os.fdopen(handle, "wb") as output:
            before, own_before = procstats.snapshot(None, database), time.process_time()
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            sampler.start()
            started = time.perf_counter()
            result = render_booklets(
                order=order,
                output=output,
                sponsor_text=SPONSOR_TEXT,
                progress=progress,
                workers=args.workers,
            )
            seconds = time.perf_counter() - started
            sampler.stop()
            own_cpu = time.process_time() - own_before
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            workers_cpu = (
                children.ru_utime
                + children.ru_stime
                - children_before.ru_utime
                - children_before.ru_stime
            )
            cpu = procstats.delta(before, procstats.snapshot(None, database))
        size = os.path.getsize(path)
        verified = verify(path, order, args.verify_pages)
        if args.keep:
            os.replace(path, args.keep)
    finally:
        if sampler.is_alive():
            sampler.stop()
        if os.path.exists(path):
            os.unlink(path)

    rate = result.passes / seconds
    mine = own_cpu + workers_cpu + cpu["postgres_ms"] / 1000
    others = max(cpu["others_pct"] - 100 * mine * 1000 / max(cpu["busy_ms"], 1), 0)
    total_cpu = own_cpu + workers_cpu
    if args.passes < 100_000:
        verdict = "not judged (run with --passes 100000)"
    elif rate >= TARGET_RATE:
        verdict = "MET"
    elif others > 25:
        verdict = f"MISSED, with {others:.0f} % of the CPU taken by others (see CPU per pass)"
    else:
        verdict = "MISSED"
    tenths = " / ".join(f"{at_tenth[s]:.0f}" for s in sorted(at_tenth) if s in (1, 5, 10))
    return [
        ("machine", benchlib.machine_summary()),
        ("server", benchlib.postgres_version()),
        ("machine before printing", quiet),
        ("order", f"{result.passes:,} passes, {result.booklets:,} booklets of {args.booklet_size}"),
        ("worker processes", f"{args.workers}" if args.workers > 1 else "none (one process)"),
        ("issue_passes (set-up)", f"{issue_seconds:.1f} s"),
        ("render_booklets wall time", f"{seconds:.1f} s"),
        ("rate", f"{rate:,.0f} passes/s ({result.pages / seconds:,.0f} pages/s)"),
        (f"target: ≥ {TARGET_RATE} passes/s", verdict),
        ("pages", f"{result.pages:,}"),
        ("PDF size", f"{size / 1024 / 1024:,.1f} MiB ({size / result.passes:,.0f} bytes a pass)"),
        ("CPU: this process", f"{own_cpu:.1f} s"),
        ("CPU: worker processes", f"{workers_cpu:.1f} s"),
        (
            "CPU per pass (this process + workers)",
            f"{total_cpu / result.passes * 1e6:,.0f} µs, i.e. "
            f"{result.passes / total_cpu:,.0f} passes/s per fully available core",
        ),
        ("CPU: its PostgreSQL backend", f"{cpu['postgres_ms'] / 1000:.1f} s"),
        (
            "machine CPU busy meanwhile",
            f"{cpu['machine_busy_pct']:.0f} % of 2 cores ({others:.0f} % of it by other processes)",
        ),
        ("RSS before printing", f"{rss_before:.0f} MiB"),
        ("RSS at 10 % / 50 % / 100 % of the passes", f"{tenths} MiB"),
        ("RSS peak (sampled every 20 ms)", f"{sampler.peak:.0f} MiB ({sampler.samples:,} samples)"),
        (
            "peak RSS of a worker process",
            f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB"
            if args.workers > 1
            else "-",
        ),
        ("barcodes decoded back", verified),
    ]


SPONSOR_TEXT = (
    "Le Département vous offre ce carnet pour vous aider à prendre en main le numérique : "
    "ordinateur, smartphone, démarches en ligne. Bonne découverte !"
)


def verify(path: str, order, pages: int) -> str:
    """Decode the first and last `pages` pass pages and compare with the order's passes."""
    if pages <= 0:
        return "skipped (--verify-pages 0)"
    try:
        import pypdfium2
        import zxingcpp
    except ImportError:
        return "skipped (pip install -e '.[dev]' for pypdfium2 and zxing-cpp)"
    from passnum.passes.models import Pass
    from passnum.passes.offline import verify_fragment

    codes = set(Pass.objects.filter(order=order).values_list("code", flat=True))
    document = pypdfium2.PdfDocument(path)
    try:
        total = len(document)
        per_booklet = 1 + order.booklet_size // 5
        numbers = [i for i in range(total) if i % per_booklet][:pages]
        numbers += [i for i in range(total) if i % per_booklet][-pages:]
        found = problems = 0
        for number in numbers:
            image = document[number].render(scale=3).to_pil()
            results = zxingcpp.read_barcodes(image)
            texts = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.Code128]
            urls = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
            found += len(texts)
            problems += sum(text not in codes for text in texts)
            # The QR: the pass page's URL, then `#` and the signed facts (passes/offline.py).
            for url in urls:
                address, _hash, fragment = url.partition("#")
                code = address.rsplit("/", 1)[-1]
                signed = verify_fragment(code=code, fragment=fragment)
                problems += code not in codes or signed is None
            problems += abs(len(texts) - 5) + abs(len(urls) - 5)
    finally:
        document.close()
    verdict = "OK" if not problems else f"{problems} PROBLEMS"
    return (
        f"{verdict}: {found} Code 128 and as many signed QR codes on pages "
        f"{', '.join(str(n + 1) for n in numbers)}"
    )


if __name__ == "__main__":
    sys.exit(main())
