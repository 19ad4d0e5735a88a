"""A throwaway database on the test server, for tests that run manage.py against it.

The test database is already open (and, under ``django_db``, inside a
transaction), so databases are created and dropped from the maintenance
database ``postgres`` on a connection of their own, in autocommit.
"""

import contextlib
import gzip
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from django.conf import settings
from django.db import connection

from core.backup import _connection_args, pg_binary

CHECKOUT = Path(settings.BASE_DIR)


def connect(name: str) -> psycopg.Connection:
    """Open an autocommit connection to database `name` on the test server."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=name,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or db.get("OPTIONS", {}).get("host") or None,
        port=db.get("PORT") or None,
        sslmode=db.get("OPTIONS", {}).get("sslmode") or None,
        autocommit=True,
    )


@contextlib.contextmanager
def scratch_database(label: str, *, template: str | None = None) -> Iterator[str]:
    """Create a uniquely named database; drop it afterwards, even on failure.

    It is empty, or a copy of database `template` (which nothing may be
    connected to). The name starts with the test database's, so a cleanup of a
    killed test run's leftovers treats both alike.
    """
    name = f"{connection.settings_dict['NAME']}_{label}_{uuid.uuid4().hex[:8]}"[:63]
    copy = f' TEMPLATE "{template}"' if template else ""
    with connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield name
    finally:
        with connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_sql_dump(dump: Path, name: str) -> None:
    """Run a gzipped plain-SQL pg_dump into database `name`, stopping at the first error.

    Plain dumps carry their rows as ``COPY ... FROM stdin`` blocks, which only
    psql reads; the binary is found the way ``manage.py backup_db`` finds pg_dump.
    """
    args, env = _connection_args(connection.settings_dict, name=name)
    result = subprocess.run(  # noqa: S603
        [pg_binary("psql"), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", *args],
        input=gzip.decompress(dump.read_bytes()),
        env=env,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-4000:]


def database_url(name: str) -> str:
    """Return a DATABASE_URL for database `name` on the test server (socket or TCP)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    query = {}
    if host.startswith("/"):  # a Unix socket directory, as the embedded server uses
        query["host"], host = host, ""
    elif ":" in host:  # an IPv6 address
        host = f"[{host}]"
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        query["sslmode"] = sslmode
    port = f":{db['PORT']}" if db.get("PORT") else ""
    url = f"postgres://{user}:{password}@{host}{port}/{quote(name, safe='')}"
    return f"{url}?{urlencode(query)}" if query else url


def run_django(args: list[str], name: str, *, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python <args>`` in the checkout with the test settings on database `name`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url(name),
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=CHECKOUT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
