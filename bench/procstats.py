"""CPU accounting of a benchmark run from /proc (Linux): where the two cores went.

A snapshot reads the machine's CPU counters, the server's processes (a gunicorn master and its
workers), the PostgreSQL backends connected to the bench database, and this process's waited-for
children (the load generator). `delta` turns two snapshots into milliseconds of CPU.
"""

import os
import resource
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _machine() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])
    return total - idle, total


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, user + system jiffies) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _processes() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _server_jiffies(master: int | None, pids: list[int]) -> int:
    if master is None:
        return 0
    total = 0
    for pid in pids:
        stat = _stat(pid)
        if stat and (pid == master or stat[0] == master):
            total += stat[1]
    return total


def _postgres_jiffies(database: str, pids: list[int]) -> int:
    """CPU of the backends serving `database` (their title is 'postgres: user db host …')."""
    total = 0
    marker = f" {database} "
    for pid in pids:
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if title.startswith("postgres: ") and marker in title:
            stat = _stat(pid)
            if stat:
                total += stat[1]
    return total


def snapshot(server_pid: int | None, database: str) -> dict:
    pids = _processes()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total = _machine()
    return {
        "busy": busy,
        "total": total,
        "server": _server_jiffies(server_pid, pids),
        "postgres": _postgres_jiffies(database, pids),
        "children": children.ru_utime + children.ru_stime,
        "loadavg": os.getloadavg()[0],
    }


def delta(before: dict, after: dict) -> dict:
    total = max(after["total"] - before["total"], 1)
    busy_ms = 1000 * (after["busy"] - before["busy"]) / TICKS
    server_ms = 1000 * (after["server"] - before["server"]) / TICKS
    postgres_ms = 1000 * (after["postgres"] - before["postgres"]) / TICKS
    wrk_ms = 1000 * (after["children"] - before["children"])
    return {
        "machine_busy_pct": 100 * (after["busy"] - before["busy"]) / total,
        # CPU used by anything else (other users' work, PostgreSQL's background processes).
        "others_pct": 100 * max(busy_ms - server_ms - postgres_ms - wrk_ms, 0) / busy_ms
        if busy_ms
        else 0.0,
        "busy_ms": busy_ms,
        "server_ms": server_ms,
        "postgres_ms": postgres_ms,
        "wrk_ms": wrk_ms,
        "loadavg": f"{before['loadavg']:.2f} → {after['loadavg']:.2f}",
    }
