"""Settings for the test suite: the real settings with fast, local stand-ins."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings import *  # noqa: F403
from config.settings import DATABASES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Parallel runs against one server (several checkouts, or a developer beside CI)
# each need their own test database.
if name := env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": name}

# trust: app tests log organisers in with force_login (no TOTP device); the
# two-factor rule is tested with it switched on (the two_factor_on fixture).
OTP_REQUIRED_FOR_STAFF = False

# performance: app tests see every page built by its view (their query counts
# measure the view); the page_cache fixture turns it on.
PAGE_CACHE_ENABLED = False

# The rate limiter sweeps old counters on about 1 hit in 100: an extra query that
# would make query-count assertions fail now and then. Tests sweep explicitly.
RATELIMIT_SWEEP_CHANCE = 0
