"""The bench's own database, on the embedded PostgreSQL or a separate server, and its data set."""

import os
import time
from urllib.parse import urlsplit, urlunsplit

from bench.run import HOST, ROOT


def embedded_url() -> str:
    from core.embedded_db import database_url

    return database_url()


def with_dbname(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def prepare_database(*, quick: bool, fresh: bool, suffix: str = "") -> str:
    """Create the bench database if needed and return its URL.

    Its name ends in `suffix` (or ``_quick``), so each bench keeps its own data set.
    """
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL") or embedded_url()
    stem = urlsplit(base).path.lstrip("/") or "postgres"
    suffix = suffix or ("_quick" if quick else "")
    name = f"{'rankandfile' if stem == 'postgres' else stem}_bench{suffix}"
    import psycopg

    with psycopg.connect(with_dbname(base, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return with_dbname(base, name)


def drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_dbname(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_env(database_url: str, secret_key: str, **extra) -> dict:
    """The environment of the production settings as the bench runs them."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "TEST_DATABASE_NAME", "DEBUG", "PAGE_CACHE_ENABLED"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="600",
        PYTHONPATH=str(ROOT),
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def build(database_url: str, *, quick: bool, say) -> str:
    """Migrate, load the data set (idempotent) and vacuum; return the load_demo size."""
    from django.core.management import call_command
    from django.db import connection

    say(f"database {urlsplit(database_url).path.lstrip('/')}: migrating")
    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Exception as exc:  # a reused database from an older schema
        say(f"migrate failed ({exc.__class__.__name__}: {exc}); rebuilding the bench database")
        connection.close()
        drop_database(database_url)
        call_command("migrate", verbosity=0, interactive=False)
    size = "demo" if quick else "large"
    t0 = time.monotonic()
    call_command("load_demo", size=size, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    say(f"load_demo --size {size}: {time.monotonic() - t0:.1f} s")
    # What autovacuum does on a live site within minutes: without it a freshly
    # loaded (or migrated) archive is read through its dead row versions.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from core import pagecache

    pagecache.invalidate()  # bulk inserts send no signals
    return size
