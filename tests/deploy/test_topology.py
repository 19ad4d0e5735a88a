"""The production topology, run natively and broken under load.

What docker-compose.yml runs, started from the same file (tests/deploy/compose.py):
Debian's caddy with deploy/Caddyfile over HTTPS (its internal CA, trusted by
the client here), two gunicorn app servers with the production settings and
gunicorn.conf.py, the task worker, a one-shot migrate, and a PostgreSQL server
of this test's own (pgserver, in a temporary folder: restarting it harms no one
else's). Mail goes to a local SMTP server that records every message.

Through https://localhost:<port>/ on the proxy:
- a reader's journey, a sign-up with its confirmation email and confirm, an
  organiser's login with two-factor;
- one app server killed (SIGKILL) during a bounded load: no GET fails, no
  sign-up lost or doubled;
- PostgreSQL restarted under load: 503s meanwhile, never a 500, and the app
  recovers by itself (the seconds it takes are printed);
- the worker killed while it sends: every email goes exactly once (and every
  sign-up of the whole run got its email; the database restart can send one
  twice, see test_every_sign_up_got_its_email_once);
- spoofed X-Forwarded-For, through the proxy and straight to an app server,
  does not reset the join rate limit;
- a backup restored into a fresh database: every table's row count equal and
  the same article served from it;
- no token of a personal link in any log line; each line JSON with time,
  level, logger and request id.

Marked `topology` (`pytest -m "not topology"` leaves it out). Needs Debian's
caddy (scripts/test.sh installs it); skipped without it, except under CI=true.
Bounded: every load loop stops after its seconds and its count; all traffic
stays on 127.0.0.0/8.
"""

import asyncio
import contextlib
import email
import email.policy
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from tests.deploy import compose

pytestmark = [pytest.mark.topology, pytest.mark.slow]

ROOT = compose.ROOT
JOIN_LIMIT = 5  # RATELIMIT_JOIN per hour, per client address
FIGURES: dict[str, object] = {}
CUT_GETS: list = []  # GETs whose connection broke in the last load (retried once)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _caddy() -> str:
    found = shutil.which("caddy")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("caddy is needed for the topology test (scripts/test.sh installs it)")
    pytest.skip("no caddy on this machine (apt-get install caddy; scripts/test.sh does it)")


# --- the pieces -------------------------------------------------------------------


