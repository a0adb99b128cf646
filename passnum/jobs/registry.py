"""What kinds of background jobs exist: each app declares its own in a `jobs.py` module.

    @job_handler("print_booklets")
    def print_booklets(job: Job, progress: Progress, output: Path) -> JobResult: ...

    @daily_job("timeline")
    def run_timeline() -> str: ...   # run once a day by the worker's scheduler

Handlers write their result (if any) to `output` as they go (constant memory) and say how far
they are with `progress`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from passnum.jobs.models import Job
    from passnum.jobs.progress import Progress


@dataclass(frozen=True)
class JobResult:
    """The file a job produced (written to the `output` path it was given), or none."""

    name: str = ""
    content_type: str = "application/octet-stream"
    summary: str = ""

    @property
    def has_file(self) -> bool:
        return bool(self.name)


Handler = Callable[["Job", "Progress", "Path"], JobResult]

_HANDLERS: dict[str, Handler] = {}
_DAILY: dict[str, Callable[[], str]] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return register


def daily_job(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def register(func: Callable[[], str]) -> Callable[[], str]:
        _DAILY[name] = func
        return func

    return register


def handler_for(kind: str) -> Handler:
    return _HANDLERS[kind]


def known_kinds() -> set[str]:
    return set(_HANDLERS)


def daily_jobs() -> dict[str, Callable[[], str]]:
    return dict(_DAILY)
