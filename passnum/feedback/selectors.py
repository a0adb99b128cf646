"""Feedback results, scoped: a provider sees its own places, a hub the places of its territory,
operator staff every place; per place and per département. And the public rule that flags a
place for re-qualification (SPEC §4), shown with the scoring grid."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.core.exceptions import PermissionDenied
from passnum.feedback.enums import Return, Usefulness
from passnum.feedback.models import Feedback


@dataclass(frozen=True)
class Results:
    """The answers of a group (a place, a département) over the period."""

    key: str  # the place's id or the département's code
    label: str
    answers: int
    useful: int  # answers "oui" or "beaucoup"
    would_return: int  # answers "oui"

    @property
    def useful_percent(self) -> int | None:
        return round(100 * self.useful / self.answers) if self.answers else None

    @property
    def return_percent(self) -> int | None:
        return round(100 * self.would_return / self.answers) if self.answers else None

    @property
    def to_review(self) -> bool:
        """The public rule: enough answers, and too few found it useful."""
        percent = self.useful_percent
        return (
            self.answers >= settings.PASSNUM_FEEDBACK_MIN_ANSWERS
            and percent is not None
            and percent < settings.PASSNUM_FEEDBACK_MIN_USEFUL_PERCENT
        )


def visible_feedback(*, acting: Acting, days: int | None = None) -> QuerySet[Feedback]:
    """The feedback the acting organisation may read, over the last `days` (default: the rule's
    period, PASSNUM_FEEDBACK_PERIOD_DAYS)."""
    since = timezone.now() - datetime.timedelta(days=days or settings.PASSNUM_FEEDBACK_PERIOD_DAYS)
    found = Feedback.objects.filter(created_at__gte=since)
    kind = acting.organisation.kind
    if kind == OrganisationKind.OPERATOR:
        return found
    if kind == OrganisationKind.HUB:
        return found.filter(place__departement__in=acting.organisation.territory or [])
    if kind == OrganisationKind.PROVIDER:
        return found.filter(place__organisation=acting.organisation)
    raise PermissionDenied()


_USEFUL = Q(useful__gte=Usefulness.YES)
_RETURN = Q(would_return=Return.YES)


def results_by_place(feedback: QuerySet[Feedback]) -> list[Results]:
    rows = (
        feedback.order_by()
        .values("place_id", "place__name", "place__commune_name")
        .annotate(
            answers=Count("pk"),
            useful=Count("pk", filter=_USEFUL),
            back=Count("pk", filter=_RETURN),
        )
        .order_by("place__name", "place_id")
    )
    return [
        Results(
            key=str(row["place_id"]),
            label=f"{row['place__name']} ({row['place__commune_name']})",
            answers=row["answers"],
            useful=row["useful"],
            would_return=row["back"],
        )
        for row in rows
    ]


def results_by_departement(feedback: QuerySet[Feedback]) -> list[Results]:
    rows = (
        feedback.order_by()
        .values("place__departement")
        .annotate(
            answers=Count("pk"),
            useful=Count("pk", filter=_USEFUL),
            back=Count("pk", filter=_RETURN),
        )
        .order_by("place__departement")
    )
    return [
        Results(
            key=row["place__departement"],
            label=row["place__departement"],
            answers=row["answers"],
            useful=row["useful"],
            would_return=row["back"],
        )
        for row in rows
    ]


def learned_counts(feedback: QuerySet[Feedback]) -> list[tuple[str, int]]:
    """What people said they learned: (competence, answers), most frequent first."""
    rows = (
        Feedback.learned.through.objects.filter(feedback__in=feedback.values("pk"))
        .values("competence__code", "competence__name", "competence__name_en")
        .annotate(n=Count("pk"))
        .order_by("-n", "competence__code")
    )
    from passnum.catalogue.models import in_active_language

    return [
        (
            f"{row['competence__code']} "
            + in_active_language(row["competence__name"], row["competence__name_en"]),
            row["n"],
        )
        for row in rows
    ]
