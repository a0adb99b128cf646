import time

from passnum.jobs.models import Job


class Progress:
    """Tells the job's page how far the work is: writes at most twice a second (no hot row)."""

    def __init__(self, job: Job, *, every_seconds: float = 0.5) -> None:
        self.job = job
        self.done = 0
        self.total = job.progress_total
        self.every_seconds = every_seconds
        self._last_write = 0.0

    def set_total(self, total: int) -> None:
        self.total = max(0, total)
        self.done = min(self.done, self.total)
        self._write(force=True)

    def advance(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count) if self.total else self.done + count
        self._write()

    def _write(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self.every_seconds:
            return
        self._last_write = now
        total = max(self.total, self.done) if self.total else 0
        Job.objects.filter(pk=self.job.pk).update(
            progress_done=self.done if total else 0, progress_total=total
        )
