"""Each process's LISTEN connection: a hit needs no query while nothing has changed."""

import contextlib
import os
import threading
import time

from django.conf import settings

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
        self.topics: dict[str, str] | None = None  # topic tokens read (fragments.py)

    def forget(self) -> None:
        self.generation = None
        self.entries = {}
        self.topics = None

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
        if not settings.PAGE_CACHE_LISTEN:
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

    def keep_topics(self, tokens: dict) -> None:
        with self.lock:
            if self.conn is not None:
                self.topics = {**(self.topics or {}), **tokens}

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
