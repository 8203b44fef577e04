"""Failed attempts per client in a time window, counted in Django's cache.

Order lookup answers "is there an order with this number and email?": without a limit, a script
could guess. Each client is counted twice, by browser session and by IP address, with a tighter
limit per session than per address, because a whole training room may share one address.

The counts live in the default cache. With several web processes, configure a shared cache
(e.g. Redis or the database cache) so they count together; the per-process default cache of a
single `runserver` or a test is enough there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    attempts: int
    seconds: int


LOOKUP_PER_SESSION = Limit(attempts=10, seconds=10 * 60)
LOOKUP_PER_ADDRESS = Limit(attempts=60, seconds=10 * 60)


def _bucket(scope: str, client: str, limit: Limit, now: float) -> str:
    return f"throttle:{scope}:{client}:{int(now // limit.seconds)}"


def wait_seconds(scope: str, clients: dict[str, Limit], *, now: float | None = None) -> int:
    """0 when every client is under its limit, else the seconds until the window turns."""
    now = time.time() if now is None else now
    waits = [
        limit.seconds - int(now % limit.seconds)
        for client, limit in clients.items()
        if (cache.get(_bucket(scope, client, limit, now)) or 0) >= limit.attempts
    ]
    return max(waits, default=0)


def record_failure(scope: str, clients: dict[str, Limit], *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    for client, limit in clients.items():
        key = _bucket(scope, client, limit, now)
        cache.add(key, 0, timeout=limit.seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=limit.seconds)
