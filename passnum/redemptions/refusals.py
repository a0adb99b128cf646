"""The record of refused redemption requests (`RefusedScan`), which the operator's anomalies
count (`anomalies.py`: repeated refusals at a place or by a member).

`redeem_passes` calls `record_refusal` on its refusal path only, after its own transaction has
rolled back and just before it re-raises `RedemptionRefused`: the success path does no more
work. The API and the scanning page call it in autocommit, so the row stays when they answer
422. Recording must never turn a refusal into a server error: a failed insert is logged and the
refusal goes on.
"""

import logging

from django.db import DatabaseError, transaction

from passnum.accounts.selectors import Acting
from passnum.catalogue.models import Service
from passnum.passes import codes as pass_codes
from passnum.places.models import Place
from passnum.redemptions.exceptions import RedemptionRefused
from passnum.redemptions.models import RefusedScan

logger = logging.getLogger(__name__)

MAX_CODES = 50  # the API's own limit per request; the service may receive more
MAX_CODE_LENGTH = 64


def refusal_reasons(refused: RedemptionRefused) -> list[str]:
    """The distinct reason codes of a refusal, in the order of its details."""
    reasons: list[str] = []
    for detail in refused.details:
        code = str(detail.get("code", ""))
        if code and code not in reasons:
            reasons.append(code)
    return reasons


def record_refusal(
    *, acting: Acting, place: Place, service: Service, codes: list[str], refused: RedemptionRefused
) -> RefusedScan | None:
    """One row for a refused request: its reasons and its codes (normalised, shown grouped as
    on a printed pass), at most MAX_CODES of them. None if the row could not be written."""
    shown = [pass_codes.display(code[:MAX_CODE_LENGTH]) for code in codes[:MAX_CODES]]
    try:
        with transaction.atomic():
            return RefusedScan.objects.create(
                organisation_id=acting.organisation.pk,
                place_id=place.pk,
                member_id=acting.user.pk,
                service_id=service.pk,
                reasons=refusal_reasons(refused),
                codes=shown,
            )
    except DatabaseError:
        logger.exception("refused scan not recorded (place %s)", place.pk)
        return None
