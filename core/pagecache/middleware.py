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
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)

from core.pagecache.invalidation import next_scheduled_publication
from core.pagecache.listener import listener
from core.pagecache.store import (
    BODY_KEY_PREFIX,
    NEXT_PUBLISH_KEY,
    REBUILD_KEY_SUFFIX,
    TOPIC_KEY_PREFIX,
    _cache,
    enabled,
    local_bodies,
    page_key,
)
from core.pagecache.topics import all_topics, ensure, stale_since, topic_keys

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
    """Serve and store anonymous public pages (see the package docstring).

    Sits right after the request id: a hit skips the health check, security,
    static files, sessions, CSRF, authentication and the view. The headers the
    middleware below adds (security, CSP) were stored with the page.

    A page gone stale (a change to what it shows, or its time is up) is rebuilt
    by one request at a time: the others get the stale copy if it went stale
    less than ``PAGE_CACHE_STALE_SECONDS`` ago, or else wait for that rebuild
    (at most ``PAGE_CACHE_WAIT_SECONDS``), instead of all building it at once.
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
                    return self._replay(request, entry, body, "hit")  # no query at all

        cache = _cache()
        found = cache.get_many([key, NEXT_PUBLISH_KEY, *topic_keys()])
        entry = found.get(key)
        stale = None
        if entry:
            since = stale_since(entry, found, now)
            body = self._body(cache, entry)
            if body is not None:
                if since is None:
                    if listening:
                        listener.remember(_snapshot(found), key, entry)
                    return self._replay(request, entry, body, "hit")
                if since and now - since <= settings.PAGE_CACHE_STALE_SECONDS:
                    stale = body

        if request.method != "GET":
            return self.get_response(request)
        rebuilding = key + REBUILD_KEY_SUFFIX
        if cache.add(rebuilding, "1", int(settings.PAGE_CACHE_WAIT_SECONDS) + 20):
            try:
                return self._build(request, cache, key, found, now, listening)
            finally:
                cache.delete(rebuilding)
        # Another request is rebuilding this page: no need for two.
        if stale is not None:
            return self._replay(request, entry, stale, "stale")
        waited = self._wait(request, cache, key, rebuilding)
        if waited is not None:
            return waited
        return self._build(request, cache, key, found, time.time(), listening)

    def _build(self, request, cache, key, found, now, listening):
        if any(found.get(k) is None for k in topic_keys()):
            tokens = ensure(cache, found, all_topics())
            if tokens is None:
                return self.get_response(request)
            found.update({TOPIC_KEY_PREFIX + t: (v, ()) for t, v in tokens.items()})
        # The view runs after the versions are read: a change committed before
        # that read gave its topics new versions, so the page is built from new rows.
        response = self.get_response(request)
        if _response_is_storable(request, response):
            shown = getattr(response, "page_shows", None)
            topics = all_topics() if shown is None else sorted(shown)
            versions = ensure(cache, found, topics)
            entry = versions is not None and self._store(
                cache, key, versions, _snapshot(found), found.get(NEXT_PUBLISH_KEY), response, now
            )
            if entry and listening:
                listener.remember(_snapshot(found), key, entry)
            response["X-Page-Cache"] = "miss"
        return response

    def _wait(self, request, cache, key, rebuilding):
        """Wait for another request's rebuild of this page; its copy, or None."""
        deadline = time.monotonic() + float(settings.PAGE_CACHE_WAIT_SECONDS)
        while time.monotonic() < deadline:
            time.sleep(0.02)
            found = cache.get_many([key, rebuilding, *topic_keys()])
            entry = found.get(key)
            if entry and stale_since(entry, found, time.time()) is None:
                body = self._body(cache, entry)
                if body is not None:
                    return self._replay(request, entry, body, "hit")
            if rebuilding not in found:
                return None  # it ended without storing a page (not a 200, not shareable)
        return None

    def _body(self, cache, entry):
        body = local_bodies.get(entry["digest"])
        if body is None:
            body = cache.get(BODY_KEY_PREFIX + entry["digest"])
            if body is not None:
                local_bodies.put(entry["digest"], body)
        return body

    def _store(self, cache, key, versions, snapshot, next_publish, response, now):
        expires = now + int(settings.PAGE_CACHE_TIMEOUT)
        if settings.PAGE_CACHE_EXPIRE_AT_MIDNIGHT:
            expires = min(expires, _next_local_midnight(now))
        if (
            not next_publish
            or next_publish[0] != snapshot
            or (next_publish[1] is not None and next_publish[1] <= now)
        ):
            due = next_scheduled_publication()
            next_publish = (snapshot, due.timestamp() if due else None)
            timeout = max(1, int(next_publish[1] - now)) if next_publish[1] else None
            cache.set(NEXT_PUBLISH_KEY, next_publish, timeout)
        if next_publish[1] is not None:
            expires = min(expires, next_publish[1])
        if expires - now < 1:
            return None
        _shared_cache_headers(response)
        headers = [(k, v) for k, v in response.items() if k.lower() not in _HOP_HEADERS]
        body = response.content
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        entry = {
            "versions": versions,
            "built": now,
            "expires": expires,
            "status": response.status_code,
            "headers": headers,
            "digest": digest,
        }
        # Kept past its expiry for as long as it may be served stale.
        timeout = max(1, int(expires - now + float(settings.PAGE_CACHE_STALE_SECONDS)) + 1)
        # The body first: a page entry never points at bytes that are not there yet.
        cache.set(BODY_KEY_PREFIX + digest, body, timeout)
        cache.set(key, entry, timeout)
        local_bodies.put(digest, body)
        return entry

    def _replay(self, request, entry, body, how):
        # The headers were checked when the page was stored; HttpResponse's
        # constructor takes them without a per-header round of checks.
        response = HttpResponse(
            body if request.method == "GET" else b"",
            status=entry["status"],
            headers={**dict(entry["headers"]), "X-Page-Cache": how},
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


def _snapshot(found: dict) -> str:
    """Every topic's current token, as one string (the listener and next-publish key on it)."""
    return ":".join((found.get(k) or ("-",))[0] for k in topic_keys())


def _shared_cache_headers(response) -> None:
    """Let a proxy or CDN keep a stored page as this cache does, and serve it stale as briefly.

    Only pages this cache stores get them (anonymous, shareable, public paths):
    never a personal, admin or signed-in page. Vary: Cookie keeps a signed-in
    organiser's requests from being answered with the anonymous copy.
    """
    stale = int(settings.PAGE_CACHE_STALE_SECONDS)
    patch_cache_control(
        response,
        public=True,
        s_maxage=int(settings.PAGE_CACHE_SHARED_MAX_AGE),
        stale_while_revalidate=stale,
    )
    patch_vary_headers(response, ("Cookie",))


def _parse_http_date(value):
    if not value:
        return None
    from django.utils.http import parse_http_date_safe

    return parse_http_date_safe(value)