class MailSink:
    """An SMTP server recording each message; it can hold the next one at RCPT."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.hold = threading.Event()  # set: the next RCPT waits for `release`
        self.holding = threading.Event()
        self.release = threading.Event()
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold.is_set():
            self.hold.clear()
            self.holding.set()
            for _ in range(300):  # at most 30 s
                if self.release.is_set():
                    break
                await asyncio.sleep(0.1)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        texts = [
            part.get_content()
            for part in message.walk()
            if part.get_content_maintype() == "text" and not part.is_multipart()
        ]
        with self.lock:
            self.messages.append({"to": list(envelope.rcpt_tos), "body": "\n".join(texts)})
        return "250 Message accepted"

    def to(self, address: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if address in m["to"]]

    def stop(self):
        self.controller.stop()


class Postgres:
    """A private PostgreSQL (pgserver's binaries) in a temporary folder."""

    def __init__(self, folder: Path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

            self.bin = Path(pgserver.__file__).parent / "pginstall" / "bin"
            self.folder = folder
            server = pgserver.get_server(folder, cleanup_mode=None)
        self.base_url = server.get_uri()

    def url(self, name: str) -> str:
        return urlunsplit(urlsplit(self.base_url)._replace(path=f"/{name}"))

    def create(self, name: str) -> str:
        with psycopg.connect(self.base_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def pg_ctl(self, *args: str) -> None:
        cmd = [str(self.bin / "pg_ctl"), "-D", str(self.folder), *args]
        subprocess.run(
            cmd,
            check=True,
            user="pgserver" if os.geteuid() == 0 else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )


class Process:
    """A service started from the compose file's command, in its own process group,
    restarted when it exits as compose's `restart: unless-stopped` does (until
    `stop`)."""

    def __init__(self, name: str, command: list[str], env: dict, logs: Path):
        self.name, self.command, self.env = name, command, env
        self.log_path = logs / f"{name}.log"
        self.proc = None
        self.restarts = 0
        self.supervised = True
        self.lock = threading.Lock()
        self.start()
        threading.Thread(target=self._supervise, daemon=True).start()

    def start(self):
        with self.lock:
            log = self.log_path.open("ab")
            self.proc = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            log.close()

    def _supervise(self):
        while self.supervised:
            time.sleep(0.2)
            if self.supervised and self.proc.poll() is not None:
                time.sleep(1)  # docker's first restart delay is shorter; a second is plenty
                if self.supervised:
                    self.restarts += 1
                    FIGURES[f"restarts by the restart policy: {self.name}"] = self.restarts
                    self.start()

    def kill(self, sig=signal.SIGKILL):
        """Kill the whole process group (the restart policy then starts it again)."""
        with self.lock:
            if self.proc and self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=30)

    def stop(self):
        self.supervised = False
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def run(command: list[str], env: dict, timeout=600) -> str:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{command}: {result.stderr[-3000:]}"
    return result.stdout


class Browser:
    """One person's HTTPS client: cookies, CSRF, a source address of its own."""

    def __init__(self, site, source="127.0.0.1", port=None, tls=True):
        self.site, self.source = site, source
        self.port = port or site.https_port
        self.tls = tls
        self.cookies: dict[str, str] = {}
        self.conn = None

    def _connect(self):
        if self.tls:
            return http.client.HTTPSConnection(
                "localhost",
                self.port,
                context=self.site.ssl_context,
                timeout=30,
                source_address=(self.source, 0),
            )
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
        )

    def request(self, method, path, data=None, headers=None, *, keep_alive=True):
        headers = dict(headers or {})
        origin = f"https://localhost:{self.site.https_port}"
        if not self.tls:
            headers.setdefault("Host", f"localhost:{self.site.https_port}")
            headers.setdefault("X-Forwarded-Proto", "https")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers.setdefault("Referer", origin + path)
        try:
            self.conn = (self.conn if keep_alive else None) or self._connect()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, {}, ""
        if not keep_alive or response.will_close:
            self.close()
        for k, v in response.getheaders():
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                self.cookies[name] = value
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            content.decode(errors="replace"),
        )

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def join_fields(page: str) -> dict:
    def value(name):
        return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)

    branch = re.search(r'<option value="(\d+)"', page)
    return {
        "csrfmiddlewaretoken": value("csrfmiddlewaretoken"),
        "started": value("started"),
        "name": "Topology Tester",
        "branch": branch.group(1) if branch else "",
        "branch_not_listed": "" if branch else "Topology branch",
        "grade": "AO",
        "is_union_member": "yes",
        "consent_faction": "on",
        "website": "",
    }


