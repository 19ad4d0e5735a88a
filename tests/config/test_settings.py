"""Production settings: secure by default, and refuse to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    # Start from the real environment minus what the test settings set up.
    ours = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests only
        "DATABASE_URL",
        "EMAIL_URL",
        "EMBEDDED_DATABASE",
        "DATABASE_PREPARED_STATEMENTS",
    }
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "p9!x2-a-long-random-production-secret-key-for-tests-0123456789",
    "ALLOWED_HOSTS": "rankandfile.example",
    # `check` without --database never connects: any well-formed URL will do.
    "DATABASE_URL": "postgres://rankandfile:secret@db.invalid:5432/rankandfile",
    "EMAIL_URL": "smtp+tls://user:secret@smtp.invalid:587",
}


def test_check_deploy_passes_with_no_warnings():
    """`manage.py check --deploy` under production settings reports nothing at all."""
    result = _run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL"])
def test_production_refuses_to_start_without_secret_settings(missing):
    """With DEBUG off there is no default secret key, host list, database (no silent
    embedded PostgreSQL) or mail server (no personal links printed to the logs):
    startup fails loudly, naming what is missing."""
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _run(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr
    if missing in {"DATABASE_URL", "EMAIL_URL"}:
        assert "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "settings_module"),
    [
        ({"DEBUG": "true"}, "config.settings"),  # local development
        ({"EMBEDDED_DATABASE": "true"}, "config.settings"),  # opted in; mail still set
        ({"EMAIL_URL": None}, "config.settings_test"),  # the test settings, DEBUG off
        ({"EMAIL_URL": None}, "config.settings_bench"),  # the bench, DEBUG off
    ],
)
def test_local_runs_may_use_the_embedded_database_and_console_mail(overrides, settings_module):
    """Without DATABASE_URL: `make run` (DEBUG on), an explicit EMBEDDED_DATABASE=true,
    the test settings and the bench settings still start."""
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    for key, value in overrides.items():  # None: leave the variable unset
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    result = _run(env, "check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_rate_limits_come_from_the_environment():
    env = {**PRODUCTION, "RATELIMIT_JOIN": "5/m"}
    code = "from django.conf import settings; print(settings.RATELIMITS)"
    result = _run(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert "'join': '5/m'" in result.stdout
    assert "'manage': '60/h'" in result.stdout
    bad = _run({**PRODUCTION, "RATELIMIT_MANAGE": "lots"}, "check")
    assert bad.returncode != 0
    assert "RATELIMIT_MANAGE" in bad.stderr


def test_production_security_settings(settings):
    """The settings module switches on HTTPS-only behaviour when DEBUG is off."""
    from config import settings as real

    assert real.DEBUG is False
    assert real.SECURE_HSTS_SECONDS >= 31536000
    assert real.SESSION_COOKIE_SECURE
    assert real.CSRF_COOKIE_SECURE
    assert real.SESSION_COOKIE_HTTPONLY
    assert real.CSRF_COOKIE_HTTPONLY
    assert real.SECURE_CONTENT_TYPE_NOSNIFF
    directives = real.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert all("'unsafe-inline'" not in v for v in directives.values())


@pytest.mark.django_db
def test_security_headers_on_a_page(client):
    """Every response carries the CSP, nosniff, referrer and framing headers."""
    response = client.get("/", secure=True)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "True 5"), ("false", "False None")], ids=["default", "off"]
)
def test_prepared_statements_are_on_unless_switched_off_for_a_pooler(value, expected):
    env = dict(PRODUCTION) | ({"DATABASE_PREPARED_STATEMENTS": value} if value else {})
    show = (
        "from django.db import connection as c; o = c.settings_dict['OPTIONS']; "
        "print(o.get('server_side_binding') is True, o.get('prepare_threshold'))"
    )
    result = _run(env, "shell", "-c", show)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected  # after "N objects imported"
