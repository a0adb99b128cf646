"""Fixed-window counters in Django's cache, and who the client is.

A counter per (scope, key, minute): `cache.add` opens the window, `cache.incr` counts, atomically
in Redis and in the local-memory cache alike. With the local-memory cache each worker process
counts alone (docs/settings.md: CACHE_URL).
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from passnum.core.exceptions import DomainError


class TooManyRequests(DomainError):
    code = "too_many_requests"
    http_status = 429
    default_message = _("Trop de demandes : réessayez dans %(seconds)s secondes.")

    def __init__(self, message=None, *, retry_after: int, **params) -> None:
        self.retry_after = retry_after
        # The API's error handler copies these onto the response (RFC 9110 §10.2.3).
        self.headers = {"Retry-After": str(retry_after)}
        super().__init__(message, seconds=retry_after, **params)


@dataclass(frozen=True)
class Window:
    """`limit` hits per `seconds` for each key of `scope`."""

    scope: str
    limit: int
    seconds: int = 60

    def hit(self, key: str, *, amount: int = 1) -> int | None:
        """Count `amount` hits for `key`; the seconds until the window ends if it is now over
        the limit, else None."""
        now = time.time()
        start = int(now // self.seconds) * self.seconds
        cache_key = f"throttle:{self.scope}:{key}:{start}"
        # One second of slack so that the key outlives its window on every clock.
        cache.add(cache_key, 0, timeout=self.seconds + 1)
        try:
            count = cache.incr(cache_key, amount)
        except ValueError:  # expired between add and incr: this hit opens the window again
            cache.set(cache_key, amount, timeout=self.seconds + 1)
            count = amount
        if count <= self.limit:
            return None
        return max(1, math.ceil(start + self.seconds - now))


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind PASSNUM_TRUSTED_PROXIES reverse proxies, the address the outermost
    one saw: the N-th from the right of X-Forwarded-For (each proxy appends the address it
    received the request from, so the addresses on the left are whatever the client wrote)."""
    proxies = settings.PASSNUM_TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR") or ""
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return remote
    return hops[-min(proxies, len(hops))]