class Site:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.processes: list[Process] = []
        self.mail = MailSink()
        self.db = Postgres(tmp / "pgdata")
        self.database_url = self.db.create("topology")
        self.https_port, self.http_port, self.admin_port = (_free_port() for _ in range(3))
        self.app_ports = [_free_port(), _free_port()]
        self.organiser_password = "topology-" + secrets.token_urlsafe(12)
        spec = compose.load()
        self.env = {
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "LANG", "HOME"))},
            **compose.app_environment(
                {
                    "DOMAIN": "localhost",
                    "DATABASE_URL": self.database_url,
                    # The proxy reaches the app servers from 127.0.0.1 here; the
                    # compose network there.
                    "TRUSTED_PROXIES": "127.0.0.1/32",
                    "MEDIA_ROOT": str(tmp / "media"),
                },
                spec,
            ),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "EMAIL_URL": f"smtp://127.0.0.1:{self.mail.port}",
            "DEFAULT_FROM_EMAIL": "Rank and File <noreply@localhost>",
            "BACKUP_DIR": str(tmp / "backups"),
            "RATELIMIT_JOIN": f"{JOIN_LIMIT}/h",
            "WEB_CONCURRENCY": "2",
            "CONN_MAX_AGE": "60",
            "EMBEDDED_DATABASE": "false",
            # The image sets PG_BIN_DIR to the client of the compose server's
            # major version; here, the binaries of the server this test runs.
            "PG_BIN_DIR": str(self.db.bin),
        }
        self.env.pop("TEST_DATABASE_NAME", None)
        self.spec = spec

    # Starting -----------------------------------------------------------------

    def start(self):
        run(compose.service_command("migrate", self.spec), self.env)
        run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], self.env)
        run([sys.executable, "manage.py", "load_demo"], self.env)
        run(
            [sys.executable, "manage.py", "createsuperuser", "--noinput",
             "--username", "organiser", "--email", "organiser@localhost"],
            {**self.env, "DJANGO_SUPERUSER_PASSWORD": self.organiser_password},
        )  # fmt: skip
        out = run([sys.executable, "manage.py", "otp_device", "organiser"], self.env)
        self.totp_key = re.search(r"Key for organiser: ([A-Z2-7=]+)", out).group(1)
        self.web = [self._web(i) for i in range(2)]
        self.worker = self._worker()
        self.caddy = Process(
            "caddy",
            [_caddy(), "run", "--config", str(compose.CADDYFILE), "--adapter", "caddyfile"],
            {
                "PATH": os.environ["PATH"],
                "HOME": str(self.tmp),
                "XDG_DATA_HOME": str(self.tmp / "caddy-data"),
                "XDG_CONFIG_HOME": str(self.tmp / "caddy-config"),
                "DOMAIN": "localhost",
                "HTTPS_PORT": str(self.https_port),
                "HTTP_PORT": str(self.http_port),
                "CADDY_ADMIN": f"127.0.0.1:{self.admin_port}",
                "APP_UPSTREAMS": " ".join(f"127.0.0.1:{p}" for p in self.app_ports),
            },
            self.logs,
        )
        self.processes.append(self.caddy)
        for i in range(2):
            self.wait_app(i)
        root = self.tmp / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        deadline = time.monotonic() + 60
        while not root.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.ssl_context = ssl.create_default_context(cafile=str(root))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Browser(self).request("GET", "/healthz", keep_alive=False)[0] == 200:
                return
            time.sleep(0.3)
        raise AssertionError("the proxy did not answer over HTTPS")

    def _web(self, i: int) -> Process:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.app_ports[i]}"}
        process = Process(f"web{i}", compose.service_command("web", self.spec), env, self.logs)
        self.processes.append(process)
        return process

    def _worker(self) -> Process:
        process = Process(
            "worker", compose.service_command("worker", self.spec), self.env, self.logs
        )
        self.processes.append(process)
        return process

    def wait_app(self, i: int, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.app_ports[i], timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(
            f"app server {i} did not start: {self.web[i].log_path.read_text()[-2000:]}"
        )

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        with contextlib.suppress(Exception):
            self.db.pg_ctl("stop", "-m", "immediate")
        self.mail.stop()

    # Reading the database -------------------------------------------------------

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def stored(self, emails: list[str]) -> dict[str, int]:
        rows = self.query(
            "SELECT lower(email), count(*) FROM members_member WHERE lower(email) = ANY(%s) "
            "GROUP BY 1",
            ([e.lower() for e in emails],),
        )
        return dict(rows)


@pytest.fixture(scope="module")
def site():
    _caddy()
    tmp = Path(tempfile.mkdtemp(prefix="rf-topology-"))
    os.chmod(tmp, 0o755)  # noqa: S103 - the private PostgreSQL runs as its own user
    begun = time.monotonic()
    site = Site(tmp)
    try:
        site.start()
        FIGURES["start-up seconds"] = round(time.monotonic() - begun, 1)
        yield site
    finally:
        site.stop()
        print("\ntopology figures:", json.dumps(FIGURES))
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        (out / "topology-figures.json").write_text(json.dumps(FIGURES, indent=1) + "\n")
        if not os.environ.get("KEEP_TOPOLOGY"):
            shutil.rmtree(tmp, ignore_errors=True)


def new_joiner(site, source: str) -> tuple[Browser, dict]:
    browser = Browser(site, source=source)
    status, _, page = browser.request("GET", "/join/")
    assert status == 200
    return browser, join_fields(page)


def sign_up(browser, fields, email) -> int:
    status, headers, _ = browser.request(
        "POST", "/join/", {**fields, "email": email}, keep_alive=False
    )
    if status == 302:
        assert "/join/" in headers["location"]
    return status


# --- the journeys -------------------------------------------------------------------


def test_a_reader_reads_an_article_over_https(site):
    reader = Browser(site)
    status, headers, home = reader.request("GET", "/")
    assert status == 200
    assert headers["strict-transport-security"].startswith("max-age=")
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-request-id"])  # the proxy's id
    path = re.search(r'href="(/articles/[a-z0-9-]+/)"', home).group(1)
    status, _, article = reader.request("GET", path)
    assert status == 200
    assert "<article" in article
    site.article_path = path
    assert reader.request("GET", "/feed/")[0] == 200
    assert reader.request("GET", "/search/?q=pay")[0] == 200
    assert reader.request("GET", "/static/css/site.css")[0] in {200, 404}
    # Plain HTTP on the proxy redirects to HTTPS.
    conn = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=10)
    conn.request("GET", "/", headers={"Host": "localhost"})
    assert conn.getresponse().status in {301, 302, 308}


