"""The worker's tasks: run a recorded job, or a daily job of the schedule."""

import logging

from passnum.core.tasks import task

logger = logging.getLogger(__name__)


@task()
def run_job(job_id: int) -> str:
    from passnum.jobs.services import execute_job

    return execute_job(job_id=job_id).status


@task()
def run_daily(name: str) -> str:
    from passnum.jobs.registry import daily_jobs

    job = daily_jobs().get(name)
    if job is None:
        logger.warning("unknown daily job %s", name)
        return "unknown"
    return job()
