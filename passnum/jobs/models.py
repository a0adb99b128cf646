from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from passnum.accounts.models import Organisation
from passnum.jobs.enums import JobStatus


class Job(models.Model):
    """A piece of long work a person asked for (print an order, run payouts…), run by the worker.

    The page that started it shows its progress, then a download link to its result file, which
    only the organisation that asked (and the operator) can fetch.
    """

    kind = models.CharField(_("nature"), max_length=40)
    label = models.CharField(_("libellé"), max_length=200)
    status = models.CharField(
        _("état"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("organisation")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    progress_done = models.PositiveBigIntegerField(_("fait"), default=0)
    progress_total = models.PositiveBigIntegerField(_("à faire"), default=0)
    result_file = models.CharField(_("fichier produit"), max_length=300, blank=True)
    result_name = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    result_content_type = models.CharField(_("type du fichier"), max_length=100, blank=True)
    error_message = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("travail")
        verbose_name_plural = _("travaux")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "kind", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_done__lte=F("progress_total")) | Q(progress_total=0),
                name="job_progress_within_total",
                violation_error_message=_("L'avancement dépasse le total."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class ScheduledRun(models.Model):
    """One row per scheduled job and day: the worker's scheduler inserts it before enqueuing, so
    several workers (or restarts) never run a daily job twice the same day."""

    name = models.CharField(_("tâche planifiée"), max_length=40)
    day = models.DateField(_("jour"))
    enqueued_at = models.DateTimeField(_("lancée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("exécution planifiée")
        verbose_name_plural = _("exécutions planifiées")
        constraints = [
            models.UniqueConstraint(fields=["name", "day"], name="scheduled_run_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"
