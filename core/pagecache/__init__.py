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
  an app's ``AppConfig.public_models`` (and changing its many-to-many relations) deletes the
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

from core.pagecache.fragments import fragment
from core.pagecache.invalidation import (
    connect_signals,
    invalidate,
    next_scheduled_publication,
)
from core.pagecache.listener import _Listener, listener
from core.pagecache.middleware import PageCacheMiddleware, path_is_cacheable
from core.pagecache.store import BODY_KEY_PREFIX, enabled, local_bodies, page_key
from core.pagecache.topics import all_topics, shows

__all__ = [
    "BODY_KEY_PREFIX",
    "PageCacheMiddleware",
    "_Listener",
    "all_topics",
    "connect_signals",
    "enabled",
    "fragment",
    "invalidate",
    "listener",
    "local_bodies",
    "next_scheduled_publication",
    "page_key",
    "path_is_cacheable",
    "shows",
]
