#!/usr/bin/env python
"""Fault: PostgreSQL restarts in the middle of a stream of sign-ups.

    .venv/bin/python bench/fault_db_restart.py [--seconds 24] [--threads 8] [--restarts 2]

1. Starts a private embedded PostgreSQL (pgserver) in its own data directory
   (not the shared development server, which other processes are using), with
   a database migrated and given demo branches.
2. Starts gunicorn (production settings, DEBUG off) against it.
3. Streams distinct sign-ups to /join/ from several threads, and meanwhile
   restarts PostgreSQL with ``pg_ctl restart -m fast`` (every open connection
   is cut; new ones are refused for the second or so it takes).
4. Prints sent / accepted / failed-with-503 / stored / lost, and checks:
   every sign-up that got a success answer is stored exactly once (lost 0,
   duplicated 0); every failure was a 503 with a retry message and a
   Retry-After header (no 500, no stack trace, no dropped connection); and
   sign-ups are accepted again after each restart without restarting the app
   (CONN_HEALTH_CHECKS reconnects).
5. Stops gunicorn and the private PostgreSQL by PID / pg_ctl, whatever happened.
"""

import argparse
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
PG_BIN = None  # set in main() from pgserver


def pg_ctl(pgdata: Path, *args: str) -> float:
    """Run pg_ctl as the server's owner; return how long it took."""
    cmd = [str(PG_BIN / "pg_ctl"), "-D", str(pgdata), *args]
    user = "pgserver" if os.geteuid() == 0 else None
    started = time.monotonic()
    subprocess.run(
        cmd,
        check=True,
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    return time.monotonic() - started


def start_private_server(pgdata: Path) -> str:
    """Start (init on first use) the private embedded server; return a URL to our database."""
    import warnings

    import psycopg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode=None)
    base = server.get_uri()
    with psycopg.connect(base, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'fault'").fetchone():
            conn.execute('CREATE DATABASE "fault"')
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(base)._replace(path="/fault"))


def prepare(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from members import demo

    demo.load(branches=20, members=0)
    from django.db import connections

    connections.close_all()


def stream(port, fields, cookie, *, threads, seconds, run_id, events):
    """POST distinct sign-ups until `seconds` pass; return [(email, status, t, body_ok)]."""
    import http.client

    from bench.join_surge import fetch

    records, lock = [], threading.Lock()
    counter = iter(range(1, 10**9))
    begun = time.monotonic()
    deadline = begun + seconds

    def worker():
        conn = None
        while time.monotonic() < deadline:
            with lock:
                k = next(counter)
            email = f"fault-{run_id}-{k}@example.org"
            body = urlencode({**fields, "email": email})
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "X-Forwarded-For": f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}",
            }
            sent_at = time.monotonic() - begun
            try:
                conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
                status, resp_headers, content = fetch(port, "POST", "/join/", body, headers, conn)
                text = content.decode(errors="replace")
                friendly = status != 503 or (
                    "try again" in text
                    and "Traceback" not in text
                    and any(k.lower() == "retry-after" for k, _ in resp_headers)
                )
            except (OSError, http.client.HTTPException):
                status, friendly = 0, False
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                records.append((email, status, sent_at, friendly))
            if status == 503:
                time.sleep(0.2)  # as a person would, before pressing "send" again
        if conn is not None:
            conn.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 90)
    return records


def restarter(pgdata: Path, *, seconds: float, restarts: int, events: list, begun: float):
    """Restart PostgreSQL `restarts` times, evenly spread over the stream."""
    for i in range(1, restarts + 1):
        time.sleep(max(0.0, begun + seconds * i / (restarts + 1) - time.monotonic()))
        at = time.monotonic() - begun
        took = pg_ctl(pgdata, "-w", "-m", "fast", "-l", str(pgdata / "restart.log"), "restart")
        events.append((at, took))


def count_stored(run_id: str) -> list[str]:
    import django

    django.setup()
    from members.models import Member

    return list(
        Member.objects.filter(email__startswith=f"fault-{run_id}-").values_list("email", flat=True)
    )


def main() -> int:
    global PG_BIN
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=24)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--restarts", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the private data directory")
    args = parser.parse_args()

    import pgserver

    PG_BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"
    pgdata = Path(tempfile.gettempdir()) / "rankandfile-fault-pgdata"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS=HOST,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    from bench.join_surge import free_port, join_form, server_env, start_gunicorn, stop, wait_ready

    url = start_private_server(pgdata)
    process = None
    try:
        prepare(url)
        port = free_port()
        env = {**server_env(port), "DATABASE_URL": url, "CONN_MAX_AGE": "60"}
        process = start_gunicorn(env, args.workers)
        wait_ready(port, process)
        fields, cookie = join_form(port)
        time.sleep(3.5)  # the join form's minimum time on the page
        run_id = secrets.token_hex(4)
        events: list = []
        begun = time.monotonic()
        chaos = threading.Thread(
            target=restarter,
            args=(pgdata,),
            kwargs={
                "seconds": args.seconds,
                "restarts": args.restarts,
                "events": events,
                "begun": begun,
            },
        )
        chaos.start()
        records = stream(
            port,
            fields,
            cookie,
            threads=args.threads,
            seconds=args.seconds,
            run_id=run_id,
            events=events,
        )
        chaos.join()
        stored = count_stored(run_id)
    finally:
        if process is not None:
            stop(process)
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl(pgdata, "-w", "-m", "fast", "stop")
        if not args.keep:
            shutil.rmtree(pgdata, ignore_errors=True)

    statuses: dict = {}
    for _, status, _, _ in records:
        statuses[status] = statuses.get(status, 0) + 1
    accepted = {e for e, status, _, _ in records if status == 302}
    failed_503 = [r for r in records if r[1] == 503]
    unfriendly = [r for r in records if r[1] not in (302, 503) or not r[3]]
    stored_set = set(stored)
    lost = accepted - stored_set
    duplicated = len(stored) - len(stored_set)
    stored_not_accepted = stored_set - accepted
    recovered = all(
        any(s == 302 and t > at + took for _, s, t, _ in records) for at, took in events
    )

    for at, took in events:
        print(f"PostgreSQL restarted at {at:.1f}s (pg_ctl restart took {took:.1f}s)")
    print(f"answers: {dict(sorted(statuses.items()))}")
    print(
        f"sign-ups sent {len(records)}, accepted {len(accepted)}, "
        f"failed with 503 {len(failed_503)}, stored {len(stored)}, lost {len(lost)}"
    )
    print(
        f"duplicated {duplicated}, stored though answered 503 {len(stored_not_accepted)}, "
        f"unfriendly failures (not a 503 with retry message) {len(unfriendly)}, "
        f"accepting again after every restart: {'yes' if recovered else 'NO'}"
    )
    ok = (
        accepted
        and not lost
        and not duplicated
        and not unfriendly
        and recovered
        and len(events) == args.restarts
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
