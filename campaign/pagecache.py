"""A shared page cache for anonymous GET and HEAD requests of public pages.

Why: an article shared widely, or a slate page when a ballot opens, is read by
thousands of people who all get the same bytes. Building the page once and
serving the stored copy keeps the site near the speed of a static file.

How it stays correct:

- Only anonymous requests are served or stored: a request carrying a session
  (or messages) cookie always goes to the view, and a response is stored only
  when it is a 200 to an anonymous GET, sets no cookie, is not marked private,
  no-store or no-cache, varies on nothing but Cookie and has no CSP nonce.
- Only paths matching ``PAGE_CACHE_INCLUDE`` and not ``PAGE_CACHE_EXCLUDE`` are
  considered (personal links, previews and forms are excluded by default).
- Every stored page carries the *generation* it was built under. The generation
  lives in the shared cache (PostgreSQL, or Redis with ``REDIS_URL``), so every
  app server sees a change at once. Saving or deleting any model named in
  ``PAGE_CACHE_MODELS`` (and changing its many-to-many relations) deletes the
  generation; the next request starts a new one, so every older page is a miss.
  Code that writes with ``QuerySet.update()`` or ``bulk_create()`` (no signals)
  calls ``invalidate()`` itself.
- A page expires no later than the next scheduled publication of an article
  (and local midnight, for pages that show "today"), so a scheduled article
  appears on time without any job running.

A hit costs one cache read: ``get_many`` of the generation and the page's small
entry, one SQL query with the database cache and none with Redis; and none at
all while this process's LISTEN connection has heard no change since it last
read them (see ``_Listener``). The page's
bytes are stored once under the digest of their content and kept in each
process too (``PAGE_CACHE_LOCAL_BYTES``, 32 MB by default), so a hit does not
move them out of the database again.
"""

import contextlib
import hashlib
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import cc_delim_re, get_conditional_response

#: Models whose change can alter a public page. Missing models are ignored, so
#: the list can name models that another app adds later.
DEFAULT_MODELS = (
    "articles.Article",
    "articles.Tag",
    "articles.Author",
    "articles.Correction",
    "articles.Attachment",
    "articles.Redirect",
    "campaign.Election",
    "campaign.Position",
    "campaign.ReservedSeatRule",
    "campaign.Candidate",
    "campaign.NoticeRule",
    "campaign.BranchMeeting",
    "campaign.Nomination",
    "members.Group",
    "members.Region",
    "members.Branch",
    "ballots.Ballot",
    "ballots.BallotUnit",
    "ballots.ActionDate",
)

DEFAULT_INCLUDE = (
    r"^/$",
    r"^/articles/",
    r"^/tags/",
    r"^/authors/",
    r"^/search/",
    r"^/feed/",
    r"^/elections/",
    r"^/sitemap\.xml$",
    r"^/robots\.txt$",
)

DEFAULT_EXCLUDE = (
    r"^/articles/preview/",  # draft previews through a secret link
    r"/report/",  # a branch contact's signed link
    r"^/admin/",
    r"^/me/",
    r"^/join/",
)

# The format version is part of every key: after a deploy that changes what an
# entry holds, old entries are simply never read.
_V = "pagecache:2:"
GENERATION_KEY = _V + "generation"
NEXT_PUBLISH_KEY = _V + "next-publish"
PAGE_KEY_PREFIX = _V + "page:"
BODY_KEY_PREFIX = _V + "body:"

# Headers a stored page must not replay: they belong to one exchange.
_HOP_HEADERS = {"set-cookie", "date", "connection", "keep-alive", "transfer-encoding"}


def _conf(name, default):
    return getattr(settings, f"PAGE_CACHE_{name}", default)


def enabled() -> bool:
    return bool(_conf("ENABLED", True))


def _cache():
    return caches[_conf("ALIAS", "default")]


@lru_cache(maxsize=8)
def _compiled(patterns: tuple) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def path_is_cacheable(path: str) -> bool:
    include = _compiled(tuple(_conf("INCLUDE", DEFAULT_INCLUDE)))
    exclude = _compiled(tuple(_conf("EXCLUDE", DEFAULT_EXCLUDE)))
    return bool(include and include.search(path)) and not (exclude and exclude.search(path))


class _LocalBodies:
    """This process's copies of page bodies, by digest of their bytes, least recently used out.

    A body's key is the digest of its bytes, so a copy can never be stale: a hit
    reads only the small page entry (and the generation) from the shared cache
    and takes the bytes from here; another process fetches them once.
    """

    def __init__(self):
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, digest: str) -> bytes | None:
        with self._lock:
            body = self._items.get(digest)
            if body is not None:
                self._items.move_to_end(digest)
            return body

    def put(self, digest: str, body: bytes) -> None:
        limit = int(_conf("LOCAL_BYTES", 32 * 2**20))
        if len(body) > limit:
            return
        with self._lock:
            if digest in self._items:
                return
            self._items[digest] = body
            self._size += len(body)
            while self._size > limit:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


local_bodies = _LocalBodies()


def _new_generation() -> str:
    return secrets.token_hex(8)


CHANNEL = "pagecache"


