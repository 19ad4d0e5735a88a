"""gunicorn settings; every value can be overridden from the environment."""

import os

from core.logging import logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30
graceful_timeout = 20
# Recycle workers now and then so a slow leak can never grow without bound; not
# so often that a surge (thousands of cached pages a second) restarts them every
# few seconds, which shows as slow outliers.
max_requests = 50000
max_requests_jitter = 5000
wsgi_app = "config.wsgi:application"
# gunicorn's control socket (gunicornc) is unused here, and app servers on one
# host would share its default path.
control_socket_disable = True

# X-Forwarded-Proto and friends are believed only from the proxies the app
# trusts (TRUSTED_PROXIES, the compose network in docker-compose.yml).
forwarded_allow_ips = os.environ.get(
    "FORWARDED_ALLOW_IPS", os.environ.get("TRUSTED_PROXIES", "127.0.0.1")
)

# Logs: gunicorn's lines in the app's shape (time, level, logger, request id;
# JSON with LOG_FORMAT=json), tokens in personal links redacted from the request
# line, query string and Referer (core/logging.py).
accesslog = "-"
errorlog = "-"
logger_class = "core.logging.GunicornLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
logconfig_dict = logging_config(
    os.environ.get("LOG_FORMAT", "text"),
    os.environ.get("LOG_LEVEL", "INFO"),
    loggers={
        "gunicorn.error": {"level": "INFO", "propagate": True},
        "gunicorn.access": {"level": "INFO", "propagate": True},
    },
)
