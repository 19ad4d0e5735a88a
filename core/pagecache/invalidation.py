"""Retiring stored pages: on every save of a model that a public page shows.

Which models those are, each app says in its ``AppConfig.public_models``;
when a page will change by itself (a scheduled article), in its
``AppConfig.next_public_change()`` (see core.registry).
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.pagecache.listener import CHANNEL, listener
from core.pagecache.store import GENERATION_KEY, _cache
from core.registry import declared


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
    if connection.vendor == "postgresql" and settings.PAGE_CACHE_LISTEN:
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")
    if connection.in_atomic_block:
        transaction.on_commit(lambda: (listener.forget(), _cache().delete(GENERATION_KEY)))


def _m2m_changed(action, **kwargs):
    if action.startswith("post_"):
        invalidate()


def connect_signals() -> list[str]:
    """Connect the invalidation to every app's public models; return their labels."""
    connected = []
    models = [
        config.get_model(name) for config, names in declared("public_models") for name in names
    ]
    for model in models:
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
    """Return when a public page next changes with no save (a scheduled article), or None."""
    due = [when for _, ask in declared("next_public_change") if (when := ask()) is not None]
    return min(due, default=None)
