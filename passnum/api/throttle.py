"""Pass-code checks throttled per API token and per client address (docs/api.md).

A check is `GET /passes/{code}` (every call) or a code that `POST /redemptions` refused as
unknown (only then: a scan that succeeds or is refused for another reason touches no cache).
Past PASSNUM_CODE_CHECKS_PER_MINUTE for its token, or PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS
for its address, a request answers 429 `too_many_requests` with `Retry-After`.
"""

import hashlib

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from passnum.core.throttle import TooManyRequests, Window, client_address
from passnum.redemptions.exceptions import RedemptionRefused
from passnum.redemptions.rules import Reason


class TooManyCodeChecks(TooManyRequests):
    default_message = _(
        "Trop de codes vérifiés en une minute : réessayez dans %(seconds)s secondes."
    )


def _token_key(request: HttpRequest) -> str:
    """The bearer token's digest (never the token itself in the cache)."""
    authorization = request.headers.get("Authorization", "")
    return hashlib.sha256(authorization.encode()).hexdigest()[:32]


def count_code_checks(request: HttpRequest, *, amount: int = 1) -> None:
    """Count `amount` checks for the request's token and address; TooManyCodeChecks past a
    limit (both counters count, so neither can be emptied by switching the other)."""
    waits = [
        Window("codes:token", settings.PASSNUM_CODE_CHECKS_PER_MINUTE).hit(
            _token_key(request), amount=amount
        ),
        Window("codes:address", settings.PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS).hit(
            client_address(request), amount=amount
        ),
    ]
    wait = max((seconds for seconds in waits if seconds is not None), default=None)
    if wait is not None:
        raise TooManyCodeChecks(retry_after=wait)


def count_unknown_codes(request: HttpRequest, refused: RedemptionRefused) -> None:
    """After a refused redemption: count its unknown codes as checks (nothing if none)."""
    unknown = sum(1 for detail in refused.details if detail.get("code") == Reason.UNKNOWN_PASS)
    if unknown:
        count_code_checks(request, amount=unknown)
