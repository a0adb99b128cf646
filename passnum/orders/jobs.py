"""Background jobs of the orders app (passnum/jobs/registry.py): issuing the passes of a large
accepted order, rendering its print proof, printing its booklets. Who may start each one is
checked by the service that starts it (orders/drafts.py, orders/proofs.py); the handlers check
the order's state again, since it may have changed while the job waited."""

from pathlib import Path

from django.utils.translation import gettext as _

from passnum.core.exceptions import DomainError
from passnum.jobs.models import Job
from passnum.jobs.progress import Progress
from passnum.jobs.registry import JobResult, daily_job, job_handler
from passnum.orders.models import Order

PDF = "application/pdf"


def _order(job: Job) -> Order:
    return Order.objects.select_related("sponsor").get(pk=job.params["order_id"])


def logo_bytes(order: Order) -> bytes | None:
    """The order's logo as stored (MEDIA_ROOT/logos/), or None."""
    if not order.logo:
        return None
    with order.logo.open("rb") as stream:
        return stream.read()


class _Advance:
    """render_booklets reports the passes written so far; Progress counts by steps."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.seen = 0

    def __call__(self, written: int) -> None:
        self.progress.advance(written - self.seen)
        self.seen = written


@job_handler("issue_order_passes")
def issue_order_passes_job(job: Job, progress: Progress, output: Path) -> JobResult:
    """The passes of an accepted order too large to issue within the request."""
    from passnum.passes.services import issue_order_passes

    order = _order(job)
    progress.set_total(order.quantity)
    if order.issued_at is None:  # run twice (a retry): issued once
        issue_order_passes(order=order, actor=job.requested_by)
    return JobResult(
        summary=_("%(count)s pass émis pour la commande %(reference)s")
        % {"count": order.quantity, "reference": order.reference}
    )


@job_handler("print_proof")
def print_proof_job(job: Job, progress: Progress, output: Path) -> JobResult:
    """The print proof (BAT): the first booklet with sample codes, every page marked."""
    from passnum.orders.proofs import record_proof
    from passnum.passes.printing import render_booklets

    order = _order(job)  # its state is checked at the end, by record_proof's conditional UPDATE
    print_text, logo_name = order.print_text, order.logo.name or ""
    progress.set_total(order.booklet_size)
    with output.open("wb") as stream:
        render_booklets(
            order=order,
            output=stream,
            proof=True,
            sponsor_text=print_text,
            logo=logo_bytes(order),
            progress=_Advance(progress),
        )
    if not record_proof(order=order, print_text=print_text, logo_name=logo_name):
        raise DomainError(
            _(
                "Le texte ou le logo de la commande %(reference)s a changé pendant la préparation "
                "de l'épreuve, ou elle n'est plus à imprimer : générez une nouvelle épreuve."
            )
            % {"reference": order.reference}
        )
    return JobResult(
        name=f"epreuve-{order.reference}.pdf",
        content_type=PDF,
        summary=_("Épreuve de la commande %(reference)s") % {"reference": order.reference},
    )


@job_handler("print_booklets")
def print_booklets_job(job: Job, progress: Progress, output: Path) -> JobResult:
    """Every booklet of the order, once its proof is approved, in one PDF."""
    from passnum.orders.proofs import require_printable
    from passnum.passes.printing import render_booklets

    order = _order(job)
    require_printable(order)
    progress.set_total(order.quantity)
    with output.open("wb") as stream:
        result = render_booklets(
            order=order,
            output=stream,
            sponsor_text=order.print_text,
            logo=logo_bytes(order),
            progress=_Advance(progress),
        )
    return JobResult(
        name=f"carnets-{order.reference}.pdf",
        content_type=PDF,
        summary=_("%(booklets)s carnets, %(passes)s pass, %(pages)s pages")
        % {"booklets": result.booklets, "passes": result.passes, "pages": result.pages},
    )


@daily_job("timeline")
def run_timeline_daily() -> str:
    """The end of validity of every order, once a day (orders/timeline.py)."""
    from passnum.accounts.services.system import system_acting
    from passnum.orders.timeline import run_timeline

    run = run_timeline(acting=system_acting())
    return _("%(count)s étape(s) de fin de validité faite(s)") % {"count": run.total}
