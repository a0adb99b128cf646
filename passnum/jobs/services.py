"""Start a background job and run it (in the worker). Every state change is a conditional UPDATE,
so two workers never run the same job twice."""

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.accounts.selectors import Acting
from passnum.core.exceptions import DomainError
from passnum.core.transitions import check_transition
from passnum.jobs.enums import JOB_TRANSITIONS, JobStatus
from passnum.jobs.exceptions import UnknownJobKind
from passnum.jobs.models import Job
from passnum.jobs.progress import Progress
from passnum.jobs.registry import handler_for, known_kinds

logger = logging.getLogger(__name__)


def jobs_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs"


def start_job(*, acting: Acting, kind: str, label: str, params: dict | None = None) -> Job:
    """Record the job and hand it to the worker once the transaction commits."""
    if kind not in known_kinds():
        raise UnknownJobKind()
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            label=label[:200],
            organisation=acting.organisation,
            requested_by=acting.user,
            params=params or {},
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from passnum.jobs.tasks import run_job

    run_job.enqueue(job_id=job_id)


def _move(job: Job, target: JobStatus, **fields) -> bool:
    """Conditional UPDATE from the job's current state: False if someone else moved it first."""
    check_transition(JOB_TRANSITIONS, current=job.status, target=target, label=job.label)
    updated = Job.objects.filter(pk=job.pk, status=job.status).update(status=target, **fields)
    if updated:
        job.status = target
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(updated)


def execute_job(*, job_id: int) -> Job:
    """Run one job to its end (called by the worker's task). Never raises for the job's own
    errors: they are recorded on the job, in the person's language of the moment."""
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.QUEUED or not _move(
        job, JobStatus.RUNNING, started_at=timezone.now()
    ):
        return job  # already run, or taken by another worker
    directory = jobs_dir() / str(job.pk)
    directory.mkdir(parents=True, exist_ok=True)
    output = directory / "result"
    try:
        result = handler_for(job.kind)(job, Progress(job), output)
    except DomainError as exc:
        _fail(job, str(exc), output)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _fail(
            job, _("Une erreur inattendue a interrompu ce travail ; l'équipe est prévenue."), output
        )
    else:
        fields = {"finished_at": timezone.now(), "error_message": ""}
        if result.has_file:
            fields |= {
                "result_file": str(output.relative_to(settings.MEDIA_ROOT)),
                "result_name": result.name,
                "result_content_type": result.content_type,
            }
        job.refresh_from_db(fields=["progress_done", "progress_total"])
        if job.progress_total:
            fields["progress_done"] = job.progress_total
        _move(job, JobStatus.SUCCEEDED, **fields)
    return job


def _fail(job: Job, message: str, output: Path) -> None:
    output.unlink(missing_ok=True)
    job.refresh_from_db(fields=["status"])
    _move(job, JobStatus.FAILED, finished_at=timezone.now(), error_message=message)
