"""Back up and restore the database with pg_dump / pg_restore (custom format).

Used by ``manage.py backup_db`` and ``manage.py restore_db``. The binaries come
from pgserver's bundled PostgreSQL when the app runs on the embedded server (so
their version matches it), else from ``PG_BIN_DIR`` or the PATH.
"""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections


class BackupError(Exception):
    pass


def _bundled_bin_dir() -> Path | None:
    try:
        import pgserver
    except ImportError:
        return None
    path = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return path if path.is_dir() else None


def _on_embedded_server(db: dict) -> bool:
    from core.embedded_db import PGDATA

    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    return bool(host) and Path(host).resolve() == PGDATA.resolve()


def pg_binary(name: str, *, alias: str = "default") -> str:
    """Return the path of pg_dump / pg_restore / psql matching the server in use."""
    db = settings.DATABASES[alias]
    candidates = []
    if override := os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(override) / name)
    bundled = _bundled_bin_dir()
    if bundled and _on_embedded_server(db):
        candidates.append(bundled / name)
    if found := shutil.which(name):
        candidates.append(Path(found))
    if bundled:
        candidates.append(bundled / name)
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise ImproperlyConfigured(
        f"{name} not found: install the PostgreSQL client or set PG_BIN_DIR."
    )


def _connection_args(db: dict, *, name: str | None = None) -> tuple[list[str], dict]:
    """Command-line arguments and environment for libpq tools (no password on argv)."""
    args = []
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host")
    if host:
        args += ["--host", str(host)]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    args += ["--dbname", name or db["NAME"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return args, env


def _run(cmd: list[str], env: dict) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(output: Path, *, alias: str = "default") -> Path:
    """Dump the whole database to `output` (pg_dump custom format, compressed)."""
    db = connections[alias].settings_dict
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    args, env = _connection_args(db)
    _run(
        [pg_binary("pg_dump", alias=alias), "--format=custom", "--no-owner", "--no-acl",
         "--file", str(partial), *args],
        env,
    )  # fmt: skip
    partial.replace(output)  # a half-written dump never carries the final name
    return output


def create_database(name: str, *, alias: str = "default") -> None:
    """Create an empty database `name` on the same server."""
    with connections[alias].cursor() as cursor:
        quoted = connections[alias].ops.quote_name(name)
        cursor.execute(f"CREATE DATABASE {quoted}")


def drop_database(name: str, *, alias: str = "default") -> None:
    with connections[alias].cursor() as cursor:
        quoted = connections[alias].ops.quote_name(name)
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def restore(dump: Path, *, database: str | None = None, alias: str = "default") -> None:
    """Restore `dump` into `database` (default: the configured one), in one transaction.

    Existing objects are dropped first (``--clean --if-exists``), so restoring
    over the live database replaces it; any error rolls the whole restore back.
    """
    dump = Path(dump)
    if not dump.is_file():
        raise BackupError(f"No such backup file: {dump}")
    db = connections[alias].settings_dict
    args, env = _connection_args(db, name=database)
    _run(
        [pg_binary("pg_restore", alias=alias), "--clean", "--if-exists", "--no-owner",
         "--no-acl", "--single-transaction", "--exit-on-error", *args, str(dump)],
        env,
    )  # fmt: skip