class _Listener:
    """This process's LISTEN connection, and the page entries it may keep meanwhile.

    Every invalidation also sends NOTIFY on the channel "pagecache". PostgreSQL
    delivers a notification when the writer's transaction commits, so while
    this connection is healthy and has heard nothing, the generation this
    process last read is still current and a hit needs no query at all. Any
    notification, a broken connection or a fork drops everything kept here and
    the next request reads the shared cache again (one query). Off with
    PAGE_CACHE_LISTEN=False (e.g. behind a pooler in transaction mode, where
    LISTEN does not work).
    """

    RETRY_SECONDS = 5.0
    MAX_ENTRIES = 5000

    def __init__(self):
        self.lock = threading.Lock()
        self.conn = None
        self.pid = None
        self.failed_at = 0.0
        self.generation = None
        self.entries: dict[str, dict] = {}

    def forget(self) -> None:
        self.generation = None
        self.entries = {}

    def close(self) -> None:
        with self.lock:
            if self.conn is not None:
                with contextlib.suppress(Exception):
                    self.conn.close()
            self.conn = None
            self.forget()

    def _connect(self):
        import psycopg
        from django.db import connections

        wrapper = connections["default"]
        if wrapper.vendor != "postgresql":
            return None
        params = {
            k: v
            for k, v in wrapper.get_connection_params().items()
            if k not in {"cursor_factory", "context", "prepare_threshold", "server_side_binding"}
        }
        conn = psycopg.connect(autocommit=True, **params)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _failed(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        self.conn = None
        self.failed_at = time.monotonic()
        self.forget()

    def poll(self) -> bool:
        """Drop what is kept if a change was announced; return whether keeping is safe."""
        if not _conf("LISTEN", True):
            return False
        with self.lock:
            if self.pid != os.getpid():  # a forked child must not share its parent's socket
                self.conn, self.pid = None, os.getpid()
                self.forget()
            if self.conn is None:
                if time.monotonic() - self.failed_at < self.RETRY_SECONDS:
                    return False
                try:
                    self.conn = self._connect()
                except Exception:
                    self._failed()
                    return False
                if self.conn is None:
                    self.failed_at = time.monotonic()
                self.forget()  # nothing heard before LISTEN began can be trusted
                return self.conn is not None
            try:
                pgconn = self.conn.pgconn
                pgconn.consume_input()
                heard = False
                while pgconn.notifies() is not None:
                    heard = True
                if self.conn.broken or self.conn.closed:
                    raise ConnectionError("listener connection lost")
            except Exception:
                self._failed()
                return False
            if heard:
                self.forget()
            return True

    def lookup(self, key: str) -> dict | None:
        return self.entries.get(key) if self.generation else None

    def remember(self, generation: str, key: str, entry: dict) -> None:
        with self.lock:
            if self.conn is None:
                return
            if generation != self.generation or len(self.entries) >= self.MAX_ENTRIES:
                self.forget()
                self.generation = generation
            self.entries[key] = entry


listener = _Listener()


def invalidate(**_signal_kwargs) -> None:
    """Make every stored page stale on every app server.

    The generation is deleted now and again once the surrounding transaction
    commits: a page built from the old rows between the two is stored under a
    generation that the second delete retires. (With the database cache the
    first delete is part of the writer's transaction; outside one the second
    runs at once as well.) The NOTIFY reaches every app server's listener when
    the transaction commits.
    """
    listener.forget()
    _cache().delete(GENERATION_KEY)
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and _conf("LISTEN", True):
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")
    if connection.in_atomic_block:
        transaction.on_commit(lambda: (listener.forget(), _cache().delete(GENERATION_KEY)))


def _m2m_changed(action, **kwargs):
    if action.startswith("post_"):
        invalidate()


def connect_signals() -> list[str]:
    """Connect the invalidation to every listed model that exists; return their labels."""
    connected = []
    for label in _conf("MODELS", DEFAULT_MODELS):
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        uid = f"pagecache:{model._meta.label}"
        post_save.connect(invalidate, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(invalidate, sender=model, dispatch_uid=uid, weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _m2m_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}.{field.name}",
                weak=False,
            )
        connected.append(model._meta.label)
    return connected


def next_scheduled_publication() -> datetime | None:
    """Return when the next article due in the future goes public, or None.

    Asks the articles app: an article is public once its status is published or
    scheduled and its publication time has come (ArticleQuerySet.published()).
    """
    try:
        article = apps.get_model("articles", "Article")
    except LookupError:
        return None
    status = getattr(article, "Status", None)
    names = {f.name for f in article._meta.get_fields()}
    if status is None or "published_at" not in names or "status" not in names:
        return None
    due = [s for s in ("PUBLISHED", "SCHEDULED") if hasattr(status, s)]
    return (
        article._base_manager.filter(
            status__in=[getattr(status, s) for s in due], published_at__gt=timezone.now()
        )
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def _next_local_midnight(now: float) -> float:
    local = timezone.localtime(datetime.fromtimestamp(now, tz=UTC))
    return timezone.make_aware(
        datetime.combine(local.date() + timedelta(days=1), dtime.min)
    ).timestamp()


def page_key(request) -> str:
    """The key of a page: scheme, host, path and query string (method-free: HEAD uses GET's)."""
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return PAGE_KEY_PREFIX + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


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
        expires = now + int(_conf("TIMEOUT", 600))
        if _conf("EXPIRE_AT_MIDNIGHT", True):
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


class PageCacheConfig(AppConfig):
    """Connects the invalidation signals once every app's models are loaded."""

    name = "campaign.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        connect_signals()
