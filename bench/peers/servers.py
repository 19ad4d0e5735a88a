"""What every peer is made of: set-up steps, server processes stopped by their PIDs, its rows."""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from bench.run import HOST
from bench.run.pages import Row
from bench.run.servers import Server, fetch, free_port


class PeerError(Exception):
    """A peer could not be installed, loaded or started; the message says what to do."""


def clean_env(**extra) -> dict:
    """An environment without the bench's own settings (DJANGO_SETTINGS_MODULE, PYTHONPATH...)."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ"}
    env = {k: v for k, v in os.environ.items() if k in keep or k.startswith("PIP_")}
    env.update(extra)
    return env


def run_step(cmd, *, env, cwd=None, timeout=900) -> str:
    """Run one set-up command to the end; return its output, or raise PeerError with its tail."""
    try:
        done = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerError(f"{Path(str(cmd[0])).name}: {exc}") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        last = output.splitlines()[-1] if output else ""
        command = " ".join(Path(str(c)).name for c in cmd[:3])
        raise PeerError(f"{command} exited {done.returncode}: {last}\n{output[-1500:]}")
    return done.stdout


class Process:
    """One server process a peer starts (gunicorn, php-fpm, nginx), stopped by its PID."""

    def __init__(self, name, cmd, *, env, log_path: Path, cwd=None, stop_signal=signal.SIGTERM):
        self.name = name
        self.cmd = [str(c) for c in cmd]
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.stop_signal = stop_signal
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "w") as log:  # this run's
            self.proc = subprocess.Popen(
                self.cmd, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def exited(self) -> bool:
        return self.proc is None or self.proc.poll() is not None

    def stop(self) -> None:
        if self.exited():
            return
        self.proc.send_signal(self.stop_signal)  # the master stops its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            import psutil

            try:
                children = psutil.Process(self.proc.pid).children(recursive=True)
            except psutil.Error:
                children = []
            for child in children:
                with contextlib.suppress(psutil.Error):
                    child.kill()
            self.proc.kill()
            self.proc.wait(timeout=5)


class Peer(Server):
    """Another server with the same articles: set up once, started, loaded like ours.

    A subclass sets itself up (installs, configures, loads the articles: every
    step does nothing when already done) and returns the paths of its home,
    article and list pages; its processes are started after that.
    """

    name = ""  # as the table shows it
    key = ""  # its name among the bench's servers

    def __init__(self, *, workers: int, folder: Path):
        super().__init__()
        self.workers_count = workers
        self.folder = folder
        self.port = free_port()
        self.processes: list[Process] = []
        self.rows: list[Row] = []

    def set_up(self, articles: Path, list_position: int, say) -> dict:
        """Install and load (once); return {"home", "article", "list": path, "list_page": n}."""
        raise NotImplementedError

    def make_rows(self, paths: dict | None, note: str = "") -> list[Row]:
        paths = paths or {}
        pages = [
            ("home", "home"),
            ("article", "article"),
            ("list", f"list page {paths.get('list_page', '')}".strip()),
        ]
        self.rows = [
            Row(
                f"{self.name} {label}",
                paths.get(kind),
                server=self.key,
                kind=kind,
                peer=self.name,
                note=note,
            )
            for kind, label in pages
        ]
        return self.rows

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start(self) -> None:
        for process in self.processes:
            process.start()

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait for the home page; a peer that does not answer is noted in its rows, not raised."""
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            if dead := [p for p in self.processes if p.exited()]:
                self.fail(f"{dead[0].name} exited; see {dead[0].log_path}")
                return
            with contextlib.suppress(OSError):
                status, _, _ = fetch(self.port, "/", timeout=30)
                if status == 200:
                    return
            time.sleep(0.3)
        self.fail(f"no 200 from http://{HOST}:{self.port}/ in {timeout:.0f} s (last: {status})")

    def fail(self, reason: str) -> None:
        for row in self.rows:
            row.note = f"n/a ({reason})"

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
