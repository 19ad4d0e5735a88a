"""Where pages are kept: the shared cache (keys, generation) and this process's bodies."""

import hashlib
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches


def code_stamp(root: Path | None = None) -> str:
    """A short digest of the project's templates and Python source.

    Part of every key, with the format version: after a deploy that changes
    the code, pages and fragments the old code made are never read, however
    long they had left. (They would link to the old release's static files,
    which the new image no longer has.) Read once a process, about 2 ms.
    """
    root = root or Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=6)
    packages = sorted(p.parent for p in root.glob("*/apps.py"))
    files = sorted(root.glob("templates/**/*")) + [
        f for package in packages for f in sorted(package.rglob("*.py"))
    ]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# The format version and the code are part of every key: after a deploy that
# changes what an entry holds or how a page looks, old entries are never read.
_V = f"pagecache:3:{code_stamp()}:"
TOPIC_KEY_PREFIX = _V + "topic:"  # + a topic: its current version (see topics.py)
NEXT_PUBLISH_KEY = _V + "next-publish"
PAGE_KEY_PREFIX = _V + "page:"
BODY_KEY_PREFIX = _V + "body:"
REBUILD_KEY_SUFFIX = ":rebuilding"  # a page key + this: one request is rebuilding it


def enabled() -> bool:
    return bool(settings.PAGE_CACHE_ENABLED)


def _cache():
    return caches[settings.PAGE_CACHE_ALIAS]


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
        limit = int(settings.PAGE_CACHE_LOCAL_BYTES)
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


def new_token() -> str:
    return secrets.token_hex(8)


def page_key(request) -> str:
    """The key of a page: scheme, host, path and the query parameters pages read.

    Method-free (HEAD uses GET's). Parameters no public page reads
    (``PAGE_CACHE_QUERY_PARAMS`` lists those they do) are left out, so
    ``/?utm_source=x`` is the home page, and a flood of ``/?x=<random>`` cannot
    fill the cache with copies and push real pages out.
    """
    query = ""
    if request.META.get("QUERY_STRING"):  # most hits have none: no QueryDict to parse
        query = urlencode(
            sorted(
                (name, value)
                for name, values in request.GET.lists()
                if name in settings.PAGE_CACHE_QUERY_PARAMS
                for value in values
            )
        )
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return PAGE_KEY_PREFIX + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
