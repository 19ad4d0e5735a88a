"""The image and the package: what the Dockerfile builds, and that the wheel serves pages.

Docker cannot run on the machines this suite runs on, so the Dockerfile is
checked as text for what matters (multi-stage, no dev dependencies, the
PostgreSQL client of the compose server's major version, a health check, a
non-root user), and the packaging it relies on is run for real: `uv build`
makes a wheel with the six packages, the templates and the static files, and a
production process set up from the installed wheel never imports pgserver.
"""

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".uv" / "bin" / "uv"
PACKAGES = ["config", "core", "members", "articles", "campaign", "ballots"]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck():
    text = dockerfile()
    stages = re.findall(r"(?m)^FROM\s+\S+\s+AS\s+(\w+)", text)
    assert stages == ["build", "runtime"]
    runtime = text.split("AS runtime", 1)[1]
    assert re.search(r"(?m)^USER app$", runtime)
    assert "useradd --system" in runtime
    assert re.search(r"(?m)^HEALTHCHECK .*\n.*/healthz", runtime)
    # Only the virtualenv crosses from the build stage: no uv, no sources, no tests.
    assert re.findall(r"COPY --from=(\w+) (\S+)", runtime) == [("build", "/opt/venv")]
    assert "uv sync --frozen --no-dev" in text


def test_the_image_postgresql_client_matches_the_compose_server():
    text = dockerfile()
    client_major = re.search(r"ARG POSTGRES_MAJOR=(\d+)", text).group(1)
    base = re.search(r"ARG PYTHON_IMAGE=(\S+)", text).group(1)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    server_major = compose["services"]["db"]["image"].split(":")[1].split("-")[0].split(".")[0]
    assert client_major == server_major
    assert "postgresql-client-${POSTGRES_MAJOR}" in text
    # Debian's own client package of that major version: trixie ships PostgreSQL 17.
    debian_postgres = {"bookworm": "15", "trixie": "17"}
    release = base.rsplit("-", 1)[1]
    assert debian_postgres[release] == client_major
    assert "PG_BIN_DIR=/usr/lib/postgresql/${POSTGRES_MAJOR}/bin" in text


def test_pgserver_is_a_dev_dependency_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = " ".join(project["project"]["dependencies"])
    assert "pgserver" not in runtime
    assert any(d.startswith("pgserver") for d in project["dependency-groups"]["dev"])
    assert project["build-system"]["build-backend"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not UV.exists():
        pytest.skip("uv is installed by `make` into .uv/")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [str(UV), "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    (found,) = out.glob("*.whl")
    return found


@pytest.mark.slow
def test_the_wheel_holds_the_packages_templates_and_static_files(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {*PACKAGES, "templates", "static"}
    assert "templates/base.html" in names
    assert "static/css/site.css" in names
    assert any(n.startswith("articles/migrations/0001_") for n in names)
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


@pytest.mark.slow
def test_the_installed_wheel_serves_pages_without_pgserver(wheel, tmp_path):
    """Installed alone (no checkout beside it), it finds its templates and static
    files, passes check --deploy, and a production process never imports pgserver."""
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)],
        check=True,
        timeout=120,
        env=env,
    )
    # The locked runtime dependencies (no dev group), then the wheel.
    requirements = tmp_path / "requirements.txt"
    subprocess.run(
        [str(UV), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project",
         "--output-file", str(requirements)],
        check=True, cwd=ROOT, timeout=120, env=env, capture_output=True,
    )  # fmt: skip
    assert "pgserver" not in requirements.read_text()
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         "-r", str(requirements), str(wheel)],
        check=True, timeout=300, env=env,
    )  # fmt: skip
    script = """
import sys
import django
django.setup()
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.template.loader import get_template
from core import backup
assert "site-packages" in str(settings.BASE_DIR), settings.BASE_DIR
get_template("base.html")
assert finders.find("css/site.css")
call_command("check", "--deploy", "--fail-level", "WARNING")
assert backup._bundled_bin_dir() is None
assert "pgserver" not in sys.modules, "production imported pgserver"
print("ok")
"""
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": "a-long-random-string-for-this-test-only-0123456789abcdef",
            "ALLOWED_HOSTS": "rankandfile.example",
            "DATABASE_URL": "postgres://app@db.invalid:5432/app",
            "EMAIL_URL": "smtp+tls://u:p@smtp.example:587",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    assert not (venv / "lib" / "python3.11" / "site-packages" / "pgserver").exists()
