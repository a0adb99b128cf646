"""What the person holding a pass may know of it, on the pass page (`/p/<code>`, the target of
the QR code printed on every pass): no account, so nothing personal — neither who received the
booklet nor where or when a pass was used — only what the pass is worth, until when, what it
can pay for, whether it can still be used and how many passes of its booklet still can.

A pass is a bearer instrument: whoever has the code may read this, which is why the page is
throttled per client address like the API's code checks (`www/pass_page.py`).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from passnum.core.money import format_euros
from passnum.orders.enums import OrderStatus
from passnum.orders.models import Order
from passnum.passes import codes as pass_codes
from passnum.passes.enums import PassStatus
from passnum.passes.models import Pass
from passnum.passes.printing.rules import rules_in_words
from passnum.passes.selectors import passes_by_code

# What the page says of the pass, as a key its template and tests use.
USABLE, NOT_YET, INACTIVE, USED, BLOCKED, EXPIRED = (
    "usable",
    "not_yet",
    "inactive",
    "used",
    "blocked",
    "expired",
)


@dataclass(frozen=True)
class HolderView:
    code: str  # as printed, XXXXX-XXXXX-XXXXX
    state: str  # one of the keys above
    state_text: str
    face_value: str
    valid_until: datetime.date
    last_day: datetime.date  # validity end + tolerance: the last day it is accepted
    rules_text: str
    booklet_left: int | None  # passes of its booklet still usable
    booklet_size: int
    order: Order
    redemption_id: int | None = None  # a used pass: its redemption (for the feedback form)

    @property
    def usable(self) -> bool:
        return self.state == USABLE


def pass_for_holder(raw_code: str) -> HolderView | str:
    """The pass of `raw_code` as its holder sees it, or the plain-French reason it cannot be
    shown (a mistyped code, an unknown one)."""
    code = pass_codes.normalise(raw_code)
    problem = pass_codes.problem_with(code)
    if problem == pass_codes.CodeProblem.MALFORMED:
        return _(
            "Ce code n'est pas lisible : un code a 15 caractères (chiffres de 2 à 9 et lettres, "
            "sauf I, L et O), comme ABCDE-23456-FGH7K."
        )
    if problem:
        return _(
            "Ce code contient une erreur de frappe (son dernier caractère ne correspond pas) : "
            "vérifiez-le sur le pass."
        )
    item = passes_by_code([code]).get(code)
    if item is None:
        return _("Aucun pass ne porte ce code : vérifiez-le sur le pass.")
    order = item.order
    today = timezone.localdate()
    state, text = _state(item, order, today)
    return HolderView(
        code=pass_codes.display(code),
        state=state,
        state_text=text,
        face_value=format_euros(order.face_value_cents),
        valid_until=order.valid_until,
        last_day=order.expires_on,
        rules_text=rules_in_words(order),
        booklet_left=_left_in_booklet(item),
        booklet_size=order.booklet_size,
        order=order,
        redemption_id=_redemption_of(item) if state == USED else None,
    )


def _state(item: Pass, order: Order, today: datetime.date) -> tuple[str, str]:
    status = item.status
    if order.status == OrderStatus.CANCELLED or status in (PassStatus.BLOCKED, PassStatus.REPLACED):
        return BLOCKED, _(
            "Ce pass est bloqué (sa perte ou son vol a été déclaré) : il ne peut pas être utilisé. "
            "Adressez-vous à la structure qui vous l'a remis."
        )
    if status == PassStatus.REDEEMED:
        return USED, _("Ce pass a déjà été utilisé.")
    if status == PassStatus.EXPIRED or today > order.expires_on:
        return EXPIRED, _("Ce pass a expiré le %(date)s : il ne peut plus être utilisé.") % {
            "date": _date(order.expires_on)
        }
    if status == PassStatus.INACTIVE:
        return INACTIVE, _(
            "Ce pass n'est pas encore activé : l'organisme qui l'a acheté ne l'a pas encore "
            "réglé. Réessayez dans quelques jours."
        )
    if order.usable_from and today < order.usable_from:
        return NOT_YET, _("Ce pass sera utilisable à partir du %(date)s.") % {
            "date": _date(order.usable_from)
        }
    if order.usable_until and today > order.usable_until:
        return EXPIRED, _("Ce pass ne pouvait être utilisé que jusqu'au %(date)s.") % {
            "date": _date(order.usable_until)
        }
    return USABLE, _("Ce pass peut être utilisé jusqu'au %(date)s.") % {
        "date": _date(order.expires_on)
    }


def _left_in_booklet(item: Pass) -> int | None:
    if item.booklet_id is None:
        return None
    counts = Pass.objects.filter(booklet_id=item.booklet_id).aggregate(
        left=Count("pk", filter=Q(status=PassStatus.ACTIVE))
    )
    return int(counts["left"])


def _redemption_of(item: Pass) -> int | None:
    from passnum.redemptions.models import RedemptionLine

    return (
        RedemptionLine.objects.filter(pass_item_id=item.pk, undone=False)
        .values_list("redemption_id", flat=True)
        .first()
    )


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")
