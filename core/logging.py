"""Log lines: time, level, logger and request id on each; JSON on request; no secrets.

Used by ``LOGGING`` in config/settings.py (Django's lines, the worker's) and by
gunicorn.conf.py (gunicorn's own lines and the access log), so every process
writes the same shape:

    2026-01-02T10:11:12+0000 INFO django.request [3f2a...] Not Found: /me/[redacted]/

or, with ``LOG_FORMAT=json``, one JSON object a line (python-json-logger) with
``time``, ``level``, ``logger``, ``request_id`` and ``message``.

Personal links carry their secret in the address: ``/me/<token>/``,
``/join/confirm/<token>/``, ``/articles/preview/<token>/``, ``/unsubscribe/<token>/``,
``/events/cancel/<token>/``, ``/petitions/confirm/<token>/``, ``/ballots/voted/<token>/``
and ``?token=`` on branch contacts' report links. Every formatter here rewrites the whole
formatted line (message, arguments, exception text, access-log fields, the
Referer) so that no such token reaches a log, whatever logger wrote it.
"""

import contextvars
import logging
import re
import secrets

from django.core.signals import request_finished
from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter

# Path prefixes whose next segment is a secret, and query parameters that are.
REDACT_PATH_PREFIXES = (
    "/me/",
    "/join/confirm/",
    "/articles/preview/",
    "/unsubscribe/",
    "/calendar/",
    "/events/cancel/",
    "/petitions/confirm/",
    "/ballots/voted/",
)
REDACT_QUERY_PARAMETERS = ("token",)
REDACTED = "[redacted]"

_SEGMENT = r"(?:(?!%2[Ff])[^/?#&\s\"'<>])+"
# Plain or percent-encoded slashes before the secret (a proxy may log either).
_PREFIXES = "|".join(re.escape(p).replace("/", "(?:/|%2[Ff])") for p in REDACT_PATH_PREFIXES)
_PATTERNS = [
    re.compile(f"({_PREFIXES})(?!{re.escape(REDACTED)}){_SEGMENT}"),
    # token=... at the start of a query string (gunicorn's %(q)s) or after ?, &, ;.
    re.compile(
        r"(?<![\w.-])((?:" + "|".join(map(re.escape, REDACT_QUERY_PARAMETERS)) + r")(?:=|%3[Dd]))"
        r"[^&#\s\"'<>]*"
    ),
]


def redact(text: str) -> str:
    """Replace the secrets in personal links with [redacted]."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


# The request being served by this thread (set by RequestIdMiddleware).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def new_request_id() -> str:
    return secrets.token_hex(8)


class RequestIdFilter(logging.Filter):
    """Give every record a ``request_id`` (``-`` outside a request)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class TextFormatter(logging.Formatter):
    """One line: time, level, logger, [request id], message; tokens redacted."""

    def __init__(self, fmt=TEXT_FORMAT, datefmt=DATE_FORMAT, **kwargs):
        super().__init__(fmt=fmt, datefmt=datefmt, **kwargs)

    def format(self, record):
        RequestIdFilter().filter(record)
        return redact(super().format(record))


class JSONFormatter(JsonFormatter):
    """One JSON object a line (python-json-logger); tokens redacted."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("datefmt", DATE_FORMAT)
        super().__init__(*args, **kwargs)

    def format(self, record):
        RequestIdFilter().filter(record)
        return redact(super().format(record))


def formatter_class(log_format: str) -> str:
    """The dotted path of the formatter for LOG_FORMAT ("text" or "json")."""
    if log_format not in {"text", "json"}:
        raise ValueError(f"LOG_FORMAT={log_format!r}: expected 'text' or 'json'.")
    return f"core.logging.{'JSONFormatter' if log_format == 'json' else 'TextFormatter'}"


def logging_config(log_format: str, level: str, loggers: dict | None = None) -> dict:
    """A dictConfig for Django's LOGGING and gunicorn's logconfig_dict alike."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter_class(log_format)}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "default"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers or {},
    }


class RequestIdMiddleware:
    """Give each request an id: the proxy's X-Request-ID when a trusted proxy sent
    one (Caddy sets it, so its log and ours share it), else a new one. Log lines
    written while it is served carry it, and so does the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.proxies import from_trusted_proxy

        sent = request.META.get("HTTP_X_REQUEST_ID", "")
        if not (sent and _REQUEST_ID.fullmatch(sent) and from_trusted_proxy(request)):
            sent = new_request_id()
        request.request_id = sent
        # Kept until the response is closed (request_finished): Django logs a
        # 4xx/5xx answer after the last middleware has returned.
        request_id_var.set(sent)
        response = self.get_response(request)
        response["X-Request-ID"] = sent
        return response


def _end_request(**kwargs):
    request_id_var.set("-")


request_finished.connect(_end_request, dispatch_uid="core.logging.end_request")


_TOKEN_PATH = re.compile(
    "^(" + "|".join(re.escape(p) for p in REDACT_PATH_PREFIXES) + ")(?!erased/)[^/]+/"
)


class TokenPageReferrerMiddleware:
    """``Referrer-Policy: no-referrer`` on pages whose address holds a secret.

    Their links, images, styles and scripts then send no Referer at all, so the
    token reaches neither another site nor a log. A page with a POST form keeps
    the site's ``same-origin`` policy: under ``no-referrer`` browsers send
    ``Origin: null`` with the form, which the CSRF check rightly refuses; its
    Referer goes only to this site, whose logs redact it. Sits after
    SecurityMiddleware in MIDDLEWARE, so it has the last word.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path_info
        has_token = _TOKEN_PATH.match(path) or "token" in request.GET
        if has_token and not _has_post_form(response):
            response["Referrer-Policy"] = "no-referrer"
        return response


def _has_post_form(response) -> bool:
    if getattr(response, "streaming", False):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    return re.search(rb"<form[^>]*method=[\"']?post", response.content, re.IGNORECASE) is not None


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, with the access line's request id as a field of its own.

    Its lines go through the formatters above (gunicorn.conf.py sets
    logconfig_dict), which redact tokens from the request line, the query
    string and the Referer.
    """

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        request_id = "-"
        for name, value in resp.headers:
            if name.lower() == "x-request-id":
                request_id = value
        try:
            self.access_log.info(
                self.cfg.access_log_format, atoms, extra={"request_id": request_id}
            )
        except Exception:  # gunicorn's own access() does the same
            self.exception("access log")
