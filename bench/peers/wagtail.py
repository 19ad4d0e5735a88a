"""A stock Wagtail blog: the tutorial's site, on PostgreSQL, under gunicorn (sync workers).

Everything lives in ``.bench/peers/wagtail/`` (git-ignored): ``venv/`` (Wagtail
from PyPI, with the Django, gunicorn and psycopg versions this project runs)
and ``site/`` (``wagtail start bench_blog``, then the tutorial's home page and
blog app from ``wagtail_site/`` here, and the settings the bench gives it).
Its database is ``<bench database>_wagtail`` on the bench's PostgreSQL server.
"""

import json
import shutil
import signal
import sys
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from bench.peers.servers import Peer, PeerError, Process, clean_env, run_step
from bench.run import HOST
from bench.run.database import with_dbname

WAGTAIL = "wagtail==8.0.1"
SITE_FILES = Path(__file__).resolve().parent / "wagtail_site"  # laid over the started site


class WagtailPeer(Peer):
    name = "Wagtail"
    key = "wagtail"

    def __init__(self, *, workers: int, folder: Path, database_url: str, secret_key: str):
        super().__init__(workers=workers, folder=folder)
        self.venv = folder / "venv"
        self.site = folder / "site"
        self.python = self.venv / "bin" / "python"
        bench_name = urlsplit(database_url).path.lstrip("/")
        self.database_url = with_dbname(database_url, f"{bench_name}_wagtail")
        self.env = clean_env(
            DJANGO_SETTINGS_MODULE="bench_blog.settings.production",
            BENCH_WAGTAIL_SECRET_KEY=secret_key,
            BENCH_WAGTAIL_DATABASE=json.dumps(self.database_settings()),
        )

    def master_pid(self) -> int | None:
        gunicorn = self.processes[0] if self.processes else None
        return gunicorn.proc.pid if gunicorn and gunicorn.proc else None

    def database_settings(self) -> dict:
        import environ

        settings = environ.Env.db_url_config(self.database_url)
        # As this project's servers run (CONN_MAX_AGE in bench/run/database.py):
        # a connection kept, not one opened for every request.
        settings.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True)
        return settings

    def set_up(self, articles: Path, list_position: int, say) -> dict:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.install(say)
        self.make_site(say)
        self.create_database()
        say("Wagtail: migrate and load the articles (a minute the first time, then a check)")
        run_step(
            [self.python, "manage.py", "makemigrations", "home", "blog"],
            env=self.env,
            cwd=self.site,
        )
        out = run_step(
            [self.python, "manage.py", "bench_load", articles, f"--list-position={list_position}"],
            env=self.env,
            cwd=self.site,
        )
        paths = json.loads(out.strip().splitlines()[-1])
        paths["list_page"] = int(paths["list"].rsplit("=", 1)[1])
        self.processes = [
            Process(
                "Wagtail gunicorn",
                [
                    self.python,
                    "-m",
                    "gunicorn",
                    "bench_blog.wsgi:application",
                    f"--workers={self.workers_count}",
                    f"--bind={HOST}:{self.port}",
                    "--no-control-socket",
                ],
                env=self.env,
                cwd=self.site,
                log_path=self.log("gunicorn"),
                stop_signal=signal.SIGQUIT,  # gunicorn's quick shutdown, as for ours
            )
        ]
        return paths

    def requirements(self) -> list[str]:
        """Wagtail, and the same Django, gunicorn and psycopg as this project runs."""
        same = [f"{name}=={version(name)}" for name in ("django", "gunicorn")]
        return [WAGTAIL, *same, f"psycopg[binary]=={version('psycopg')}"]

    def install(self, say) -> None:
        stamp = self.venv / "bench-requirements.txt"
        wanted = "\n".join(self.requirements())
        if stamp.exists() and stamp.read_text() == wanted:
            return
        say(f"Wagtail: installing {', '.join(self.requirements())} into {self.venv} (pip)")
        if not self.python.exists():
            run_step([sys.executable, "-m", "venv", self.venv], env=clean_env())
        run_step(
            [
                self.python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *wanted.split(),
            ],
            env=clean_env(),
        )
        stamp.write_text(wanted)

    def make_site(self, say) -> None:
        """`wagtail start`, then the tutorial's home page and blog app, and the bench's settings."""
        if not (self.site / "manage.py").exists():
            say("Wagtail: wagtail start bench_blog")
            self.site.mkdir(parents=True, exist_ok=True)
            run_step(
                [self.venv / "bin" / "wagtail", "start", "bench_blog", self.site], env=clean_env()
            )
        shutil.copytree(
            SITE_FILES, self.site, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
        base = self.site / "bench_blog" / "settings" / "base.py"
        text = base.read_text()
        if '"blog",' not in text:  # the tutorial's "Add the new blog app to INSTALLED_APPS"
            base.write_text(
                text.replace("INSTALLED_APPS = [\n", 'INSTALLED_APPS = [\n    "blog",\n', 1)
            )

    def create_database(self) -> None:
        import psycopg

        name = urlsplit(self.database_url).path.lstrip("/")
        try:
            with psycopg.connect(
                with_dbname(self.database_url, "postgres"), autocommit=True
            ) as conn:
                if not conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone():
                    conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as exc:
            raise PeerError(f"cannot create the database {name}: {exc}") from exc
