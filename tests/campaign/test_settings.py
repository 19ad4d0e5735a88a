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
    }
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env["DJANGO_SETTINGS_MODULE"] = "campaign.settings"
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
}


def test_check_deploy_passes_with_no_warnings():
    """`manage.py check --deploy` under production settings reports nothing at all."""
    result = _run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secret_settings(missing):
    """With DEBUG off there is no default secret key or host list: startup fails loudly."""
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _run(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_security_settings(settings):
    """The settings module switches on HTTPS-only behaviour when DEBUG is off."""
    from campaign import settings as real

    assert real.DEBUG is False
    assert real.SECURE_HSTS_SECONDS >= 31536000
    assert real.SESSION_COOKIE_SECURE
    assert real.CSRF_COOKIE_SECURE
    assert real.SESSION_COOKIE_HTTPONLY
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
