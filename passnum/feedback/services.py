"""Feedback is given by the person who used passes, with no account: whoever holds the pass's
code (the pass page) or the link the place showed after the scan (a signed link) may give it,
once per redemption, within PASSNUM_FEEDBACK_DAYS. Nothing identifies the person: the answers
are three closed questions, tied to the redemption (hence to a place and a service)."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passnum.feedback.enums import Return, Usefulness
from passnum.feedback.exceptions import FeedbackAlreadyGiven, FeedbackNotPossible
from passnum.feedback.models import Feedback
from passnum.redemptions.models import Redemption

SALT = "passnum.feedback.link"


def feedback_token(redemption: Redemption) -> str:
    """The signed, URL-safe token of the short link a place shows after a scan."""
    return signing.dumps(redemption.pk, salt=SALT, compress=True)


def feedback_url(redemption: Redemption) -> str:
    path = reverse("feedback_link", kwargs={"token": feedback_token(redemption)})
    return settings.SITE_URL.rstrip("/") + path


def redemption_of_token(token: str) -> Redemption:
    """The redemption a link was made for (FeedbackNotPossible if forged or too old)."""
    try:
        pk = signing.loads(
            token, salt=SALT, max_age=datetime.timedelta(days=settings.PASSNUM_FEEDBACK_DAYS)
        )
    except signing.BadSignature as exc:
        raise FeedbackNotPossible(_("Ce lien d'avis n'est pas valable ou a expiré.")) from exc
    found = Redemption.objects.select_related("service", "place").filter(pk=pk).first()
    if found is None or not isinstance(pk, int):
        raise FeedbackNotPossible(_("Ce lien d'avis n'est pas valable ou a expiré."))
    return found


def check_feedback_possible(redemption: Redemption) -> None:
    if redemption.undone_at is not None:
        raise FeedbackNotPossible(_("Cette utilisation a été annulée par le lieu."))
    limit = redemption.created_at + datetime.timedelta(days=settings.PASSNUM_FEEDBACK_DAYS)
    if timezone.now() > limit:
        raise FeedbackNotPossible(
            _("Les avis se donnent dans les %(days)s jours qui suivent l'accompagnement."),
            days=settings.PASSNUM_FEEDBACK_DAYS,
        )
    if Feedback.objects.filter(redemption=redemption).exists():
        raise FeedbackAlreadyGiven()


def record_feedback(
    *, redemption: Redemption, useful: int, would_return: str, learned: Iterable[str] = ()
) -> Feedback:
    """The person's answers (the actor is the anonymous holder of the pass or the link: the
    caller has checked one of them). `learned`: codes of CRCN competences of the service."""
    check_feedback_possible(redemption)
    if useful not in Usefulness.values or would_return not in Return.values:
        raise FeedbackNotPossible(_("Répondez aux deux premières questions."))
    allowed = {c.code: c for c in redemption.service.competences.all()}
    chosen = set(learned)
    if not chosen <= set(allowed):
        raise FeedbackNotPossible(_("Choisissez parmi les compétences proposées."))
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                redemption=redemption,
                place_id=redemption.place_id,
                useful=useful,
                would_return=would_return,
            )
            feedback.learned.set([allowed[code] for code in sorted(chosen)])
    except IntegrityError as exc:  # given twice at the same moment
        raise FeedbackAlreadyGiven() from exc
    return feedback
