"""Settings for Rank and File, read from the environment (see .env.example).

Production needs SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and EMAIL_URL; with
DEBUG off startup fails loudly without any of them. With DEBUG on (local
development) and under the test and bench settings, local stand-ins apply: an
embedded PostgreSQL without DATABASE_URL, and email printed to the console
without EMAIL_URL. EMBEDDED_DATABASE=true allows the embedded database alone.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    # No defaults: a production process without them must not start.
    try:
        SECRET_KEY = env("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            f"{exc} (production must set it; for a command on your own machine, "
            "set DEBUG=true, as `make run` does)"
        ) from exc

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute URLs in emails, feeds and share tags, e.g. "https://rankandfile.example".
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Rank and File")
# The pages the site header and footer link to: key -> URL name.
SITE_NAVIGATION = {
    "home": "campaign:home",
    "articles": "articles:list",
    "search": "articles:search",
    "feed": "articles:feed",
    "join": "members:join",
    "privacy": "members:privacy",
    "elections": "campaign:election_list",
    "events": "campaign:event_list",
}

INSTALLED_APPS = [
    # The admin with two-factor login for organisers (see core/admin_site.py).
    "core.admin_apps.OrganiserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "core",
    "members",
    "articles",
    "campaign",
    "ballots",
]

MIDDLEWARE = [
    "core.views.HealthCheckMiddleware",  # first: health checks come by internal address
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# Database -------------------------------------------------------------------

# The settings modules that build on these ones for a run on one machine (the
# test suite, the bench) may use the local stand-ins below with DEBUG off.
LOCAL_SETTINGS_MODULES = {"config.settings_test", "config.settings_bench"}
LOCAL_RUN = DEBUG or os.environ.get("DJANGO_SETTINGS_MODULE") in LOCAL_SETTINGS_MODULES

# A production process without DATABASE_URL must not quietly start a private
# PostgreSQL inside its container: the data would vanish with it.
EMBEDDED_DATABASE = env.bool("EMBEDDED_DATABASE", default=LOCAL_RUN)

if "DATABASE_URL" in env:
    DATABASES = {"default": env.db("DATABASE_URL")}
elif not EMBEDDED_DATABASE:
    raise ImproperlyConfigured(
        "Set DATABASE_URL (postgres://USER:PASSWORD@HOST:5432/NAME). Without it, only "
        "local development (DEBUG=true) or EMBEDDED_DATABASE=true starts an embedded "
        "PostgreSQL in .pgdata/."
    )
else:
    from core.embedded_db import database_url

    DATABASES = {"default": env.db_url_config(database_url())}

# Reuse connections, but check them first so a restarted PostgreSQL is
# reconnected to instead of failing the next request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# Parameters sent apart from the SQL (server-side binding), and a statement run
# five times on a connection kept prepared: PostgreSQL parses and plans it once
# (planning was 0.3-0.9 ms of each page's queries, more than running them), and
# Django no longer quotes every value into the SQL text. Off for a pooler that
# cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASE_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"

# Cache: shared by every app server. PostgreSQL by default (nothing else to
# run); Redis when REDIS_URL is set.
if "REDIS_URL" in env:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_entries",
            # Each cached page is two entries; Django's default of 300 would cull
            # real pages (alphabetically, by key) long before they expire.
            "OPTIONS": {"MAX_ENTRIES": env.int("CACHE_MAX_ENTRIES", default=50_000)},
        }
    }

# Background tasks: the queue lives in PostgreSQL; `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Email ----------------------------------------------------------------------

# The console backend would write members' personal links into the logs: only
# a local run may fall back to it.
if "EMAIL_URL" not in env and not LOCAL_RUN:
    raise ImproperlyConfigured(
        "Set EMAIL_URL (e.g. smtp+tls://user:password@smtp.example:587). Only local "
        "development (DEBUG=true) prints email to the console without it."
    )
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Rank and File <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Authentication -------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# A locked-out login answers 429 with this page (the lockout lives in the
# database, so it holds on every app server).
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
# The same client address the rate limits use (core/proxies.py), otherwise every
# organiser behind the proxy would share its address and one lockout.
AXES_CLIENT_IP_CALLABLE = "core.security.axes_client_ip"
# trust: proxies. A forwarded client address (X-Forwarded-For, or the header
# named here) is believed only from these addresses or networks, e.g.
# "172.30.57.0/24" (docker-compose.yml sets its own network). Empty: the socket
# address is the client, whatever headers say.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
RATELIMIT_CLIENT_IP_HEADER = env("RATELIMIT_CLIENT_IP_HEADER", default="HTTP_X_FORWARDED_FOR")
# trust: rate limits per client address, shared by every app server
# (core/ratelimit.py); "<count>/<s|m|h|d>", e.g. "10/h" or "100/5m".
RATELIMITS = {
    "join": env("RATELIMIT_JOIN", default="10/h"),  # join form POSTs
    "confirm": env("RATELIMIT_CONFIRM", default="30/h"),  # confirmation links, GET and POST
    "rsvp": env("RATELIMIT_RSVP", default="10/h"),  # event reply form POSTs
    "sign": env("RATELIMIT_SIGN", default="10/h"),  # petition signature form POSTs
    "pledge": env("RATELIMIT_PLEDGE", default="10/h"),  # "I've voted" link requests
    # personal links (manage, download, erase, branch reports), GET and POST
    "manage": env("RATELIMIT_MANAGE", default="60/h"),
    "preview": env("RATELIMIT_PREVIEW", default="120/h"),  # article preview links
    # one-click unsubscribes: a mailbox provider POSTs many members' from one address
    "unsubscribe": env("RATELIMIT_UNSUBSCRIBE", default="600/m"),
    # invitations to update their branch, sent when an organiser adds an
    # existing member's address from outside their scope: per member, per organiser
    "invite_member": env("RATELIMIT_INVITE_MEMBER", default="1/d"),
    "invite_organiser": env("RATELIMIT_INVITE_ORGANISER", default="20/d"),
}
# The limiter sweeps expired counters on about this share of requests.
RATELIMIT_SWEEP_CHANCE = 0.01
for _scope, _rate in RATELIMITS.items():
    if not re.fullmatch(r"[0-9]+/[0-9]*[smhd]", _rate):
        raise ImproperlyConfigured(
            f"RATELIMIT_{_scope.upper()}={_rate!r}: expected a rate like '10/h' or '100/5m'."
        )
LOGIN_URL = "admin:login"

# trust: django-otp's own admin pages never show organisers' TOTP keys or QR codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# trust: two-factor authentication. Every staff user logs in with a password and
# a TOTP code; one without a device enrols one on first login. Only the test
# settings turn this off (app tests log in with force_login); tests/core turn it
# back on.
OTP_REQUIRED_FOR_STAFF = True
OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1  # wait 1, 2, 4, ... seconds after each wrong code

# trust: background tasks (core/task_recovery.py). A task left RUNNING this
# long by a killed worker is queued again; failed tasks named here are retried
# with exponential backoff (1, 2, 4, ... minutes) up to the number of attempts.
TASK_STALE_AFTER_MINUTES = env.int("TASK_STALE_AFTER_MINUTES", default=15)
TASK_RETRIES = {
    "members.tasks.send_member_email": 8,
    "members.tasks.send_contact_link": 8,
    "members.broadcasts.tasks.send_broadcast_batch": 8,
    "members.broadcasts.tasks.send_broadcast_test": 8,
}
TASK_RETRY_BACKOFF_SECONDS = 60
# "Already sent" markers older than any retry or requeue can reach are pruned.
SENT_MARKER_DAYS = 30

# Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files and uploads -----------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# trust: uploads are served by core.security.serve_media (nosniff, sandboxed,
# attachments for anything but images and PDFs). Turn off when a web server in
# front serves MEDIA_ROOT itself with the same headers.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security ---------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script reads the cookie
SESSION_COOKIE_AGE = 60 * 60 * 8  # an organiser's working day
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Behind a load balancer that terminates TLS and sets X-Forwarded-Proto.
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Everything is served from our own origin: no CDN, fonts or trackers, and no
# inline script or style, so no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# trust: retention, in days; `manage.py enforce_retention` and a daily task
# (core.retention.enforce_retention_task) delete what is older.
RETENTION_DAYS = {
    "unconfirmed_signups": env.int("RETENTION_UNCONFIRMED_DAYS", default=30),
    "left_members": env.int("RETENTION_LEFT_MEMBERS_DAYS", default=365),
    "signed_links": env.int("RETENTION_SIGNED_LINKS_DAYS", default=90),
    "audit_events": env.int("RETENTION_AUDIT_DAYS", default=2 * 365),
    "login_records": env.int("RETENTION_LOGIN_RECORDS_DAYS", default=90),
    # Finished and failed task runs keep addresses in their arguments and SMTP
    # errors in their tracebacks.
    "task_results": env.int("RETENTION_TASK_RESULTS_DAYS", default=30),
    # Django's admin log keeps each changed object's label (a member's name).
    "admin_log": env.int("RETENTION_ADMIN_LOG_DAYS", default=365),
    # Who was sent which broadcast, and what the mail server said; the broadcast
    # keeps its counts.
    "broadcast_deliveries": env.int("RETENTION_BROADCAST_DELIVERIES_DAYS", default=90),
    # Replies to an event (who came), counted from the day the event ended.
    "event_replies": env.int("RETENTION_EVENT_REPLIES_DAYS", default=30),
    # Confirmed petition signatures, counted from the petition's deadline.
    "petition_signatures": env.int("RETENTION_PETITION_SIGNATURES_DAYS", default=365),
    # Members' own "I've voted" reports, counted from the ballot's close.
    "vote_pledges": env.int("RETENTION_VOTE_PLEDGES_DAYS", default=90),
}

# performance: the shared page cache for anonymous GETs of public pages
# (core/pagecache/, issues #9 and #21; its place in MIDDLEWARE is set below,
# after the request id). PAGE_CACHE_ENABLED=false serves every page from the
# view (the bench measures that cold path with it).
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=600)  # seconds, at most
# A changed page is rebuilt by one request; meanwhile readers get the old copy
# for at most this many seconds after the change (then they wait for the rebuild).
PAGE_CACHE_STALE_SECONDS = env.int("PAGE_CACHE_STALE_SECONDS", default=5)
PAGE_CACHE_WAIT_SECONDS = 10  # the longest a reader waits for another's rebuild
# What a proxy or CDN is told (s-maxage): it cannot hear of changes, so keep it short.
PAGE_CACHE_SHARED_MAX_AGE = env.int("PAGE_CACHE_SHARED_MAX_AGE", default=5)
PAGE_CACHE_ALIAS = "default"  # the shared cache (CACHES) that holds the pages
PAGE_CACHE_EXPIRE_AT_MIDNIGHT = True  # pages that show "today" are rebuilt after midnight
# Each process LISTENs for changes, so a hit needs no query (off behind a pooler
# in transaction mode, where LISTEN does not work).
PAGE_CACHE_LISTEN = env.bool("PAGE_CACHE_LISTEN", default=True)
PAGE_CACHE_LOCAL_BYTES = 32 * 2**20  # page bodies kept in each process
# The query parameters public pages read; others are left out of a page's key.
PAGE_CACHE_QUERY_PARAMS = ("page", "q", "p", "format")
# Paths (regular expressions) whose anonymous GETs may be stored, and those never.
PAGE_CACHE_INCLUDE = (
    r"^/$",
    r"^/articles/",
    r"^/tags/",
    r"^/authors/",
    r"^/search/",
    r"^/feed/",
    r"^/elections/",
    r"^/events/",
    r"^/petitions/",
    r"^/sitemap\.xml$",
    r"^/robots\.txt$",
)
PAGE_CACHE_EXCLUDE = (
    r"^/articles/preview/",  # draft previews through a secret link
    r"/report/",  # a branch contact's signed link
    r"^/admin/",
    r"^/me/",
    r"^/join/",
    r"^/events/[^/]+/reply/",  # the reply form (a CSRF cookie) and its answer
    r"^/events/cancel/",  # a reply's signed cancel link
    r"^/petitions/[^/]+/sign/",  # the signature form (a CSRF cookie) and its answer
    r"^/petitions/confirm/",  # a signature's signed confirm link
)

# The articles app.
ARTICLES_PAGE_SIZE = 20  # articles on each list page (/articles/, tag and author archives)
ARTICLES_SEARCH_PAGE_SIZE = 10  # each result has an excerpt, made for it by the database
ARTICLES_CACHE_MAX_AGE = 60  # seconds a shared cache (CDN, proxy) may keep a public page
ARTICLES_IMAGE_WIDTHS = (480, 800, 1200)  # lead image renditions offered in srcset, in pixels
ARTICLES_PREVIEW_DAYS = 7  # a new preview link works this long
ARTICLES_FEED_SIZE = 20  # articles in each feed

# The members app: the join form, personal links and the work-address warning.
MEMBERS_JOIN_MIN_SECONDS = 3  # a person needs a few seconds to fill the form; a script does not
MEMBERS_JOIN_FORM_MAX_AGE = timedelta(days=1)  # a join form stays valid this long
MEMBERS_CONFIRM_LINK_MAX_AGE = timedelta(days=7)  # the confirmation link in the first email
# A manage-your-data link works as long as a signed link is kept.
MEMBERS_MANAGE_LINK_MAX_AGE = timedelta(days=RETENTION_DAYS["signed_links"])
MEMBERS_RESEND_INTERVAL = timedelta(minutes=2)  # a double click sends no second email
# Employers read their staff's work email: the join form warns people who give such an address.
MEMBERS_EMPLOYER_DOMAINS = (
    "gov.uk",
    "gsi.gov.uk",
    "gov.scot",
    "gov.wales",
    "nics.gov.uk",
    "mod.uk",
    "parliament.uk",
    "nhs.net",
    "police.uk",
)

# Email broadcasts to members (members/broadcasts/, README "Sending email").
# From: the faction's address on the domain SPF, DKIM and DMARC cover; Sender:
# a separate sending mailbox, if any (otherwise no Sender header).
BROADCAST_FROM_EMAIL = env("BROADCAST_FROM_EMAIL", default="")  # empty: DEFAULT_FROM_EMAIL
BROADCAST_SENDER_EMAIL = env("BROADCAST_SENDER_EMAIL", default="")
# performance: messages a minute (0: as fast as the mail server takes them), sent
# by the task worker in batches of this many, one SMTP connection a batch.
BROADCAST_RATE_PER_MINUTE = env.int("BROADCAST_RATE_PER_MINUTE", default=600)
BROADCAST_BATCH_SIZE = env.int("BROADCAST_BATCH_SIZE", default=200)
# A recipient the mail server turns away for now (4xx) is tried this many times.
BROADCAST_MAX_ATTEMPTS = 3
# A run of failed batches (the mail server down) is retried this many times with
# backoff (1, 2, 4, ... minutes) before the broadcast pauses for an organiser.
BROADCAST_BATCH_RETRIES = 5
BROADCAST_UNSUBSCRIBE_DAYS = 365  # an unsubscribe link in an old email works this long

# Logs: one line per event with time, level, logger and request id; JSON with
# LOG_FORMAT=json (core/logging.py). Tokens in personal links are redacted from
# every line, and pages whose address holds one send no Referer.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = logging_config(
    LOG_FORMAT,
    env("LOG_LEVEL", default="INFO"),
    loggers={
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},  # it logs every process exit at INFO
    },
)
MIDDLEWARE.insert(0, "core.logging.RequestIdMiddleware")
# Hits are served as early as possible: right after the request id, before the
# health check, security, static files and the rest (whose headers are stored
# with each page). The core app connects the invalidation signals.
MIDDLEWARE.insert(1, "core.pagecache.PageCacheMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "core.logging.TokenPageReferrerMiddleware",
)

# Error reporting: optional. With SENTRY_DSN, errors go to Sentry with no
# personal data: no cookies, headers, bodies or user, tokens and email
# addresses scrubbed (core/sentry.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core.sentry import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Backups: where `manage.py backup_db` writes, and how many it keeps with
# --rotate (the newest of each of the last 7 days and of the last 4 weeks).
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(BASE_DIR / "backups")))
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=4)
