"""Writes of badges. A member of the place awards a badge for a competence of the service the
person received, at scan time or within PASSNUM_BADGE_DAYS of it; the person may add their
name later through the signed link the place gives them; the place, or the operator's staff,
may revoke a badge with a reason (kept on the badge: who, when, why)."""

import datetime

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.accounts.enums import OrganisationKind
from passnum.accounts.selectors import Acting
from passnum.badges.exceptions import (
    BadgeAlreadyAwarded,
    BadgeAlreadyNamed,
    BadgeAlreadyRevoked,
    BadgeNotPossible,
)
from passnum.badges.models import Badge
from passnum.catalogue.models import Competence
from passnum.core.exceptions import InvalidInput, NotFound
from passnum.core.text import has_forbidden_characters
from passnum.redemptions.models import Redemption

NAME_SALT = "passnum.badges.name"
NAME_MAX = 100
REASON_MAX = 300


def check_award_possible(*, acting: Acting, redemption: Redemption) -> None:
    """Only a member of the organisation that recorded the redemption awards at it (NotFound
    otherwise, telling nothing of others' redemptions), for a live redemption, in time."""
    if redemption.organisation_id != acting.organisation.pk:
        raise NotFound()
    if redemption.undone_at is not None:
        raise BadgeNotPossible(_("Cette utilisation a été annulée : aucun badge ne s'y rattache."))
    limit = redemption.created_at + datetime.timedelta(days=settings.PASSNUM_BADGE_DAYS)
    if timezone.now() > limit:
        raise BadgeNotPossible(
            _("Un badge s'attribue dans les %(days)s jours qui suivent l'accompagnement."),
            days=settings.PASSNUM_BADGE_DAYS,
        )


def clean_holder_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) > NAME_MAX or has_forbidden_characters(cleaned):
        raise InvalidInput(_("Le nom compte au plus %(max)s caractères lisibles."), max=NAME_MAX)
    return cleaned


def award_badge(
    *, acting: Acting, redemption: Redemption, competence: Competence, holder_name: str = ""
) -> Badge:
    """A badge for `competence`, one of the competences of the service rendered at
    `redemption`, awarded by the acting member of the place. One per competence and redemption."""
    check_award_possible(acting=acting, redemption=redemption)
    if not redemption.service.competences.filter(pk=competence.pk).exists():
        raise BadgeNotPossible(
            _("Cette compétence ne fait pas partie du service rendu « %(service)s »."),
            service=redemption.service.label,
        )
    name = clean_holder_name(holder_name)
    if Badge.objects.filter(redemption=redemption, competence=competence).exists():
        raise BadgeAlreadyAwarded()
    try:
        with transaction.atomic():
            return Badge.objects.create(
                redemption=redemption,
                place_id=redemption.place_id,
                competence=competence,
                holder_name=name,
                awarded_by=acting.user,
            )
    except IntegrityError as exc:  # the same badge awarded twice at the same moment
        raise BadgeAlreadyAwarded() from exc


def revoke_badge(*, acting: Acting, badge: Badge, reason: str) -> Badge:
    """Revoke a badge: by a member of the organisation that awarded it, or by operator staff.
    The credential then fails verification, with the reason."""
    own = badge.redemption.organisation_id == acting.organisation.pk
    if not own and acting.organisation.kind != OrganisationKind.OPERATOR:
        raise NotFound()
    reason = " ".join(reason.split())
    if not reason or len(reason) > REASON_MAX or has_forbidden_characters(reason):
        raise InvalidInput(
            _("Donnez le motif du retrait (au plus %(max)s caractères)."), max=REASON_MAX
        )
    now = timezone.now()
    with transaction.atomic():
        taken = Badge.objects.filter(pk=badge.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=acting.user, revoke_reason=reason
        )
    if not taken:
        raise BadgeAlreadyRevoked()
    badge.refresh_from_db()
    return badge


# --- The holder's name, through a signed link ---------------------------------------------------


def name_token(badge: Badge) -> str:
    return signing.dumps(str(badge.public_id), salt=NAME_SALT)


def name_url(badge: Badge) -> str:
    path = reverse("badges:name", kwargs={"token": name_token(badge)})
    return settings.SITE_URL.rstrip("/") + path


def badge_of_name_token(token: str) -> Badge:
    """The badge a naming link was made for (BadgeNotPossible if forged or too old)."""
    invalid = BadgeNotPossible(_("Ce lien n'est pas valable ou a expiré."))
    try:
        public_id = signing.loads(
            token, salt=NAME_SALT, max_age=datetime.timedelta(days=settings.PASSNUM_BADGE_DAYS)
        )
    except signing.BadSignature as exc:
        raise invalid from exc
    found = (
        Badge.objects.select_related("competence", "place", "redemption__service")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise invalid
    return found


def name_badge(*, badge: Badge, holder_name: str) -> Badge:
    """The holder adds their name (the actor is whoever holds the link the place gave them):
    once, on a badge that has none and is not revoked."""
    name = clean_holder_name(holder_name)
    if not name:
        raise InvalidInput(_("Écrivez le nom à faire figurer sur le badge."))
    if badge.revoked_at is not None:
        raise BadgeAlreadyRevoked()
    with transaction.atomic():
        taken = Badge.objects.filter(pk=badge.pk, holder_name="", revoked_at__isnull=True).update(
            holder_name=name
        )
    if not taken:
        raise BadgeAlreadyNamed()
    badge.refresh_from_db()
    return badge