def _confirm_link(site, email, timeout=60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in site.mail.to(email):
            found = re.search(r"https?://[^\s]+(/join/confirm/[^\s/]+/)", message["body"])
            if found:
                return found.group(1)
        time.sleep(0.3)
    raise AssertionError(f"no confirmation email for {email}")


def test_a_sign_up_gets_its_email_and_confirms(site):
    browser, fields = new_joiner(site, "127.0.2.1")
    time.sleep(3.2)  # the join form's minimum fill time
    email = f"topology-{secrets.token_hex(4)}@example.org"
    assert sign_up(browser, fields, email) == 302
    link = _confirm_link(site, email)
    site.tokens = {link.split("/")[3]}
    status, headers, page = browser.request("GET", link)
    assert status == 200
    assert headers["referrer-policy"] == "same-origin"  # a POST form: Origin must not be null
    status, headers, _ = browser.request("POST", link, {"csrfmiddlewaretoken": csrf(page)})
    assert status == 302
    assert site.query("SELECT status FROM members_member WHERE email = %s", (email,)) == [
        ("confirmed",)
    ]


def _totp(key: str) -> str:
    import base64

    from django_otp.oath import TOTP

    return f"{TOTP(base64.b32decode(key)).token():06d}"


def test_an_organiser_logs_in_with_two_factor(site):
    organiser = Browser(site, source="127.0.3.1")
    status, _, page = organiser.request("GET", "/admin/login/")
    assert status == 200
    fields = {
        "csrfmiddlewaretoken": csrf(page),
        "username": "organiser",
        "password": site.organiser_password,
        "next": "/admin/",
    }
    wrong = organiser.request("POST", "/admin/login/", {**fields, "otp_token": "000000"})
    assert wrong[0] == 200  # back to the form
    time.sleep(2.1)  # a wrong code makes the next wait a second or two (OTP_TOTP_THROTTLE_FACTOR)
    status, headers, _ = organiser.request(
        "POST",
        "/admin/login/",
        {**fields, "csrfmiddlewaretoken": csrf(wrong[2]), "otp_token": _totp(site.totp_key)},
    )
    assert status == 302, headers
    status, _, admin = organiser.request("GET", "/admin/")
    assert status == 200
    assert "Log out" in admin or "logout" in admin


# --- faults -------------------------------------------------------------------------


def load(site, *, seconds, readers, joiners, paths, run_id, event=None, at=None):
    """Bounded load: readers GET `paths`, joiners sign up (each from its own address).

    A sign-up answered 502 or not at all is sent again once, as a person would.
    Returns (gets [(t, status)], signups {email: final status}, [(t, status)]).
    """
    gets, signups, timeline, lock = [], {}, [], threading.Lock()
    cut = CUT_GETS
    cut.clear()
    forms = []
    for j in range(joiners):
        forms.append(new_joiner(site, f"127.{10 + j}.{secrets.randbelow(250)}.1"))
    time.sleep(3.2)  # the join form's minimum fill time
    begun = time.monotonic()
    deadline = begun + seconds

    def reader(k):
        browser = Browser(site, source=f"127.0.4.{k + 1}")
        n = 0
        while time.monotonic() < deadline and n < 5000:
            path = paths[n % len(paths)].replace("{n}", f"{run_id}{k}x{n}")
            status = browser.request("GET", path)[0]
            if status == 0:
                # The connection broke mid-response (the app server was killed
                # after its headers left): a browser tries an idempotent GET
                # again on a new connection, and so does this reader, once.
                with lock:
                    cut.append((time.monotonic() - begun, path))
                status = browser.request("GET", path)[0]
            with lock:
                gets.append((time.monotonic() - begun, status, path))
            n += 1

    def joiner(j):
        browser, fields = forms[j]
        n = 0
        while time.monotonic() < deadline and n < 400:
            browser.source = f"127.{10 + j}.{n // 250}.{n % 250 + 2}"
            email = f"{run_id}-{j}-{n}@example.org"
            status = sign_up(browser, fields, email)
            with lock:
                timeline.append((time.monotonic() - begun, status))
            if status in {0, 502}:
                time.sleep(0.3)
                status = sign_up(browser, fields, email)
            if status == 503:
                time.sleep(0.2)
            with lock:
                signups[email] = status
            n += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(readers)]
    threads += [threading.Thread(target=joiner, args=(j,)) for j in range(joiners)]
    for t in threads:
        t.start()
    if event is not None:
        time.sleep(max(0, begun + at - time.monotonic()))
        event()
    for t in threads:
        t.join(timeout=seconds + 120)
    load.begun = begun  # the time base of the returned timings
    return gets, signups, timeline


