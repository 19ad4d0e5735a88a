"""docker-compose.yml: valid by the Compose specification, and works as shipped.

Docker cannot run here; the schema (tests/deploy/compose-spec.json, see
README.md beside it) and the rules below catch what made the old file fail as
shipped. test_topology.py runs the same services natively from this file's
commands and environment (tests/deploy/compose.py).
"""

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.deploy import compose

SCHEMA = json.loads((Path(__file__).with_name("compose-spec.json")).read_text())


@pytest.fixture(scope="module")
def spec() -> dict:
    return compose.load()


def _errors(data) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]


def test_the_compose_file_is_valid_by_the_compose_specification(spec):
    assert _errors(spec) == []


def test_the_schema_does_catch_mistakes(spec):
    """A control: the validator is not vacuous."""
    broken = json.loads(json.dumps(spec))
    broken["services"]["web"]["restart"] = ["always"]
    broken["services"]["web"]["helthcheck"] = {}
    found = " ".join(_errors(broken))
    assert "restart" in found
    assert "helthcheck" in found


def test_only_the_proxy_publishes_ports(spec):
    published = {name: s["ports"] for name, s in spec["services"].items() if "ports" in s}
    assert published == {"proxy": ["80:80", "443:443", "443:443/udp"]}
    assert spec["services"]["web"].get("expose") == ["8000"]


def test_every_service_restarts_and_has_a_health_check(spec):
    for name, service in spec["services"].items():
        assert service.get("restart") in {"unless-stopped", "always", "on-failure:5"}, name
        check = service.get("healthcheck")
        assert check, name
        if name == "migrate":  # one-shot: its exit code is what others wait for
            assert check == {"disable": True}
        else:
            assert check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_web_and_worker_wait_for_one_migration(spec):
    services = spec["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "backup"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "migrate" not in " ".join(services[name]["command"])
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_database_data_and_backups_live_on_volumes(spec):
    assert "pgdata:/var/lib/postgresql/data" in spec["services"]["db"]["volumes"]
    assert "backups:/data/backups" in spec["services"]["backup"]["volumes"]
    assert {"pgdata", "backups", "media", "caddy_data"} <= set(spec["volumes"])
    backup_script = spec["services"]["backup"]["command"][2]
    assert "backup_db --rotate" in backup_script
    assert "sleep 86400" in backup_script


def test_the_app_believes_forwarded_addresses_only_from_its_own_network(spec):
    env = spec["services"]["web"]["environment"]
    subnet = spec["networks"]["internal"]["ipam"]["config"][0]["subnet"]
    assert env["TRUSTED_PROXIES"] == subnet
    assert env["BEHIND_TLS_PROXY"] == "true"
    for name in ("proxy", "web", "worker", "db", "backup", "migrate"):
        assert spec["services"][name]["networks"] == ["internal"], name


def test_every_variable_the_app_requires_is_set(spec):
    """SECRET_KEY and EMAIL_URL come from .env (written by scripts/deploy-env.sh);
    the rest are set in the file. The old file set no EMAIL_URL and failed to start."""
    env = spec["services"]["web"]["environment"]
    assert {"DATABASE_URL", "ALLOWED_HOSTS", "SITE_URL", "CSRF_TRUSTED_ORIGINS"} <= set(env)
    written = subprocess.run(
        ["sh", str(compose.ROOT / "scripts" / "deploy-env.sh"), "--domain", "union.example",
         "--email-url", "smtp+tls://u:p@smtp.example:587", "--output", "/dev/stdout", "--force"],
        capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL, timeout=30,
    ).stdout  # fmt: skip
    values = dict(
        line.split("=", 1) for line in written.splitlines() if line and not line.startswith("#")
    )
    assert {"SECRET_KEY", "EMAIL_URL", "DOMAIN", "POSTGRES_PASSWORD"} <= set(values)
    assert len(values["SECRET_KEY"]) >= 50
    # Every ${VAR:?...} the file requires is in the written .env.
    required = set(re.findall(r"\$\{(\w+):\?", compose.COMPOSE_FILE.read_text()))
    assert required <= set(values)


def test_deploy_env_refuses_a_real_domain_without_a_mail_server(tmp_path):
    result = subprocess.run(
        ["sh", str(compose.ROOT / "scripts" / "deploy-env.sh"), "--domain", "union.example",
         "--output", str(tmp_path / ".env")],
        capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, timeout=30,
    )  # fmt: skip
    assert result.returncode == 1
    assert "--email-url" in result.stderr
    assert not (tmp_path / ".env").exists()


def test_the_proxy_runs_the_caddyfile_the_topology_test_runs(spec):
    proxy = spec["services"]["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["environment"]["APP_UPSTREAMS"] == "web:8000"
    caddyfile = compose.CADDYFILE.read_text()
    for placeholder in ("{$DOMAIN", "{$APP_UPSTREAMS", "{$HTTP_PORT", "{$HTTPS_PORT"):
        assert placeholder in caddyfile
    # No access log (addresses carry tokens); Caddy's own log filters them out.
    assert re.findall(r"(?m)^\s*log\b.*$", caddyfile) == ["\tlog default {"]
    assert "request>uri regexp" in caddyfile
    assert "request>headers>Referer delete" in caddyfile


def test_native_commands_come_from_the_compose_file(spec):
    """What test_topology.py runs: gunicorn with gunicorn.conf.py, the worker's
    schedule-then-run script, migrate; nothing invented beside the file."""
    assert compose.service_command("web", spec)[1:] == ["--config", "gunicorn.conf.py"]
    worker = compose.service_command("worker", spec)
    assert worker[:2] == ["sh", "-c"]
    assert "db_worker" in worker[2]
    assert "enforce_retention --schedule" in worker[2]
    env = compose.app_environment({"DOMAIN": "localhost:8443", "TRUSTED_PROXIES": "127.0.0.1"})
    assert env["ALLOWED_HOSTS"] == "localhost:8443"
    assert env["SITE_URL"] == "https://localhost:8443"
    assert env["TRUSTED_PROXIES"] == "127.0.0.1"
