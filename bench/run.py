#!/usr/bin/env python
"""The benchmark: build the large data set, serve it with gunicorn, load it, print a table.

    .venv/bin/python bench/run.py            # the full run (make bench)
    .venv/bin/python bench/run.py --quick    # demo data, one second per row (make bench-quick)

What it does, in order (see bench/README.md for how to read the output):

1. Creates its own database (``rankandfile_bench``, or ``..._quick``) on the
   embedded PostgreSQL or on the server of ``DATABASE_URL`` (``BENCH_DATABASE_URL``
   names one directly), migrates it and loads ``manage.py load_demo --size large``
   (``--size demo`` with ``--quick``). Loading is idempotent, so a second run
   reuses the data; ``--fresh`` starts again from an empty database.
2. Measures in-process, with Django's test client: SQL queries per request of
   every row, and ``EXPLAIN ANALYZE`` of the search query.
3. Saves the article page's bytes as a static file and collects static files:
   whitenoise serves it from the same gunicorn (the ceiling row).
4. Starts gunicorn with the production settings (DEBUG off) on 127.0.0.1 only:
   one with the page cache on, one with it off (``PAGE_CACHE_ENABLED=false``).
5. Loads every row with wrk (installed with apt-get when missing and root; a
   bounded Python load generator otherwise) at concurrency 1, 16 and 64, for a
   fixed duration each; join POSTs go through a Python generator that knows
   which sign-up got which answer, so lost or duplicated ones are counted.
6. Checks that two app servers on one database show an edit at once.
7. Stops every process it started, by PID, whatever happens.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # the only address anything here binds to or sends to
PYTHON = sys.executable
LOG_DIR = Path(tempfile.gettempdir()) / "rankandfile-bench"  # gunicorn's own logs


# ---------------------------------------------------------------------------
# The database


def _embedded_url() -> str:
    from core.embedded_db import database_url

    return database_url()


def _with_dbname(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def prepare_database(*, quick: bool, fresh: bool) -> str:
    """Create the bench database if needed and return its URL."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL") or _embedded_url()
    stem = urlsplit(base).path.lstrip("/") or "postgres"
    name = f"{'rankandfile' if stem == 'postgres' else stem}_bench{'_quick' if quick else ''}"
    import psycopg

    with psycopg.connect(_with_dbname(base, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return _with_dbname(base, name)


def drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_with_dbname(url, "postgres"), autocommit=True) as conn:
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


# ---------------------------------------------------------------------------
# Rows


@dataclass
class Row:
    name: str
    path: str | None
    server: str = "cached"  # which gunicorn: "cached" or "cold"
    public: bool = True
    cookie: str = ""
    target: str = ""  # "cached", "cold", "search", "organiser" or ""
    queries: int | None = None
    status: int | None = None
    note: str = ""
    results: dict = field(default_factory=dict)  # concurrency -> Result


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    requests: int = 0


def discover_rows(quick: bool) -> tuple[list[Row], dict]:
    """Find the pages to load in the bench data set (in-process)."""
    from django.db import connection
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    info: dict = {}
    article_path = tag_path = slate_path = board_path = dashboard_path = None
    common = rare = None
    list_page = 50
    try:
        from articles.models import Article, Tag

        article = Article.objects.published().order_by("-published_at").first()
        if article:
            article_path = article.get_absolute_url()
            info["article"] = article.pk
        tag = Tag.objects.annotate(n=Count("articles")).order_by("-n", "pk").first()
        tag_path = tag.get_absolute_url() if tag else None
        from articles import conf as articles_conf

        pages = max(1, math.ceil(Article.objects.published().count() / articles_conf.PAGE_SIZE))
        list_page = min(50, pages)
        with connection.cursor() as cursor:
            # A common word: the most frequent one found in at most a fifth of the
            # articles (a word in every article is answered by reading them all,
            # rightly: no index helps there).
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT search_vector FROM articles_article "
                "WHERE search_vector IS NOT NULL') "
                "WHERE ndoc <= (SELECT count(*) / 5 FROM articles_article) AND length(word) > 3 "
                "ORDER BY ndoc DESC, word LIMIT 1"
            )
            found = cursor.fetchone()
        common = found[0] if found else "union"
        # A rare phrase: two neighbouring words of the oldest article's title,
        # so at least that article matches it.
        old = Article.objects.published().order_by("published_at").first()
        words = re.findall(r"[A-Za-z]+", old.title if old else "")
        pairs = [(a, b) for a, b in itertools.pairwise(words) if len(a) >= 4 and len(b) >= 4]
        rare = f'"{pairs[0][0]} {pairs[0][1]}"' if pairs else '"national executive"'
    except Exception as exc:  # the articles app may not exist yet
        info["articles"] = f"not ready: {exc}"
    try:
        from campaign.models import Election

        election = Election.objects.published().order_by("pk").first()
        if election:
            slate_path = election.get_absolute_url()
            board_path = url("admin:campaign_election_board", election.pk)
    except Exception as exc:
        info["campaign"] = f"not ready: {exc}"
    try:
        from ballots.models import Ballot

        ballot = Ballot.objects.annotate(n=Count("units")).order_by("-n", "pk").first()
        if ballot:
            dashboard_path = url("admin:ballots_ballot_dashboard", ballot.pk)
    except Exception as exc:
        info["ballots"] = f"not ready: {exc}"

    list_path = url("articles:list", query=f"?page={list_page}")
    search = url("articles:search")
    info.update(common_word=common, rare_phrase=rare, list_page=list_page)
    q = lambda s: f"{search}?{urlencode({'q': s})}" if search and s else None  # noqa: E731
    home = url("campaign:home") or "/"
    feed = url("articles:feed")
    join = url("members:join")
    rows = [
        Row("static ceiling (whitenoise)", "/static/bench/article.html", public=False),
        Row("home", home, target="cached"),
        Row("home, page cache off", home, server="cold", target="cold"),
        Row("article page", article_path, target="cached"),
        Row("article page, page cache off", article_path, server="cold", target="cold"),
        Row("tag archive", tag_path, target="cached"),
        Row("tag archive, page cache off", tag_path, server="cold", target="cold"),
        Row(f"article list page {list_page}", list_path),
        Row(f"article list p{list_page}, cache off", list_path, server="cold"),
        Row(f"search common word ({common})", q(common), server="cold", target="search"),
        Row(f"search rare phrase ({rare})", q(rare), server="cold", target="search"),
        Row("Atom feed", feed, target="cached"),
        Row("Atom feed, page cache off", feed, server="cold", target="cold"),
        Row("slate page", slate_path),
        Row("slate page, page cache off", slate_path, server="cold"),
        Row("join form GET", join),
        Row("join form POST (sign-ups)", join),
        Row("nominations board (organiser)", board_path, public=False, target="organiser"),
        Row("ballot unit dashboard (organiser)", dashboard_path, public=False, target="organiser"),
    ]
    return rows, info


