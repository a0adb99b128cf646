from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import NotFound
from passnum.jobs.enums import JobStatus
from passnum.jobs.exceptions import JobFileMissing
from passnum.jobs.models import Job


def jobs_of(*, acting: Acting, kind: str | None = None) -> QuerySet[Job]:
    jobs = Job.objects.filter(organisation=acting.organisation)
    return jobs.filter(kind=kind) if kind else jobs


def job_for(*, acting: Acting, job_id: int) -> Job:
    """A job of the acting organisation; NotFound for any other (nothing leaks)."""
    job = jobs_of(acting=acting).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def result_path(job: Job) -> Path:
    if job.status != JobStatus.SUCCEEDED or not job.result_file:
        raise JobFileMissing()
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.result_file).resolve()
    if root not in path.parents or not path.is_file():
        raise JobFileMissing()
    return path