def test_killing_an_app_server_under_load_loses_nothing(site):
    killed = {}

    def kill():
        killed["at"] = time.monotonic()
        site.web[0].kill()

    gets, signups, _ = load(
        site,
        seconds=10,
        readers=3,
        joiners=2,
        paths=["/", site.article_path, "/feed/", "/articles/"],
        run_id=f"failover-{secrets.token_hex(3)}",
        event=kill,
        at=4,
    )
    failed_gets = [g for g in gets if g[1] != 200]
    accepted = [e for e, s in signups.items() if s == 302]
    stored = site.stored(list(signups))
    FIGURES["fail-over GETs"] = len(gets)
    FIGURES["fail-over failed GETs"] = len(failed_gets)
    FIGURES["fail-over GETs cut mid-response, then retried by the client"] = len(CUT_GETS)
    FIGURES["fail-over sign-ups sent"] = len(signups)
    FIGURES["fail-over sign-ups accepted"] = len(accepted)
    FIGURES["fail-over sign-up answers"] = dict(Counter(signups.values()))
    FIGURES["fail-over sign-ups lost"] = len([e for e in accepted if stored.get(e.lower()) != 1])
    FIGURES["fail-over sign-ups doubled"] = len([e for e, c in stored.items() if c > 1])
    assert len(gets) > 50
    assert failed_gets == []
    assert len(CUT_GETS) <= 6  # only what was in flight on the killed server
    assert len(accepted) >= 5
    assert all(stored.get(e.lower()) == 1 for e in accepted)
    assert all(c == 1 for c in stored.values())
    # Sign-ups never answered 302 were not stored either (nothing half-done).
    assert set(stored) <= {e.lower() for e in accepted} | {
        e.lower() for e, s in signups.items() if s in {0, 502}
    }
    # The restart policy has started it again.
    site.wait_app(0)
    assert site.web[0].restarts >= 1


