"""Daily jobs: at PASSNUM_DAILY_JOBS_AT (local time) each registered daily job is enqueued once
a day. The ScheduledRun row is inserted first; its unique constraint makes a second worker, or
a restart, skip a day already enqueued. A worker that was down at that time catches up when
it starts (the day's row is missing)."""

import datetime
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from passnum.jobs.models import ScheduledRun
from passnum.jobs.registry import daily_jobs


def daily_time() -> datetime.time:
    hours, _, minutes = settings.PASSNUM_DAILY_JOBS_AT.partition(":")
    return datetime.time(int(hours), int(minutes or 0))


def due_jobs(now: datetime.datetime | None = None) -> list[str]:
    now = timezone.localtime(now)
    if now.time() < daily_time():
        return []
    done = set(ScheduledRun.objects.filter(day=now.date()).values_list("name", flat=True))
    return sorted(name for name in daily_jobs() if name not in done)


def enqueue_due_jobs(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue today's daily jobs not yet enqueued; returns their names."""
    from passnum.jobs.tasks import run_daily

    day = timezone.localtime(now).date()
    enqueued = []
    for name in due_jobs(now):
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=name, day=day)
                transaction.on_commit(partial(run_daily.enqueue, name=name))
        except IntegrityError:
            continue  # another worker took it
        enqueued.append(name)
    return enqueued
