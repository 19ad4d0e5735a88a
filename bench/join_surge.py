#!/usr/bin/env python
"""A surge of sign-ups against the join form under gunicorn.

    .venv/bin/python bench/join_surge.py [--threads 16] [--count 2000] [--seconds 30]

1. Starts gunicorn on 127.0.0.1 (a free port) with the production settings
   (DEBUG off; config/settings_bench.py only trusts X-Forwarded-For for the client
   address, as behind a load balancer), SECURE_SSL_REDIRECT off because there
   is no TLS on loopback. The database is DATABASE_URL's, or the embedded one.
   It uses its own database (`..._surge`, created and migrated on first use).
2. GETs the join form once (CSRF cookie and token, the signed start time),
   waits out the form's minimum fill time, then drives distinct sign-ups from
   many threads (http.client, keep-alive), each from its own forwarded address.
   One POST in ten repeats an address already sent, in different case, as a
   double submission or a second sign-up would: it must not make a second row.
   Bounded by --count POSTs and --seconds.
3. Prints sign-ups accepted per second and the latency spread.
4. Checks every accepted address is stored exactly once (none lost, none
   duplicated), then deletes the bench's rows and queued emails (--keep keeps them).
5. Stops gunicorn by its PID, whatever happened.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"


def prepare_database() -> str:
    """Create (once) and migrate the bench's own database; return its URL.

    Its own, so the surge neither needs nor touches the shared development data:
    `<name>_surge` beside DATABASE_URL's database, or on the embedded server.
    """
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    base = os.environ.get("DATABASE_URL")
    if not base:
        from core.embedded_db import database_url

        base = database_url()
    parts = urlsplit(base)
    stem = parts.path.lstrip("/") or "postgres"
    name = f"{'rankandfile' if stem == 'postgres' else stem}_surge"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from members import demo

    demo.load(branches=100, members=0)
    from django.db import connections

    connections.close_all()
    return url


def server_env(port: int) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        GUNICORN_BIND=f"{HOST}:{port}",
        PYTHONPATH=str(ROOT),
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, workers: int) -> subprocess.Popen:
    env = {**env, "WEB_CONCURRENCY": str(workers)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "bench" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn by its PID: TERM (it stops its workers), then KILL if it hangs."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def fetch(port, method, path, body=None, headers=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        if own:
            conn.close()


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            if fetch(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def join_form(port: int) -> tuple[dict, str]:
    """The fields of one valid sign-up (without email) and the CSRF cookie."""
    status, headers, body = fetch(port, "GET", "/join/")
    if status != 200:
        raise SystemExit(f"GET /join/ answered {status}")
    html = body.decode()
    cookie = next(
        v.split(";")[0].split("=", 1)[1]
        for k, v in headers
        if k.lower() == "set-cookie" and v.startswith("csrftoken=")
    )

    def value(name):
        return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)

    branch = re.search(r'<option value="(\d+)"', html)
    fields = {
        "csrfmiddlewaretoken": value("csrfmiddlewaretoken"),
        "started": value("started"),
        "name": "Surge Tester",
        "branch": branch.group(1) if branch else "",
        "branch_not_listed": "" if branch else "Surge branch",
        "grade": "AO",
        "is_union_member": "yes",
        "consent_faction": "on",
        "website": "",
    }
    return fields, cookie


def surge(port, fields, cookie, *, threads, count, seconds, run_id):
    """POST sign-ups from `threads` threads; return [(email, status, seconds)]."""
    records, lock = [], threading.Lock()
    counter = iter(range(1, count + 1))
    deadline = time.monotonic() + seconds
    rng = random.Random(run_id)

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                k = next(counter, None)
                sent = [e for e, _, _ in records[-200:]]
            if k is None:
                break
            if sent and k % 10 == 0:  # a repeat, in other case, with spaces
                email = f"  {rng.choice(sent).upper()} "
            else:
                email = f"surge-{run_id}-{k}@example.org"
            body = urlencode({**fields, "email": email})
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "X-Forwarded-For": f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}",
            }
            started = time.monotonic()
            try:
                status = fetch(port, "POST", "/join/", body, headers, conn)[0]
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            with lock:
                records.append((email.strip().lower(), status, time.monotonic() - started))
        conn.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    begun = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 60)
    return records, time.monotonic() - begun


def check_and_clean(run_id: str, records, *, keep: bool) -> dict:
    from django_tasks_db.models import DBTaskResult

    from members.models import Member

    accepted = {e for e, status, _ in records if status == 302}
    rows = list(
        Member.objects.filter(email__startswith=f"surge-{run_id}-").values_list("pk", "email")
    )
    stored = [e.lower() for _, e in rows]
    result = {
        "accepted": len(accepted),
        "stored": len(stored),
        "lost": len(accepted - set(stored)),
        "duplicated": len(stored) - len(set(stored)),
        "stored_but_not_accepted": len(set(stored) - accepted),
    }
    if not keep:
        ids = [pk for pk, _ in rows]
        DBTaskResult.objects.filter(args_kwargs__kwargs__member_id__in=ids).delete()
        Member.objects.filter(pk__in=ids).delete()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--count", type=int, default=2000, help="at most this many POSTs")
    parser.add_argument("--seconds", type=float, default=30, help="and for at most this long")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the sign-ups afterwards")
    args = parser.parse_args()

    port = free_port()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS=HOST,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    from urllib.parse import urlsplit

    print(f"database: {urlsplit(prepare_database()).path.lstrip('/')}")
    env = server_env(port)
    run_id = secrets.token_hex(4)
    process = start_gunicorn(env, args.workers)
    try:
        wait_ready(port, process)
        fields, cookie = join_form(port)
        time.sleep(3.5)  # the form's minimum time on the page
        records, elapsed = surge(
            port,
            fields,
            cookie,
            threads=args.threads,
            count=args.count,
            seconds=args.seconds,
            run_id=run_id,
        )
    finally:
        stop(process)
    statuses = {}
    for _, status, _ in records:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = sorted(t for _, _, t in records)
    accepted = statuses.get(302, 0)
    print(f"{len(records)} POSTs from {args.threads} threads in {elapsed:.1f}s; answers {statuses}")
    if latencies:
        p50 = latencies[len(latencies) // 2] * 1000
        p95 = latencies[int(len(latencies) * 0.95)] * 1000
        print(f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    print(f"accepted sign-ups per second: {accepted / elapsed:.1f}")
    result = check_and_clean(run_id, records, keep=args.keep)
    print(
        "stored exactly once: {accepted} distinct accepted, {stored} rows, {lost} lost, "
        "{duplicated} duplicated, {stored_but_not_accepted} stored but not answered".format(
            **result
        )
    )
    ok = result["lost"] == 0 and result["duplicated"] == 0 and accepted > 0
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
