"""The topology test's processes: its own PostgreSQL, a mail sink, app servers, the proxy."""

import asyncio
import contextlib
import email
import email.policy
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.deploy import compose

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
            from tests.deploy.client import Browser  # the client module imports this one

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
