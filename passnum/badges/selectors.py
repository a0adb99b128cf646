"""Reads of badges. A place's members read their organisation's redemptions and badges; operator
staff read every badge (to revoke one); anyone reads a badge by its public id (a random UUID,
printed on the badge) — its page, its credential, its verification."""

import datetime
import uuid

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.badges.models import Badge
from passnum.catalogue.models import Competence
from passnum.core.exceptions import NotFound, PermissionDenied
from passnum.redemptions.models import Redemption

RECENT = 50


def _provider(acting: Acting) -> None:
    if acting.organisation.kind != OrganisationKind.PROVIDER:
        raise PermissionDenied()


def redemptions_for_badges(*, acting: Acting) -> list[Redemption]:
    """The acting provider's live redemptions of the last PASSNUM_BADGE_DAYS days, newest first,
    with their service's competences and the badges already awarded at them."""
    _provider(acting)
    since = timezone.now() - datetime.timedelta(days=settings.PASSNUM_BADGE_DAYS)
    return list(
        Redemption.objects.filter(
            organisation=acting.organisation, undone_at__isnull=True, created_at__gte=since
        )
        .select_related("place", "service")
        .prefetch_related(
            Prefetch("service__competences", queryset=Competence.objects.order_by("code")),
            Prefetch("badges", queryset=Badge.objects.select_related("competence")),
        )
        .order_by("-created_at", "-pk")[:RECENT]
    )


def redemption_for_badge(*, acting: Acting, redemption_id: int) -> Redemption:
    """One of the acting provider's redemptions; NotFound for any other."""
    _provider(acting)
    found = (
        Redemption.objects.select_related("place", "service")
        .filter(pk=redemption_id, organisation=acting.organisation)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _with_related(badges: QuerySet[Badge]) -> QuerySet[Badge]:
    return badges.select_related(
        "competence", "place", "redemption__service", "awarded_by", "revoked_by"
    )


def awarded_badges(*, acting: Acting) -> QuerySet[Badge]:
    """The badges the acting provider's places awarded; every badge for operator staff."""
    if acting.organisation.kind == OrganisationKind.OPERATOR:
        return _with_related(Badge.objects.all())
    _provider(acting)
    return _with_related(Badge.objects.filter(redemption__organisation=acting.organisation))


def badge_to_manage(*, acting: Acting, public_id: uuid.UUID) -> Badge:
    """A badge the acting organisation may revoke; NotFound for any other."""
    found = awarded_badges(acting=acting).filter(public_id=public_id).first()
    if found is None:
        raise NotFound()
    return found


def find_badge(public_id: uuid.UUID | None) -> Badge | None:
    """Anyone's read, by the badge's random public id (printed on it)."""
    if public_id is None:
        return None
    return _with_related(Badge.objects.filter(public_id=public_id)).first()


def public_badge(public_id: uuid.UUID) -> Badge:
    found = find_badge(public_id)
    if found is None:
        raise NotFound()
    return found


def achievement(code: str) -> Competence:
    """The CRCN competence an achievement id names."""
    found = Competence.objects.filter(code=code[:5]).first()
    if found is None:
        raise NotFound()
    return found


def badge_problem(badge: Badge) -> str:
    """Why a badge no longer attests anything, in plain French; "" while it does."""
    if badge.revoked_at is not None:
        return _("Ce badge a été retiré le %(date)s. Motif : %(reason)s") % {
            "date": timezone.localtime(badge.revoked_at).strftime("%d/%m/%Y"),
            "reason": badge.revoke_reason,
        }
    if badge.redemption.undone_at is not None:
        return _("L'accompagnement auquel ce badge se rattache a été annulé par le lieu.")
    return ""