def test_postgresql_restart_under_load_answers_503_then_recovers(site):
    restarted = {}

    def restart():
        restarted["at"] = time.monotonic()
        site.db.pg_ctl("restart", "-m", "fast", "-w")
        restarted["done"] = time.monotonic()

    gets, signups, timeline = load(
        site,
        seconds=12,
        readers=2,
        joiners=2,
        # Searches nobody made before: built from the database each time.
        paths=["/search/?q={n}", "/articles/?page=1&x={n}"],
        run_id=f"dbrestart-{secrets.token_hex(3)}",
        event=restart,
        at=4,
    )
    statuses = [s for _, s, _ in gets] + [s for _, s in timeline]
    assert 500 not in statuses
    assert set(statuses) <= {200, 302, 404, 503}, sorted(set(statuses))
    assert 503 in statuses or restarted["done"] - restarted["at"] < 0.5
    # Recovery: from the restart's start to the first answer that needed the
    # database (a search, a sign-up) after the last 503.
    restart_at = restarted["at"] - load.begun
    needs_db = [(t, s) for t, s, p in gets if p.startswith("/search/")] + timeline
    last_failure = max((t for t, s in needs_db if s == 503), default=restart_at)
    after = [t for t, s in needs_db if s in {200, 302} and t > last_failure]
    assert after, "no successful request after the restart"
    FIGURES["db restart: requests"] = len(statuses)
    FIGURES["db restart: 503s"] = statuses.count(503)
    FIGURES["db restart: 500s"] = statuses.count(500)
    FIGURES["db restart: pg_ctl seconds"] = round(restarted["done"] - restarted["at"], 2)
    FIGURES["db restart: seconds to recover"] = round(min(after) - restart_at, 2)
    first_failure = min((t for t, s in needs_db if s == 503), default=last_failure)
    FIGURES["db restart: seconds of 503s"] = round(last_failure - first_failure, 2)
    accepted = [e for e, s in signups.items() if s == 302]
    stored = site.stored(list(signups))
    FIGURES["db restart: sign-ups accepted"] = len(accepted)
    FIGURES["db restart: sign-ups lost"] = len([e for e in accepted if stored.get(e.lower()) != 1])
    assert all(stored.get(e.lower()) == 1 for e in accepted)
    assert all(c == 1 for c in stored.values())
    # Both app servers answer by themselves, without a restart.
    for port in site.app_ports:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200


