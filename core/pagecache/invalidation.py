"""Retiring stored pages: on every save of a model that a public page shows.

Which models those are, and which topics (what pages show) each one's change
makes stale, each app says in its ``AppConfig.public_models``; when a page will
change by itself (a scheduled article), in its ``AppConfig.next_public_change()``
(see core.registry and topics.py).
"""

import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.pagecache.listener import CHANNEL, listener
from core.pagecache.store import _cache
from core.pagecache.topics import bump, model_topics
from core.registry import declared


def invalidate(topics=None, *, model=None) -> None:
    """Make every stored page showing these topics (None: every page) stale on every app server.

    ``model=`` stands for the topics that model's change makes stale (for code
    that writes with ``update()`` or ``bulk_create()``, which send no signals).

    The topics get a new version now and again once the surrounding transaction
    commits: a page built from the old rows between the two is stored under a
    version that the second one retires. (With the database cache the first is
    part of the writer's transaction; outside one the second runs at once as
    well.) The NOTIFY reaches every app server's listener when the transaction
    commits.
    """
    if model is not None:
        topics = model_topics()[model]
    topics = None if topics is None else tuple(topics)
    listener.forget()
    bump(_cache(), topics, time.time())
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and settings.PAGE_CACHE_LISTEN:
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")
    if connection.in_atomic_block:
        transaction.on_commit(lambda: (listener.forget(), bump(_cache(), topics, time.time())))


def _on_change(topics):
    def receiver(**_kwargs):
        invalidate(topics)

    return receiver


def _on_m2m_change(topics):
    def receiver(action, **_kwargs):
        if action.startswith("post_"):
            invalidate(topics)

    return receiver


def connect_signals() -> list[str]:
    """Connect the invalidation to every app's public models; return their labels."""
    connected = []
    for model, topics in model_topics().items():
        uid = f"pagecache:{model._meta.label}"
        changed = _on_change(topics)
        post_save.connect(changed, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=uid, weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _on_m2m_change(topics),
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}.{field.name}",
                weak=False,
            )
        connected.append(model._meta.label)
    return connected


def next_scheduled_publication() -> datetime | None:
    """Return when a public page next changes with no save (a scheduled article), or None."""
    due = [when for _, ask in declared("next_public_change") if (when := ask()) is not None]
    return min(due, default=None)
