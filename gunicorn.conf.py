"""gunicorn settings; every value can be overridden from the environment."""

import os

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
accesslog = "-"
# X-Forwarded-Proto and friends are believed only from the proxies the app
# trusts (TRUSTED_PROXIES, the compose network in docker-compose.yml).
forwarded_allow_ips = os.environ.get(
    "FORWARDED_ALLOW_IPS", os.environ.get("TRUSTED_PROXIES", "127.0.0.1")
)
wsgi_app = "config.wsgi:application"
