"""Parts of pages built once per version of what they show, whoever asks.

The page cache keeps whole pages for anonymous readers. Some parts of pages are
the same for everyone and costly to build: the slate's 200 candidates, the
join form's 1,000 branch choices. ``fragment(name, topics, build)`` returns the
HTML ``build()`` made the last time, as long as none of ``topics`` has changed
since (the same topic versions as the page cache, core.pagecache.topics), so it
also serves signed-in organisers, forms with a CSRF token and the cold path.

A fragment is kept in the shared cache under its name and the topics' tokens,
and in each process (least recently used out). While this process's LISTEN
connection has heard nothing, the tokens it read last are still current, so a
kept fragment costs no query at all.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.utils.safestring import SafeString, mark_safe

from core.pagecache.listener import listener
from core.pagecache.store import _V, TOPIC_KEY_PREFIX, _cache, local_bodies
from core.pagecache.topics import ensure

FRAGMENT_KEY_PREFIX = _V + "fragment:"


def _tokens(topics: tuple[str, ...]) -> dict | None:
    kept = listener.topics if listener.poll() else None
    if kept is not None and all(t in kept for t in topics):
        return kept
    cache = _cache()
    found = cache.get_many([TOPIC_KEY_PREFIX + t for t in topics])
    tokens = ensure(cache, found, topics)
    if tokens is not None:
        listener.keep_topics(tokens)
    return tokens


_values: dict[str, tuple[str, object]] = {}


def _local(key: str, build: Callable[[], str]) -> SafeString:
    kept = local_bodies.get(key)
    if kept is None:
        kept = str(build()).encode()
        local_bodies.put(key, kept)
    return mark_safe(kept.decode())  # noqa: S308 - stored from build()


def versioned(name: str, topics: tuple[str, ...], build: Callable[[], object]):
    """``build()``'s value, made once per version of ``topics`` in this process.

    For Python values a page reads (the union's structure for the join form):
    they must not be changed by whoever reads them.
    """
    tokens = _tokens(topics)
    if tokens is None:
        return build()
    version = ":".join(tokens[t] for t in topics)
    kept = _values.get(name)
    if kept is not None and kept[0] == version:
        return kept[1]
    value = build()
    _values[name] = (version, value)
    return value


def fragment(name: str, topics: tuple[str, ...], build: Callable[[], str]) -> SafeString:
    """The HTML ``build()`` returns, made once per version of ``topics`` (see module docstring).

    ``build`` must return safe HTML that depends only on ``name`` and on what
    the topics cover: never on the request, the user or the time, unless the
    name carries it (an organiser's page names their scope and the day). If the
    shared cache cannot be read (the database is down and the error page is
    being drawn), it is built.
    """
    try:
        return _fragment(name, topics, build)
    except DatabaseError:
        return mark_safe(build())  # noqa: S308 - build() returns escaped HTML


def _fragment(name: str, topics: tuple[str, ...], build: Callable[[], str]) -> SafeString:
    if not topics:
        # It changes only with a deploy (the site's header and footer): kept in
        # this process alone, which a deploy replaces, and read with no query.
        return _local(FRAGMENT_KEY_PREFIX + name, build)
    tokens = _tokens(topics)
    if tokens is None:  # no shared cache to hold a version: build every time
        return mark_safe(build())  # noqa: S308 - build() returns escaped HTML
    key = FRAGMENT_KEY_PREFIX + name + ":" + ":".join(tokens[t] for t in topics)
    kept = local_bodies.get(key)
    if kept is not None:
        return mark_safe(kept.decode())  # noqa: S308 - stored from build()
    cache = _cache()
    stored = cache.get(key)
    if stored is None:
        stored = str(build()).encode()
        cache.set(key, stored, int(settings.PAGE_CACHE_TIMEOUT))
    local_bodies.put(key, stored)
    return mark_safe(stored.decode())  # noqa: S308 - stored from build()
