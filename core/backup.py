"""Back up and restore the database with pg_dump / pg_restore (custom format).

Used by ``manage.py backup_db`` and ``manage.py restore_db``. The binaries come
from ``PG_BIN_DIR`` or the PATH (the image ships the PostgreSQL client of the
compose server's major version); only with ``EMBEDDED_DATABASE`` on (local runs,
where pgserver, a dev-only dependency, is installed) from pgserver's bundled
PostgreSQL, whose version matches the embedded server. Production never imports
pgserver, and never falls back to a pg_dump older than its server.
"""

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections


class BackupError(Exception):
    pass


def _bundled_bin_dir() -> Path | None:
    if not settings.EMBEDDED_DATABASE:
        return None
    try:
        import pgserver
    except ImportError:
        return None
    path = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return path if path.is_dir() else None


def _on_embedded_server(db: dict) -> bool:
    if not settings.EMBEDDED_DATABASE:
        return False
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
    # umask 077: whatever the tool creates is readable by its owner only.
    result = subprocess.run(  # noqa: S603
        cmd, env=env, capture_output=True, text=True, check=False, umask=0o077
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(output: Path, *, alias: str = "default") -> Path:
    """Dump the whole database to `output` (pg_dump custom format, compressed)."""
    db = connections[alias].settings_dict
    output = Path(output)
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    # Created empty with mode 600 before pg_dump writes a byte into it: the
    # dump holds every member's data and is never readable by anyone else.
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    args, env = _connection_args(db)
    _run(
        [pg_binary("pg_dump", alias=alias), "--format=custom", "--no-owner", "--no-acl",
         "--file", str(partial), *args],
        env,
    )  # fmt: skip
    partial.replace(output)  # a half-written dump never carries the final name
    output.chmod(0o600)
    return output


# Backups named by backup_db: rankandfile-YYYYMMDD-HHMMSS.dump (UTC).
BACKUP_NAME = re.compile(r"^rankandfile-(\d{8}-\d{6})\.dump$")


def backup_name(now: datetime) -> str:
    return f"rankandfile-{now.astimezone(UTC):%Y%m%d-%H%M%S}.dump"


def list_backups(directory: Path) -> list[tuple[datetime, Path]]:
    """(time, path) of each backup in `directory`, newest first."""
    found = []
    for path in Path(directory).glob("rankandfile-*.dump"):
        if match := BACKUP_NAME.match(path.name):
            stamp = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            found.append((stamp, path))
    return sorted(found, reverse=True)


def to_keep(stamps: list[datetime], *, daily: int, weekly: int) -> set[datetime]:
    """Which backups a rotation keeps: the newest of each of the `daily` most
    recent days that have one, and the newest of each of the `weekly` most
    recent ISO weeks that have one."""
    keep, days, weeks = set(), [], []
    for stamp in sorted(stamps, reverse=True):
        day, week = stamp.date(), stamp.isocalendar()[:2]
        if day not in days and len(days) < daily:
            days.append(day)
            keep.add(stamp)
        if week not in weeks and len(weeks) < weekly:
            weeks.append(week)
            keep.add(stamp)
    return keep


def rotate(directory: Path, *, daily: int = 7, weekly: int = 4) -> list[Path]:
    """Delete backups beyond the rotation (see to_keep); return what was deleted."""
    backups = list_backups(directory)
    keep = to_keep([stamp for stamp, _ in backups], daily=daily, weekly=weekly)
    deleted = []
    for stamp, path in backups:
        if stamp not in keep:
            path.unlink()
            deleted.append(path)
    for partial in Path(directory).glob("rankandfile-*.dump.partial"):
        if datetime.now(UTC) - datetime.fromtimestamp(partial.stat().st_mtime, UTC) > timedelta(
            days=1
        ):
            partial.unlink()  # left by a backup that was killed
    return deleted


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
