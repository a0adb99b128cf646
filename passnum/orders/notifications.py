"""E-mails of an order's end of validity (`orders/timeline.py`) to the sponsor's members, sent
after the step's commit, in the instance's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from passnum.accounts.models import Membership
from passnum.orders.enums import Milestone
from passnum.orders.models import Order, OrderMilestone
from passnum.orders.timeline import BookletFigures


def notify_milestone(*, order_id: int, step: str) -> None:
    order = Order.objects.select_related("sponsor").get(pk=order_id)
    milestone = OrderMilestone.objects.get(order=order, step=step)
    recipients = sorted(
        Membership.objects.filter(organisation=order.sponsor).values_list("user__email", flat=True)
    )
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _message(order, milestone)
        link = settings.SITE_URL.rstrip("/") + reverse("orders:detail", args=[order.pk])
        body += "\n\n" + _("La commande sur passnum : %(link)s") % {"link": link}
        send_mail(subject, body, None, recipients)


def _message(order: Order, milestone: OrderMilestone) -> tuple[str, str]:
    names = {
        "reference": order.reference,
        "end": order.valid_until.strftime("%d/%m/%Y"),
        "expiry": order.expires_on.strftime("%d/%m/%Y"),
    }
    if milestone.step == Milestone.ALERTED:
        booklets = BookletFigures(milestone.details.get("states", {}))
        figures = _(
            "Carnets émis : %(issued)s ; remis : %(handed)s ; pas encore remis : %(not_handed)s ; "
            "entamés : %(started)s."
        ) % {
            "issued": booklets.issued,
            "handed": booklets.handed_out,
            "not_handed": booklets.not_handed_out,
            "started": booklets.started,
        }
        return (
            _("Commande %(reference)s : fin de validité le %(end)s") % names,
            _(
                "Les pass de la commande %(reference)s sont valables jusqu'au %(end)s (et utilisables "
                "jusqu'au %(expiry)s avec la tolérance). La distribution des carnets s'arrête "
                "%(stop)s jours avant la fin de validité."
            )
            % (names | {"stop": settings.PASSNUM_DISTRIBUTION_STOP_DAYS})
            + "\n\n"
            + figures,
        )
    if milestone.step == Milestone.CONFIRMATION_ASKED:
        return (
            _("Commande %(reference)s : confirmez la fin de validité") % names,
            _(
                "La validité des pass de la commande %(reference)s se termine le %(end)s. "
                "Confirmez-la sur la page de la commande. Les pass non utilisés le %(expiry)s "
                "expireront ; un avoir de leur valeur faciale vous sera adressé ensuite."
            )
            % names,
        )
    number = milestone.details.get("credit_note", "")
    passes = milestone.details.get("passes", 0)
    if number:
        body = _(
            "L'avoir %(number)s rembourse la valeur faciale des %(passes)s pass non utilisés de la "
            "commande %(reference)s. Il est téléchargeable sur la page de la commande."
        ) % (names | {"number": number, "passes": passes})
    else:
        body = (
            _("Tous les pass de la commande %(reference)s ont été utilisés : aucun avoir.") % names
        )
    return (_("Commande %(reference)s : clôture") % names, body)
