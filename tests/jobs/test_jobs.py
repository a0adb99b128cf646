import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from passnum.accounts.enums import OrganisationKind
from passnum.core.exceptions import DomainError
from passnum.jobs import registry
from passnum.jobs.enums import JobStatus
from passnum.jobs.exceptions import UnknownJobKind
from passnum.jobs.models import Job, ScheduledRun
from passnum.jobs.scheduler import due_jobs, enqueue_due_jobs
from passnum.jobs.services import execute_job, start_job
from tests.factories import make_acting

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
CALLS: list[str] = []


@registry.job_handler("test_write")
def _write(job, progress, output):
    progress.set_total(3)
    with output.open("w") as stream:
        for line in range(3):
            stream.write(f"ligne {line} {job.params['word']}\n")
            progress.advance()
    return registry.JobResult(name="resultat.txt", content_type="text/plain")


@registry.job_handler("test_refuse")
def _refuse(job, progress, output):
    output.write_text("partial")
    raise DomainError("Refusé pour une raison claire.")


@registry.job_handler("test_crash")
def _crash(job, progress, output):
    raise RuntimeError("boom")


@registry.daily_job("test_daily")
def _daily():
    CALLS.append("daily")
    return "ok"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sponsor_acting(db):
    return make_acting(OrganisationKind.SPONSOR)


def _start(acting, kind, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        return start_job(acting=acting, kind=kind, label="Test", params=params)


def test_a_job_runs_in_the_worker_and_its_file_is_downloaded_by_its_organisation_only(
    client, sponsor_acting, django_capture_on_commit_callbacks
):
    job = _start(sponsor_acting, "test_write", django_capture_on_commit_callbacks, word="mot")
    assert job.status == JobStatus.QUEUED
    call_command("worker", "--once")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)

    client.force_login(sponsor_acting.user)
    page = client.get(reverse("job", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("job_file", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("job_file", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode().count("mot") == 3
    assert "resultat.txt" in download["Content-Disposition"]

    other = make_acting(OrganisationKind.SPONSOR)
    client.force_login(other.user)
    assert client.get(reverse("job", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


def test_a_running_job_page_refreshes_itself(client, sponsor_acting):
    job = Job.objects.create(
        kind="test_write",
        label="Impression",
        organisation=sponsor_acting.organisation,
        requested_by=sponsor_acting.user,
        progress_done=5,
        progress_total=10,
        status=JobStatus.RUNNING,
    )
    client.force_login(sponsor_acting.user)
    html = client.get(reverse("job", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in html
    assert 'value="50"' in html
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


def test_a_refused_job_says_why_and_leaves_no_file(
    sponsor_acting, django_capture_on_commit_callbacks
):
    job = _start(sponsor_acting, "test_refuse", django_capture_on_commit_callbacks)
    call_command("worker", "--once")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message == "Refusé pour une raison claire."
    assert job.result_file == ""


def test_a_crash_is_recorded_without_its_traceback(
    sponsor_acting, django_capture_on_commit_callbacks
):
    job = _start(sponsor_acting, "test_crash", django_capture_on_commit_callbacks)
    call_command("worker", "--once")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "boom" not in job.error_message
    assert job.error_message


def test_a_job_runs_once_even_if_executed_twice(sponsor_acting, django_capture_on_commit_callbacks):
    job = _start(sponsor_acting, "test_write", django_capture_on_commit_callbacks, word="x")
    execute_job(job_id=job.pk)
    finished = Job.objects.get(pk=job.pk).finished_at
    execute_job(job_id=job.pk)
    assert Job.objects.get(pk=job.pk).finished_at == finished


def test_unknown_kind_is_refused(sponsor_acting):
    with pytest.raises(UnknownJobKind):
        start_job(acting=sponsor_acting, kind="nope", label="x")
    assert not Job.objects.exists()


def test_daily_jobs_are_enqueued_once_a_day_after_their_time(db, settings):
    settings.PASSNUM_DAILY_JOBS_AT = "02:30"
    before = datetime.datetime(2027, 3, 1, 2, 0, tzinfo=PARIS)
    after = datetime.datetime(2027, 3, 1, 2, 31, tzinfo=PARIS)
    assert due_jobs(before) == []
    assert "test_daily" in due_jobs(after)
    assert "test_daily" in enqueue_due_jobs(after)
    assert "test_daily" not in enqueue_due_jobs(after)
    assert ScheduledRun.objects.filter(name="test_daily", day=after.date()).count() == 1
    assert "test_daily" in due_jobs(after + datetime.timedelta(days=1))


def test_the_worker_runs_the_daily_jobs(db, settings, django_capture_on_commit_callbacks):
    settings.PASSNUM_DAILY_JOBS_AT = "00:00"
    CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("worker", "--once")
    call_command("worker", "--once")
    assert CALLS == ["daily"]
