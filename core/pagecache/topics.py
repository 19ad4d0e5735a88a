"""What a page shows, and what makes it stale: topics.

A topic names something pages show: "articles", "elections", "slates",
"structure" on public pages, "turnout" on organisers' kept ballot dashboards.
Each app says on its ``AppConfig.public_models`` which topics a
save of each of its models makes stale (``{"Nomination": ("slates",)}``); a
view says which topics its page shows (``@shows("articles")``). A page that
says nothing shows every topic, so forgetting to say is never wrong, only slower.

Each topic's version lives in the shared cache as ``(token, change times)``. A
page is stored with the tokens of the topics it shows and is fresh while they
are all current. The change times (those of the last
``PAGE_CACHE_STALE_SECONDS``, oldest first) tell since when a page has been
stale, so it may be served stale within that bound while one request rebuilds
it (middleware.py).
"""

from functools import cache, wraps

from django.conf import settings

from core.pagecache.store import TOPIC_KEY_PREFIX, new_token
from core.registry import declared

MAX_TIMES = 32  # change times kept per topic: the oldest are the ones that matter


def shows(*topics: str):
    """Mark a view's pages as showing only these topics (see the module docstring)."""
    shown = frozenset(topics)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.page_shows = shown
            return response

        return wrapper

    return decorator


@cache
def model_topics() -> dict:
    """{model: topics its change makes stale}, from every app's ``public_models``.

    A plain list of model names (no mapping) makes every topic stale.
    """
    found = {}
    for config, models in declared("public_models"):
        if isinstance(models, dict):
            for name, topics in models.items():
                found[config.get_model(name)] = tuple(topics)
        else:
            for name in models:
                found[config.get_model(name)] = None  # everything
    return found


@cache
def all_topics() -> tuple[str, ...]:
    named = {t for topics in model_topics().values() if topics for t in topics}
    return tuple(sorted(named))


def topic_keys() -> list[str]:
    return [TOPIC_KEY_PREFIX + topic for topic in all_topics()]


def bump(cache_, topics, now: float) -> None:
    """Give these topics (None: all) a new token and note the time of the change.

    Not atomic: two changes at once both read the old version and the last
    write wins. Either token retires every page of the old one; what is lost
    is a change time, and a page whose staleness cannot be dated is never
    served stale, only rebuilt (stale_since returns 0.0; tested).
    """
    keys = topic_keys() if topics is None else [TOPIC_KEY_PREFIX + t for t in topics]
    current = cache_.get_many(keys)
    window = float(settings.PAGE_CACHE_STALE_SECONDS)
    fresh = {}
    for key in keys:
        old = current.get(key)
        # Only changes within the bound can let a stale copy be served; if more
        # than MAX_TIMES came, the oldest are kept (the newest matter less).
        times = tuple(t for t in (old[1] if old else ()) if now - t <= window)
        fresh[key] = (new_token(), (*times, now)[:MAX_TIMES])
    cache_.set_many(fresh, None)


def ensure(cache_, found: dict, topics) -> dict | None:
    """The tokens of these topics, creating a topic's first version if none is stored yet.

    ``found`` is what the request already read from the shared cache. Returns
    ``{topic: token}``, or None if a version cannot be stored.
    """
    tokens = {}
    for topic in topics:
        record = found.get(TOPIC_KEY_PREFIX + topic)
        if record is None:
            key = TOPIC_KEY_PREFIX + topic
            cache_.add(key, (new_token(), ()), None)
            record = cache_.get(key)
            if record is None:
                return None
        tokens[topic] = record[0]
    return tokens


def stale_since(entry: dict, found: dict, now: float) -> float | None:
    """Since when this stored page has been stale, or None if it is still fresh.

    0.0 when that cannot be told (a topic's version was lost, or the change
    came longer ago than the times kept): such a page is never served stale.
    """
    since = None
    for topic, token in entry["versions"].items():
        record = found.get(TOPIC_KEY_PREFIX + topic)
        if record is None:
            return 0.0
        if record[0] == token:
            continue
        # The first change after the page was built is when it went stale.
        after = [t for t in record[1] if t > entry["built"]]
        if not after:
            return 0.0
        since = after[0] if since is None else min(since, after[0])
    if entry["expires"] <= now:
        since = entry["expires"] if since is None else min(since, entry["expires"])
    return since