def organiser_session() -> str:
    """Create a national organiser's session, verified for two-factor as django-otp does."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from members.models import User

    user, _ = User.objects.get_or_create(
        username="bench-organiser", defaults={"email": "bench-organiser@localhost"}
    )
    user.role = User.Role.NATIONAL
    user.is_staff = user.is_superuser = True
    user.set_unusable_password()
    user.save()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # What django_otp.login() stores once the code is right: the session is verified.
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def count_queries(rows: list[Row], join_form: dict | None) -> None:
    """SQL queries per request, with Django's test client in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    for row in rows:
        if not row.path or row.name.startswith("static"):
            continue
        client = Client(SERVER_NAME=HOST, raise_request_exception=False)
        if row.cookie:
            name, _, value = row.cookie.partition("=")
            client.cookies[name] = value
        with override_settings(PAGE_CACHE_ENABLED=row.server == "cached"):
            if "POST" in row.name:
                if not join_form:
                    continue
                time.sleep(max(0.0, join_form["fetched_at"] + 3.5 - time.time()))  # fill time
                data = dict(
                    join_form["fields"], email=f"bench-q-{secrets.token_hex(6)}@example.org"
                )
                client.cookies["csrftoken"] = join_form["csrf_cookie"]
                with CaptureQueriesContext(connection) as queries:
                    address = ".".join(str(secrets.randbelow(254) + 1) for _ in range(3))
                    response = client.post(row.path, data, HTTP_X_FORWARDED_FOR=f"10.{address}")
            else:
                client.get(row.path)  # fill the page cache (and warm up)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(row.path)
        row.queries = len(queries)
        row.status = response.status_code


