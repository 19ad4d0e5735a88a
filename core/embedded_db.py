"""A private PostgreSQL for a checkout, so a newcomer needs nothing but Python.

Used only when ``DATABASE_URL`` is not set. The server (real PostgreSQL binaries
shipped by the ``pgserver`` wheel) keeps its data in ``.pgdata/`` at the top of
the checkout and is left running between commands; ``python -m
core.embedded_db stop`` stops it.
"""

import os
import sys
import warnings
from pathlib import Path

PGDATA = Path(os.environ.get("EMBEDDED_PGDATA", Path(__file__).resolve().parent.parent / ".pgdata"))


def database_url() -> str:
    """Start the embedded server if it is not running, and return its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pgserver warns when XDG_RUNTIME_DIR is unset
        import pgserver

        # cleanup_mode=None: leave the server running when this process exits, so
        # runserver's reloader, the worker and the test run share one server.
        server = pgserver.get_server(PGDATA, cleanup_mode=None)
    return server.get_uri()


def stop() -> None:
    """Stop the embedded server if it is running."""
    import subprocess

    import pgserver

    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    if (PGDATA / "postmaster.pid").exists():
        cmd = [str(pg_ctl), "-D", str(PGDATA), "-m", "fast", "stop"]
        if os.geteuid() == 0:  # the server runs as pgserver's own system user
            cmd = ["su", "pgserver", "-s", "/bin/sh", "-c", " ".join(cmd)]
        subprocess.run(cmd, check=False)  # noqa: S603


def end_stale_test_sessions() -> int:
    """End sessions left on test databases by an interrupted test run.

    A killed pytest can leave its backend running (and its test database in
    use), which would make the next run fail to recreate the database.
    """
    import psycopg

    with psycopg.connect(database_url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname LIKE 'test%%' AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


if __name__ == "__main__":
    command = sys.argv[1:]
    if command == ["stop"]:
        stop()
    elif command == ["end-stale-test-sessions"]:
        end_stale_test_sessions()
    else:
        print(database_url())
