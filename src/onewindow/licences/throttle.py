"""How often one client address may ask the public verification (the lane, the Ninja operations,
the page and the QR code's check all count together).

Identifiers are not guessable any more (random serials), and the limit makes trying them slow too:
``LICENCE_VERIFY_PER_MINUTE`` checks per address and clock minute (60 unless set; 0 turns the
limit off). The count is one atomic ``cache.incr`` per request: the embedded default cache
(``LocMemCache``) counts per process, so with several worker processes an address gets the limit
in each; set ``REDIS_URL`` and every process counts in Redis, one count for the whole site.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onewindow.core.errors import DomainError
from onewindow.core.net import client_network

WINDOW = 60  # seconds


def _limit() -> int:
    return int(settings.ONEWINDOW.get("LICENCE_VERIFY_PER_MINUTE", 60))


def wait_seconds(request: HttpRequest) -> int:
    """Count one verification from the request's client address. 0 when it may go on, otherwise
    the seconds until the address's minute is over (the ``Retry-After``)."""
    limit = _limit()
    if limit <= 0:
        return 0
    now = time.time()
    slot = int(now // WINDOW)
    key = f"licence-verify-rate:{client_network(request) or '-'}:{slot}"
    try:
        count = cache.incr(key)
    except ValueError:  # the first request of this address in this minute
        count = 1 if cache.add(key, 1, WINDOW + 5) else cache.incr(key)
    if count <= limit:
        return 0
    return max(1, int((slot + 1) * WINDOW - now) + 1)


def too_many(wait: int) -> DomainError:
    """The 429 in the error envelope, with ``Retry-After``."""
    return DomainError(
        "rate_limited",
        _("核验过于频繁，请%(seconds)s秒后再试。") % {"seconds": wait},
        status=429,
        headers={"Retry-After": str(wait)},
    )


def check(request: HttpRequest) -> None:
    """Raise the 429 when the request's address is over its limit."""
    wait = wait_seconds(request)
    if wait:
        raise too_many(wait)