def explain_search(rows: list[Row]) -> str:
    """EXPLAIN ANALYZE of the search queries, as the search page runs them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    out = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexdef ILIKE '%gin%' "
            "AND indexdef ILIKE '%search%'"
        )
        gin = cursor.fetchall()
    out.append("GIN indexes: " + (", ".join(name for name, _ in gin) or "none found"))
    for row in rows:
        if row.target != "search" or not row.path:
            continue
        with override_settings(PAGE_CACHE_ENABLED=False), CaptureQueriesContext(connection) as qs:
            Client(SERVER_NAME=HOST, raise_request_exception=False).get(row.path)
        searches = [q["sql"] for q in qs.captured_queries if "@@" in q["sql"]]
        if not searches:
            out.append(f"{row.name}: no full-text query captured")
            continue
        for sql in searches[:2]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
                plan = "\n".join("    " + line for (line,) in cursor.fetchall())
            uses = any(name in plan for name, _ in gin)
            out.append(f"{row.name}: {'uses the GIN index' if uses else 'NO GIN INDEX USED'}")
            out.append(plan)
    return "\n".join(out)


def write_ceiling_file(article_path: str | None) -> int:
    """Save the article page's bytes where whitenoise serves them; return their size."""
    from django.conf import settings
    from django.test import Client

    content = b""
    if article_path:
        response = Client(SERVER_NAME=HOST, raise_request_exception=False).get(article_path)
        if response.status_code == 200:
            content = response.content
    if not content:
        content = (ROOT / "templates" / "base.html").read_bytes()  # something of a page's size
    target = Path(settings.STATIC_ROOT) / "bench" / "article.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return len(content)


# ---------------------------------------------------------------------------
# Processes


