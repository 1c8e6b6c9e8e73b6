"""Fixed-window counters in the cache (Redis in production, local memory without it).

For limits on actions that are not API calls (DRF throttles those): how many password
reset mails one address gets, how many reset requests one client makes. Keys are HMACs of
what they count, so the cache never holds an email or an IP address in clear.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils.crypto import salted_hmac


def _cache_key(scope: str, subject: str) -> str:
    digest = salted_hmac(f"accounts.rate_limits.{scope}", subject, algorithm="sha256")
    return f"rate:{scope}:{digest.hexdigest()}"


def hit(scope: str, subject: str, *, limit: int, window: timedelta) -> bool:
    """Count one event for ``subject``; True while it is within ``limit`` in the window.

    The window starts at the subject's first event and lasts ``window``. ``add`` then
    ``incr`` are each atomic on Redis, so parallel requests cannot both take the last slot.
    """
    key = _cache_key(scope, subject)
    seconds = max(int(window.total_seconds()), 1)
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ended between add and incr: this event opens the next one.
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit
