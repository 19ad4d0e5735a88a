"""A fixed-window rate limiter whose counters live in PostgreSQL.

Every web process and every app server behind a load balancer shares the same
counters, so a limit of "10/h" means ten per hour for the whole site, not ten
per process. One request costs one statement: an atomic upsert

    INSERT ... ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
    RETURNING count

on ``core.RateLimitCounter``. Keys hold a keyed hash of the client address,
never the address itself.

Use it from any app:

    from core.ratelimit import ratelimit

    @ratelimit("join")                 # POSTs only, limit from settings.RATELIMITS
    def join(request): ...

or, inside a view, ``if not hit("report", client_ip(request)).allowed: ...``.

Limits come from ``settings.RATELIMITS`` (e.g. ``{"join": "10/h"}``, read from
RATELIMIT_JOIN and friends in the environment); the rate is "<count>/<s|m|h|d>".
A limited request gets a polite 429 page with a Retry-After header.
"""

import functools
import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.shortcuts import render

from core.models import RateLimitCounter

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


@dataclass(frozen=True)
class Result:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the current window ends


def parse_rate(rate: str) -> Limit:
    """Parse "10/h" (or "100/5m") into a Limit; raise ValueError on nonsense."""
    count, _, period = rate.partition("/")
    multiplier, unit = period[:-1] or "1", period[-1:]
    if unit not in PERIODS or not count.isdigit() or not multiplier.isdigit():
        raise ValueError(f"Bad rate {rate!r}: expected e.g. '10/h'.")
    return Limit(count=int(count), seconds=int(multiplier) * PERIODS[unit])


def limit_for(scope: str) -> Limit:
    """Return the configured limit for a scope (settings.RATELIMITS)."""
    rate = settings.RATELIMITS.get(scope)
    if rate is None:
        raise KeyError(f"No rate limit configured for {scope!r}; add it to RATELIMITS.")
    return parse_rate(rate)


def client_ip(request) -> str:
    """Return the client's address (core/proxies.py).

    REMOTE_ADDR, unless the request comes from a proxy in TRUSTED_PROXIES; then
    the address that proxy forwarded (the right-most X-Forwarded-For entry that
    is not itself a trusted proxy). A forwarded header from anyone else is
    ignored, so a spoofed X-Forwarded-For cannot reset a limit.
    """
    from core.proxies import client_address

    return client_address(request)


def _key(scope: str, ident: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), ident.encode(), hashlib.sha256)
    return f"{scope}:{digest.hexdigest()[:40]}"


def hit(scope: str, ident: str, *, now: datetime | None = None) -> Result:
    """Count one hit for (scope, ident) and say whether it is within the limit."""
    limit = limit_for(scope)
    now = now or datetime.now(UTC)
    epoch = int(now.timestamp())
    start = epoch - epoch % limit.seconds
    window_start = datetime.fromtimestamp(start, UTC)
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608
            "ON CONFLICT (key, window_start) DO UPDATE "
            f"SET count = {table}.count + 1 RETURNING count",
            [_key(scope, ident), window_start],
        )
        (count,) = cursor.fetchone()
    # Sweep old windows now and then, not on every hit.
    if random.random() < settings.RATELIMIT_SWEEP_CHANCE:  # noqa: S311
        purge_expired(now=now)
    return Result(
        allowed=count <= limit.count,
        count=count,
        limit=limit.count,
        retry_after=max(1, start + limit.seconds - epoch),
    )


def purge_expired(*, now: datetime | None = None, keep: timedelta = timedelta(days=1)) -> int:
    """Delete counters of windows that ended long ago; return how many."""
    now = now or datetime.now(UTC)
    deleted, _ = RateLimitCounter.objects.filter(window_start__lt=now - keep).delete()
    return deleted


def too_many_requests(request, result: Result):
    """The polite 429 page."""
    minutes = max(1, round(result.retry_after / 60))
    response = render(
        request,
        "too_many_requests.html",
        {"minutes": minutes, "retry_after": result.retry_after},
        status=429,
    )
    response["Retry-After"] = str(result.retry_after)
    return response


def ratelimit(scope: str, *, methods: tuple[str, ...] = ("POST",)):
    """Decorate a view: over the limit for `scope`, answer 429 instead of calling it."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                result = hit(scope, client_ip(request))
                if not result.allowed:
                    return too_many_requests(request, result)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