class Gunicorn:
    """One gunicorn master on 127.0.0.1, stopped by its PID."""

    def __init__(self, name: str, env: dict, workers: int):
        self.name = name
        self.port = _free_port()
        self.env = dict(env, GUNICORN_BIND=f"{HOST}:{self.port}", WEB_CONCURRENCY=str(workers))
        self.proc: subprocess.Popen | None = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"gunicorn-{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.peak_rss: dict[int, int] = {}

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", str(ROOT / "bench" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn {self.name} exited; see bench/.gunicorn-{self.name}.log"
                )
            with contextlib.suppress(OSError):
                status, _, _ = fetch(self.port, "/healthz")
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer /healthz in {timeout} s")

    def drain(self, timeout: float = 120) -> None:
        """Wait until the server answers at once again (its queue is empty)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                start = time.monotonic()
                fetch(self.port, "/robots.txt", timeout=timeout)
                if time.monotonic() - start < 0.5:
                    return
            time.sleep(0.2)

    def workers(self):
        import psutil

        try:
            return psutil.Process(self.proc.pid).children()
        except psutil.Error:
            return []

    def sample_rss(self) -> None:
        import psutil

        for worker in self.workers():
            with contextlib.suppress(psutil.Error):
                rss = worker.memory_info().rss
                self.peak_rss[worker.pid] = max(self.peak_rss.get(worker.pid, 0), rss)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            # QUIT: gunicorn's quick shutdown (the load is over); it stops its workers.
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=25)
            except subprocess.TimeoutExpired:
                for worker in self.workers():
                    with contextlib.suppress(Exception):
                        worker.kill()
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def fetch(port, path, *, method="GET", body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


class RssSampler(threading.Thread):
    def __init__(self, servers):
        super().__init__(daemon=True)
        self.servers = servers
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(0.25):
            for server in self.servers:
                server.sample_rss()


# ---------------------------------------------------------------------------
# Load


def ensure_wrk(install: bool) -> str | None:
    found = shutil.which("wrk")
    if found or not install or os.geteuid() != 0:
        return found
    print("Installing wrk (apt-get) ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"]):
        subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
        if shutil.which("wrk"):
            break
    else:
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env=env,
            capture_output=True,
            timeout=300,
            check=False,
        )
    return shutil.which("wrk")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(wrk: str, port: int, path: str, concurrency: int, seconds: int, cookie: str):
    cmd = [
        wrk,
        f"-t{min(2, concurrency)}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Host: {HOST}",
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    p50 = _ms(p50.group(1)) if p50 else math.nan  # nan: no request finished in time
    p99 = _ms(p99.group(1)) if p99 else math.nan
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Result(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors, requests=total)


def run_python_load(port, concurrency, seconds, make_request):
    """A bounded load generator: `concurrency` keep-alive connections until the deadline.

    make_request(thread, n) returns (method, path, body, headers, tag); each
    answer is recorded as (tag, status, latency). Requests in flight at the
    deadline finish; no new one starts.
    """
    deadline = time.monotonic() + seconds
    records: list[list] = [[] for _ in range(concurrency)]

    def worker(t):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        n = 0
        while time.monotonic() < deadline:
            method, path, body, headers, tag = make_request(t, n)
            n += 1
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers={"Host": HOST, **headers})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            records[t].append((tag, status, time.perf_counter() - start))
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    flat = [r for rs in records for r in rs]
    latencies = sorted(r[2] * 1000 for r in flat) or [0.0]
    ok = sum(1 for r in flat if 200 <= r[1] < 400)
    result = Result(
        rps=ok / elapsed,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors=len(flat) - ok,
        requests=len(flat),
    )
    return result, flat


def join_form_fields(port: int) -> dict | None:
    """GET the join form once: its CSRF cookie and token, the signed start time, a branch."""
    status, headers, body = fetch(port, "/join/")
    if status != 200:
        return None
    html = body.decode()
    cookie = next(
        (
            v.split(";")[0].split("=", 1)[1]
            for k, v in headers
            if k.lower() == "set-cookie" and v.startswith("csrftoken=")
        ),
        None,
    )

    def value(name):
        m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', html
        )
        return m.group(1) if m else ""

    branch = re.search(r'<option value="(\d+)"', html)
    grade = re.search(r'name="grade".*?<option value="([A-Za-z0-9]+)"', html, re.S)
    fields = {
        "csrfmiddlewaretoken": value("csrfmiddlewaretoken"),
        "started": value("started"),
        "name": "Bench Reader",
        "branch": branch.group(1) if branch else "",
        "branch_not_listed": "" if branch else "Bench branch",
        "grade": grade.group(1) if grade else "AO",
        "is_union_member": "yes",
        "consent_faction": "on",
        "website": "",
    }
    return {"fields": fields, "csrf_cookie": cookie or "", "fetched_at": time.time()}


def post_signups(port, concurrency, seconds, join_form, run_id, path):
    """Distinct valid sign-ups; return the Result and the accounting of what was stored."""
    from members.models import Member

    wait = join_form["fetched_at"] + 3.5 - time.time()  # the form's minimum fill time
    if wait > 0:
        time.sleep(wait)
    counter = iter(range(1, 10**9))
    lock = threading.Lock()

    def make(t, n):
        with lock:
            k = next(counter)
        email = f"bench-{run_id}-{k}@example.org"
        body = urlencode(dict(join_form["fields"], email=email))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={join_form['csrf_cookie']}",
            # A different person each time (bench/settings.py trusts this header).
            "X-Forwarded-For": f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}",
        }
        return "POST", path, body, headers, email

    result, records = run_python_load(port, concurrency, seconds, make)
    accepted = {tag for tag, status, _ in records if status == 302}
    stored = list(
        Member.objects.filter(email__startswith=f"bench-{run_id}-").values_list("email", flat=True)
    )
    stored_set = {e.lower() for e in stored}
    result.rps = len(accepted) / seconds if seconds else 0.0
    return result, {
        "sent": len(records),
        "accepted": len(accepted),
        "stored": len(stored),
        "lost": len(accepted - stored_set),
        "duplicated": len(stored) - len(stored_set),
        "stored_but_not_accepted": len(stored_set - accepted),
        "other_answers": sorted({s for _, s, _ in records if s != 302}),
    }


def check_consistency(env, article_id, workers=1) -> str:
    """Two app servers with the page cache on, one database: an edit shows on both at once."""
    from articles.models import Article

    if not article_id:
        return "consistency: n/a (no article)"
    a = Gunicorn("consistency-a", env, workers)
    b = Gunicorn("consistency-b", env, workers)
    try:
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        article = Article.objects.get(pk=article_id)
        path, title = article.get_absolute_url(), article.title
        for server in (a, b):
            for _ in range(2):
                fetch(server.port, path)  # now a cached hit on both
        marker = f"Bench edit {secrets.token_hex(4)}"
        article.title = marker
        article.save()  # as an organiser's save on a third app server
        seen = [marker.encode() in fetch(s.port, path)[2] for s in (a, b)]
        article.title = title
        article.save()
        back = [marker.encode() not in fetch(s.port, path)[2] for s in (a, b)]
        ok = all(seen) and all(back)
        shown = "showed" if all(seen) else "DID NOT SHOW"
        undone = "too" if all(back) else "DID NOT"
        return (
            f"consistency: two gunicorns, one database: an edit {shown} on both at once,"
            f" and its undo {undone} -> {'OK' if ok else 'FAILED'}"
        )
    finally:
        a.stop()
        b.stop()


# ---------------------------------------------------------------------------
# Output


def fmt_result(result: Result | None) -> str:
    if result is None:
        return ""
    if not result.requests:
        return f"{'none finished in time':>24}"
    err = f" !{result.errors}" if result.errors else ""
    return f"{result.rps:8.0f} {result.p50_ms:7.1f} {result.p99_ms:7.1f}{err}"


def print_table(rows, concurrencies, ceiling: Row, peak, out=print):
    head = f"{'row':42} {'SQL':>4} " + " ".join(
        f"{f'c={c}: rps':>8} {'p50 ms':>7} {'p99 ms':>7}" for c in concurrencies
    )
    ref = ceiling.results.get(16) or next(iter(ceiling.results.values()), None)
    out(head + f" {'ratio':>6}")
    out("-" * (len(head) + 7))
    for row in rows:
        if row.note:
            out(f"{row.name:42} {row.note}")
            continue
        queries = "" if row.queries is None else str(row.queries)
        cells = " ".join(fmt_result(row.results.get(c)).ljust(24) for c in concurrencies)
        mine = row.results.get(16) or next(iter(row.results.values()), None)
        ratio = f"{mine.rps / ref.rps:6.2f}" if row.public and ref and mine and ref.rps else ""
        out(f"{row.name:42} {queries:>4} {cells} {ratio}")
    out("")
    out("ratio: requests per second at concurrency 16 divided by the static ceiling's.")
    out("!N after a cell: N answers that were not 2xx/3xx, or socket errors.")
    for name, pids in peak.items():
        values = ", ".join(f"{rss / 2**20:.0f} MB" for rss in pids.values()) or "n/a"
        out(f"peak RSS per worker ({name}): {values}")


def check_targets(rows, ceiling: Row, peak, join_stats, out=print) -> None:
    ref = ceiling.results.get(16)
    out("")
    out("Targets (issue #9):")
    if not ref:
        out("  (no concurrency-16 ceiling measured: targets need the full run)")
        return

    def line(ok, text):
        out(f"  [{'met ' if ok else 'MISS'}] {text}")

    for row in rows:
        r = row.results.get(16)
        if row.note or r is None:
            continue
        ratio = r.rps / ref.rps if ref.rps else 0
        if row.target == "cached":
            p99 = r.p99_ms / ref.p99_ms if ref.p99_ms else 0
            line(
                ratio >= 0.5 and p99 < 4,
                f"{row.name}: {ratio:.2f} of the ceiling (>= 0.5), "
                f"p99 {p99:.1f}x the ceiling's (< 4)",
            )
        elif row.target in ("cold", "search"):
            line(ratio >= 0.1, f"{row.name}: {ratio:.2f} of the ceiling (>= 0.1)")
        elif row.target == "organiser":
            alone = row.results.get(1) or r  # one organiser at a time is the usual case
            line(
                row.queries is not None and row.queries < 10,
                f"{row.name}: {row.queries} SQL queries (< 10), p50 {alone.p50_ms:.1f} ms "
                f"at concurrency {1 if 1 in row.results else 16}",
            )
    if join_stats:
        line(
            join_stats["lost"] == 0 and join_stats["duplicated"] == 0,
            "join POST: {accepted} accepted, {lost} lost, {duplicated} duplicated".format(
                **join_stats
            ),
        )
    worst = max((rss for pids in peak.values() for rss in pids.values()), default=0)
    line(worst < 150 * 2**20, f"peak RSS per worker {worst / 2**20:.0f} MB (< 150 MB)")


# ---------------------------------------------------------------------------
# Main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="demo data, one second per row")
    parser.add_argument("--fresh", action="store_true", help="rebuild the bench database")
    parser.add_argument("--seconds", type=int, help="seconds per row and concurrency")
    parser.add_argument("--concurrency", help="comma-separated, e.g. 1,16,64")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 2; 1 with --quick)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    parser.add_argument(
        "--rows", help="only the rows whose names contain one of these, e.g. 'tag,feed'"
    )
    args = parser.parse_args(argv)
    # A TERM (a test's timeout, a CI cancel) unwinds through the finally blocks
    # below, so the gunicorns started here are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    quick = args.quick
    seconds = args.seconds or (1 if quick else 5)
    concurrencies = (
        [int(c) for c in args.concurrency.split(",")]
        if args.concurrency
        else ([16] if quick else [1, 16, 64])
    )
    workers = args.workers or (1 if quick else 2)
    started = time.monotonic()

    def say(text):
        print(f"[{time.monotonic() - started:6.1f}s] {text}", flush=True)

    load_before = os.getloadavg()[0]
    database_url = prepare_database(quick=quick, fresh=args.fresh)
    env = server_env(database_url, secrets.token_urlsafe(50))
    os.environ.update(env)
    os.chdir(ROOT)
    import django

    django.setup()
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

    # Pages render {% static %} through the manifest: collect before any is built.
    call_command("collectstatic", interactive=False, verbosity=0)
    rows, info = discover_rows(quick)
    cookie = organiser_session()
    for row in rows:
        if not row.public and row.target == "organiser":
            row.cookie = cookie
    say(f"pages: {json.dumps(info)}")
    article_row = next(r for r in rows if r.name == "article page")
    size_bytes = write_ceiling_file(article_row.path)
    if args.rows:
        wanted = [w.strip().lower() for w in args.rows.split(",") if w.strip()]
        rows = [rows[0]] + [r for r in rows[1:] if any(w in r.name.lower() for w in wanted)]
    say(f"ceiling file: {size_bytes} bytes (the article page's); static files collected")

    explain = explain_search(rows)
    wrk = None if args.no_wrk else ensure_wrk(install=not quick)
    say(f"load generator: {wrk or 'Python (wrk not available)'}")
    servers = {
        "cached": Gunicorn("cached", env, workers),
        "cold": Gunicorn("cold", dict(env, PAGE_CACHE_ENABLED="false"), workers),
    }
    sampler = RssSampler(list(servers.values()))
    join_stats = None
    consistency = ""
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
        say(f"gunicorn up: {', '.join(f'{n} on {HOST}:{s.port}' for n, s in servers.items())}")
        join_form = join_form_fields(servers["cached"].port)
        count_queries(rows, join_form)
        say("SQL queries per request counted in-process")
        sampler.start()
        run_id = secrets.token_hex(4)
        for row in rows:
            server = servers[row.server]
            if not row.path:
                row.note = "n/a (no such page yet)"
                continue
            headers = {"Cookie": row.cookie} if row.cookie else {}
            if "POST" in row.name:
                if not join_form:
                    row.note = "n/a (no join form)"
                    continue
                for c in concurrencies:
                    server.drain()
                    result, stats = post_signups(
                        server.port, c, seconds, join_form, f"{run_id}-{c}", row.path
                    )
                    row.results[c] = result
                    join_stats = {
                        k: (join_stats or {}).get(k, 0) + v
                        for k, v in stats.items()
                        if isinstance(v, int)
                    } | {"other_answers": stats["other_answers"]}
                say(f"{row.name}: {join_stats}")
                continue
            try:
                server.drain()
                status, _, _ = fetch(server.port, row.path, headers=headers, timeout=120)
            except (OSError, http.client.HTTPException) as exc:
                row.note = f"n/a (no answer: {exc.__class__.__name__})"
                continue
            if status != 200:
                row.note = f"n/a ({status})"
                continue
            for c in concurrencies:
                server.drain()  # requests left queued by the last cell are not this one's
                if wrk:
                    row.results[c] = run_wrk(wrk, server.port, row.path, c, seconds, row.cookie)
                else:
                    row.results[c], _ = run_python_load(
                        server.port,
                        c,
                        seconds,
                        lambda t, n, p=row.path, h=headers: ("GET", p, None, h, None),
                    )
            say(f"{row.name}: " + ", ".join(fmt_result(r) for r in row.results.values()))
        sampler.stopped.set()
        for server in servers.values():
            server.sample_rss()
        after = {n: {w.pid: w.memory_info().rss for w in s.workers()} for n, s in servers.items()}
        if not quick:
            consistency = check_consistency(env, info.get("article"))
    finally:
        sampler.stopped.set()
        for server in servers.values():
            server.stop()

    ceiling = rows[0]
    peak = {n: s.peak_rss for n, s in servers.items()}
    print()
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"Rank and File bench ({'quick' if quick else 'full'}): load_demo --size {size}, "
        f"gunicorn {workers} sync workers x2 (page cache on / off), DEBUG off, "
        f"{seconds} s per cell, load by {Path(wrk).name if wrk else 'Python'}, cache {backend}"
    )
    print(
        f"machine: {os.cpu_count()} cores; load average at the start {load_before:.1f}, "
        f"at the end {os.getloadavg()[0]:.1f} (other work on the machine skews every figure; "
        "the ratios to the ceiling, measured side by side, hold better)"
    )
    print()
    print_table(rows, concurrencies, ceiling, peak)
    print(
        "RSS per worker after the run: "
        + "; ".join(
            f"{n}: " + ", ".join(f"{v / 2**20:.0f} MB" for v in d.values())
            for n, d in after.items()
        )
    )
    if join_stats:
        print(f"join POST accounting: {join_stats}")
    if consistency:
        print(consistency)
    print()
    print("EXPLAIN of the search queries:")
    print(explain)
    check_targets(rows, ceiling, peak, join_stats)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "rows": [
                        {
                            "name": r.name,
                            "path": r.path,
                            "queries": r.queries,
                            "status": r.status,
                            "note": r.note,
                            "results": {str(c): vars(res) for c, res in r.results.items()},
                        }
                        for r in rows
                    ],
                    "join": join_stats,
                    "peak_rss": {n: list(p.values()) for n, p in peak.items()},
                    "explain": explain,
                    "info": info,
                },
                indent=2,
            )
        )
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
