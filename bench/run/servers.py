"""The gunicorns the bench starts on 127.0.0.1, stopped by their PIDs; two servers, one edit."""

import contextlib
import http.client
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.run import HOST, ROOT

PYTHON = sys.executable
LOG_DIR = Path(tempfile.gettempdir()) / "rankandfile-bench"  # gunicorn's own logs


class Server:
    """What the load and the memory sampler need of a server: its port, its workers, a drain.

    ``Gunicorn`` below, and the peers' servers (``bench/peers``), are ones.
    """

    name: str
    port: int

    def __init__(self):
        self.peak_rss: dict[int, int] = {}

    def master_pid(self) -> int | None:
        """The process whose children serve the requests."""
        raise NotImplementedError

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

        pid = self.master_pid()
        if pid is None:
            return []
        try:
            return psutil.Process(pid).children()
        except psutil.Error:
            return []

    def sample_rss(self) -> None:
        import psutil

        for worker in self.workers():
            with contextlib.suppress(psutil.Error):
                rss = worker.memory_info().rss
                self.peak_rss[worker.pid] = max(self.peak_rss.get(worker.pid, 0), rss)


class Gunicorn(Server):
    """One gunicorn master on 127.0.0.1, stopped by its PID."""

    def __init__(self, name: str, env: dict, workers: int):
        super().__init__()
        self.name = name
        self.port = free_port()
        self.env = dict(env, GUNICORN_BIND=f"{HOST}:{self.port}", WEB_CONCURRENCY=str(workers))
        self.proc: subprocess.Popen | None = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"gunicorn-{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115

    def master_pid(self) -> int | None:
        return self.proc.pid if self.proc else None

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
                raise RuntimeError(f"gunicorn {self.name} exited; see {self.log_path}")
            with contextlib.suppress(OSError):
                status, _, _ = fetch(self.port, "/healthz")
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer /healthz in {timeout} s")

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


def free_port() -> int:
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


def check_consistency(env, article_id, workers=1) -> str:
    """Two app servers with the page cache on, one database: an edit shows on both at once."""
    from articles.models import Article
    from articles.services import article_save

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
        article_save(article=article)  # as an organiser's save on a third app server
        seen = [marker.encode() in fetch(s.port, path)[2] for s in (a, b)]
        article.title = title
        article_save(article=article)
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
