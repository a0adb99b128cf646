"""A background job's page (progress, then a download link) and its file."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from passnum.core.exceptions import NotFound
from passnum.jobs.exceptions import JobFileMissing
from passnum.jobs.selectors import job_for, result_path
from passnum.www.acting import current_acting


def _job(request: HttpRequest, job_id: int):
    acting = current_acting(request)
    if acting is None:
        raise PermissionDenied
    try:
        return job_for(acting=acting, job_id=job_id)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "www/jobs/job.html", {"job": _job(request, job_id)})


@login_required
def job_file(request: HttpRequest, job_id: int) -> FileResponse:
    job = _job(request, job_id)
    try:
        path = result_path(job)
    except JobFileMissing as exc:
        raise Http404 from exc
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.result_name,
        content_type=job.result_content_type or "application/octet-stream",
    )
