"""The middleware that serves and stores anonymous public pages."""

import hashlib
import re
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import cc_delim_re, get_conditional_response

from core.pagecache.invalidation import next_scheduled_publication
from core.pagecache.listener import listener
from core.pagecache.store import (
    BODY_KEY_PREFIX,
    GENERATION_KEY,
    NEXT_PUBLISH_KEY,
    _cache,
    _new_generation,
    enabled,
    local_bodies,
    page_key,
)

# Headers a stored page must not replay: they belong to one exchange.
_HOP_HEADERS = {"set-cookie", "date", "connection", "keep-alive", "transfer-encoding"}


@lru_cache(maxsize=8)
def _compiled(patterns: tuple) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def path_is_cacheable(path: str) -> bool:
    include = _compiled(tuple(settings.PAGE_CACHE_INCLUDE))
    exclude = _compiled(tuple(settings.PAGE_CACHE_EXCLUDE))
    return bool(include and include.search(path)) and not (exclude and exclude.search(path))


def _next_local_midnight(now: float) -> float:
    local = timezone.localtime(datetime.fromtimestamp(now, tz=UTC))
    return timezone.make_aware(
        datetime.combine(local.date() + timedelta(days=1), dtime.min)
    ).timestamp()


def _request_is_anonymous(request) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _response_is_storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if getattr(request, "session", None) is not None and request.session.session_key:
        return False
    cache_control = {
        d.strip().split("=")[0].lower()
        for d in cc_delim_re.split(response.get("Cache-Control", ""))
        if d.strip()
    }
    if cache_control & {"private", "no-store", "no-cache"}:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    if vary - {"cookie"}:
        return False
    for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        if "'nonce-" in response.get(header, ""):
            return False  # a nonce is for one response only
    return True


class PageCacheMiddleware:
    """Serve and store anonymous public pages (see the module docstring).

    Sits right after WhiteNoise: a hit skips sessions, CSRF, authentication and
    the view; SecurityMiddleware still adds its headers to every response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD")
            or not enabled()
            or not _request_is_anonymous(request)
            or not path_is_cacheable(request.path_info)
        ):
            return self.get_response(request)

        key = page_key(request)
        now = time.time()
        listening = listener.poll()
        if listening:
            entry = listener.lookup(key)
            if entry and entry["expires"] > now:
                body = local_bodies.get(entry["digest"])
                if body is not None:
                    return self._replay(request, entry, body)  # no query at all

        cache = _cache()
        found = cache.get_many([GENERATION_KEY, key, NEXT_PUBLISH_KEY])
        generation = found.get(GENERATION_KEY)
        entry = found.get(key)
        if generation and entry and entry["generation"] == generation and entry["expires"] > now:
            body = local_bodies.get(entry["digest"])
            if body is None:
                body = cache.get(BODY_KEY_PREFIX + entry["digest"])
                if body is not None:
                    local_bodies.put(entry["digest"], body)
            if body is not None:
                if listening:
                    listener.remember(generation, key, entry)
                return self._replay(request, entry, body)

        if request.method != "GET":
            return self.get_response(request)
        if not generation:
            candidate = _new_generation()
            generation = candidate if cache.add(GENERATION_KEY, candidate, None) else None
            generation = generation or cache.get(GENERATION_KEY)
        # The view runs after the generation is read: a change committed before
        # that read retired the generation, so the page is built from new rows.
        response = self.get_response(request)
        if generation and _response_is_storable(request, response):
            entry = self._store(cache, key, generation, found.get(NEXT_PUBLISH_KEY), response, now)
            if entry and listening:
                listener.remember(generation, key, entry)
            response["X-Page-Cache"] = "miss"
        return response

    def _store(self, cache, key, generation, next_publish, response, now):
        expires = now + int(settings.PAGE_CACHE_TIMEOUT)
        if settings.PAGE_CACHE_EXPIRE_AT_MIDNIGHT:
            expires = min(expires, _next_local_midnight(now))
        if (
            not next_publish
            or next_publish[0] != generation
            or (next_publish[1] is not None and next_publish[1] <= now)
        ):
            due = next_scheduled_publication()
            next_publish = (generation, due.timestamp() if due else None)
            timeout = max(1, int(next_publish[1] - now)) if next_publish[1] else None
            cache.set(NEXT_PUBLISH_KEY, next_publish, timeout)
        if next_publish[1] is not None:
            expires = min(expires, next_publish[1])
        if expires - now < 1:
            return None
        headers = [(k, v) for k, v in response.items() if k.lower() not in _HOP_HEADERS]
        body = response.content
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        entry = {
            "generation": generation,
            "expires": expires,
            "status": response.status_code,
            "headers": headers,
            "digest": digest,
        }
        timeout = max(1, int(expires - now))
        # The body first: a page entry never points at bytes that are not there yet.
        cache.set(BODY_KEY_PREFIX + digest, body, timeout)
        cache.set(key, entry, timeout)
        local_bodies.put(digest, body)
        return entry

    def _replay(self, request, entry, body):
        # The headers were checked when the page was stored; HttpResponse's
        # constructor takes them without a per-header round of checks.
        response = HttpResponse(
            body if request.method == "GET" else b"",
            status=entry["status"],
            headers={**dict(entry["headers"]), "X-Page-Cache": "hit"},
        )
        response["Content-Length"] = str(len(body))
        meta = request.META
        if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
            return get_conditional_response(
                request,
                etag=response.get("ETag"),
                last_modified=_parse_http_date(response.get("Last-Modified")),
                response=response,
            )
        return response


def _parse_http_date(value):
    if not value:
        return None
    from django.utils.http import parse_http_date_safe

    return parse_http_date_safe(value)