def test_killing_the_worker_while_it_sends_sends_each_email_once(site):
    emails = [f"worker-{secrets.token_hex(3)}-{i}@example.org" for i in range(5)]
    site.mail.hold.set()
    browser, fields = new_joiner(site, "127.0.5.1")
    time.sleep(3.2)
    for i, address in enumerate(emails):
        browser.source = f"127.0.5.{i + 2}"
        assert sign_up(browser, fields, address) == 302
    assert site.mail.holding.wait(60), "the worker sent nothing"
    site.worker.kill()  # in the middle of an SMTP conversation; the restart policy restarts it
    site.mail.release.set()
    # The killed worker's task stays RUNNING; the stale-task check (run every few
    # minutes by the worker, after TASK_STALE_AFTER_MINUTES) puts it back. Now:
    run([sys.executable, "manage.py", "recover_tasks", "--minutes", "0"], site.env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not all(site.mail.to(e) for e in emails):
        time.sleep(0.5)
    time.sleep(3)  # would a second copy follow?
    counts = {e: len(site.mail.to(e)) for e in emails}
    FIGURES["worker killed: emails per sign-up"] = sorted(set(counts.values()))
    assert counts == dict.fromkeys(emails, 1)


def test_every_sign_up_got_its_email_once(site):
    """Every sign-up of every scenario above got its confirmation email: none
    missing (a send the database restart broke is retried), and none twice,
    except in one window the database restart can hit.

    send_once (core/task_recovery.py) commits its "sent" marker after the mail
    server accepted the message: a PostgreSQL restart that cuts the worker's
    connection in that moment (between SMTP's "250" and COMMIT) loses the
    marker, and the requeued task sends that message a second time. It is
    measured and reported here (figures: "emails: duplicated"), not hidden.
    """
    rows = site.query("SELECT email FROM members_member WHERE email LIKE '%%-%%@example.org'")
    emails = [e for (e,) in rows]

    def confirmations(address):
        return [m for m in site.mail.to(address) if "/join/confirm/" in m["body"]]

    # A send the database restart broke is retried by the worker's periodic
    # check: a task left RUNNING after TASK_STALE_AFTER_MINUTES, a FAILED one
    # after its backoff (a minute, doubling). This test cannot wait minutes: it
    # runs that check now with both delays at zero, as the clock would.
    run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings; from datetime import timedelta; "
         "from core import task_recovery as r; settings.TASK_RETRY_BACKOFF_SECONDS = 0; "
         "print(r.requeue_stale_tasks(older_than=timedelta(0)), r.retry_failed_tasks())"],
        site.env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all(confirmations(e) for e in emails):
        time.sleep(1)
    time.sleep(2)
    counts = {e: len(confirmations(e)) for e in emails}
    doubled = [e for e, c in counts.items() if c > 1]
    FIGURES["emails: sign-ups"] = len(emails)
    FIGURES["emails: missing"] = len([e for e, c in counts.items() if c == 0])
    FIGURES["emails: duplicated"] = len(doubled)
    FIGURES["emails: duplicated, made during the database restart"] = len(
        [e for e in doubled if e.startswith("dbrestart-")]
    )
    assert [e for e, c in counts.items() if c == 0] == []
    assert [e for e in doubled if not e.startswith("dbrestart-")] == []
    assert all(counts[e] == 2 for e in doubled)
    assert len(doubled) <= 2
    for message in site.mail.messages:
        site.tokens |= set(re.findall(r"/(?:join/confirm|me)/([^\s/]+)/", message["body"]))


