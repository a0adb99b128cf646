"""E-mails of the payouts, sent after the run's commit: a provider carried to the next run is
told why (no bank details, not yet validated, invalid IBAN) and what to do. One provider's
failed e-mail is logged and the others are still sent."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from passnum.accounts.models import Membership
from passnum.core.money import format_euros
from passnum.payouts.models import CarriedProvider

logger = logging.getLogger(__name__)


def notify_carried(*, run_id: int) -> None:
    carried = CarriedProvider.objects.filter(run_id=run_id).select_related("run", "provider")
    link = settings.SITE_URL.rstrip("/") + reverse("payouts:mine")
    for row in carried:
        recipients = sorted(
            Membership.objects.filter(organisation_id=row.provider_id).values_list(
                "user__email", flat=True
            )
        )
        if not recipients:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            names = {
                "count": row.redemption_count,
                "net": format_euros(row.net_cents),
                "reason": row.get_reason_display(),
                "link": link,
            }
            _send(
                recipients,
                _("passnum : votre paiement est reporté"),
                _(
                    "Vos %(count)s utilisation(s) de pass (%(net)s net) n'ont pas pu être payées "
                    "par ce paiement : %(reason)s.\n\nComplétez ou corrigez vos coordonnées "
                    "bancaires dans votre dossier de qualification : elles seront payées au "
                    "paiement suivant, une fois validées.\n\nVos paiements : %(link)s"
                )
                % names,
            )


def _send(recipients: list[str], subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("payout carried: e-mail to %s failed", recipients)