def test_a_spoofed_forwarded_address_does_not_reset_the_join_limit(site):
    # Through the proxy: Caddy replaces the client's X-Forwarded-For with the
    # address it saw; the app believes only the proxy's.
    browser, fields = new_joiner(site, "127.0.6.1")
    time.sleep(3.2)
    statuses = []
    for i in range(JOIN_LIMIT + 2):
        status, _, _ = browser.request(
            "POST",
            "/join/",
            {**fields, "email": f"spoof-{secrets.token_hex(3)}-{i}@example.org"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
            keep_alive=False,
        )
        statuses.append(status)
    assert statuses[:JOIN_LIMIT].count(429) == 0
    assert statuses[JOIN_LIMIT:] == [429, 429]
    # Straight to an app server from outside the proxy: the header is ignored.
    direct = Browser(site, source="127.0.6.2", port=site.app_ports[1], tls=False)
    status, _, page = direct.request("GET", "/join/")
    assert status == 200
    fields = join_fields(page)
    time.sleep(3.2)
    statuses = [
        direct.request(
            "POST",
            "/join/",
            {**fields, "email": f"direct-{secrets.token_hex(3)}-{i}@example.org"},
            headers={
                "X-Forwarded-For": f"203.0.113.{i}",
                "Referer": f"https://localhost:{site.https_port}/join/",
            },
            keep_alive=False,
        )[0]
        for i in range(JOIN_LIMIT + 2)
    ]
    assert 429 not in statuses[:JOIN_LIMIT]
    assert statuses[JOIN_LIMIT:] == [429, 429]


def test_a_backup_restores_into_a_fresh_database_identically(site):
    tables = [
        t
        for (t,) in site.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
    ]

    def counts(url):
        with psycopg.connect(url, autocommit=True) as conn:
            return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}

    site.worker.stop()  # nothing writes while we compare
    for web in site.web:
        web.stop()
    out = run([sys.executable, "manage.py", "backup_db", "--rotate"], site.env)
    dump = Path(re.search(r"Backed up to (\S+) ", out).group(1))
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    run(
        [sys.executable, "manage.py", "restore_db", str(dump), "--into", "restored", "--create"],
        site.env,
    )
    restored_url = site.db.url("restored")
    before, after = counts(site.database_url), counts(restored_url)
    assert before == after
    FIGURES["restore: tables compared"] = len(before)
    FIGURES["restore: rows compared"] = sum(before.values())
    # The same article, served by an app server on each database.
    pages = []
    for name, url in (("original", site.database_url), ("restored", restored_url)):
        port = _free_port()
        env = {**site.env, "DATABASE_URL": url, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        server = Process(f"web-{name}", compose.service_command("web", site.spec), env, site.logs)
        site.processes.append(server)
        try:
            site.app_ports.append(port)
            site.web.append(server)
            site.wait_app(len(site.app_ports) - 1)
            direct = Browser(site, port=port, tls=False)
            status, _, page = direct.request("GET", site.article_path)
            assert status == 200
            pages.append(re.search(r"<article.*?</article>", page, re.S).group(0))
        finally:
            server.stop()
    assert pages[0] == pages[1]


def test_no_token_reaches_any_log_line_and_each_line_is_structured(site):
    text = "\n".join(p.read_text(errors="replace") for p in site.logs.glob("*.log"))
    assert site.tokens, "the journeys above collected no tokens"
    for token in site.tokens:
        assert token not in text
    assert "[redacted]" in text  # confirm links were requested and logged, redacted
    bad = []
    for path in site.logs.glob("*.log"):
        if path.name.startswith("caddy"):
            continue
        for line in path.read_text(errors="replace").splitlines():
            if not line.strip():
                continue
            if path.name == "worker.log" and not line.startswith("{"):
                continue  # the scheduling commands' own output ("Queued ...")
            try:
                record = json.loads(line)
            except ValueError:
                bad.append(f"{path.name}: {line[:200]}")
                continue
            if not {"time", "level", "logger", "request_id", "message"} <= set(record):
                bad.append(f"{path.name}: {line[:200]}")
    assert bad == []


def test_the_proxy_error_log_names_no_token(tmp_path):
    """Caddy logs a request its upstream dropped (its uri and headers): with the
    Caddyfile's filter, the token in its address and Referer does not appear."""
    secret = secrets.token_urlsafe(24)
    upstream = socket.socket()
    upstream.bind(("127.0.0.1", 0))
    upstream.listen(8)
    port = upstream.getsockname()[1]

    def broken_server():
        for _ in range(4):
            try:
                conn, _ = upstream.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.close()  # gone before answering: Caddy logs the failed request

    threading.Thread(target=broken_server, daemon=True).start()
    https_port, http_port, admin_port = _free_port(), _free_port(), _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DOMAIN": "localhost",
        "HTTPS_PORT": str(https_port),
        "HTTP_PORT": str(http_port),
        "CADDY_ADMIN": f"127.0.0.1:{admin_port}",
        "APP_UPSTREAMS": f"127.0.0.1:{port}",
    }
    (tmp_path / "logs").mkdir()
    caddy = Process(
        "caddy-broken",
        [_caddy(), "run", "--config", str(compose.CADDYFILE), "--adapter", "caddyfile"],
        env,
        tmp_path / "logs",
    )
    try:
        root = tmp_path / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        deadline = time.monotonic() + 60
        while not root.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        context = ssl.create_default_context(cafile=str(root))
        for path in (f"/me/{secret}/", f"/ballots/report/?token={secret}"):
            for _ in range(50):
                try:
                    conn = http.client.HTTPSConnection(
                        "localhost", https_port, context=context, timeout=10
                    )
                    conn.request(
                        "POST",
                        path,
                        body="a=1",
                        headers={"Referer": f"https://x/join/confirm/{secret}/"},
                    )
                    if conn.getresponse().status == 502:
                        break  # Caddy has logged the request it could not pass on
                except (OSError, http.client.HTTPException):
                    pass
                time.sleep(0.2)
        time.sleep(0.5)
    finally:
        caddy.stop()
        upstream.close()
    log = caddy.log_path.read_text()
    assert "http.log.error" in log
    assert "[redacted]" in log
    assert secret not in log
