"""Optional error reporting to Sentry (settings: SENTRY_DSN), without personal data.

``send_default_pii`` stays off (no cookies, no user, no client address), request
bodies are never sent, and every event passes through ``scrub`` before it
leaves: tokens in personal links, email addresses and IPv4 addresses are replaced
wherever they appear (URLs, messages, exception values, breadcrumbs, local variables).
"""

import re

from core.logging import redact

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
SCRUBBED = "[scrubbed]"
_DROP_HEADERS = {"cookie", "authorization", "x-forwarded-for", "x-real-ip", "referer"}


def scrub_text(text: str) -> str:
    return IPV4.sub(SCRUBBED, EMAIL.sub(SCRUBBED, redact(text)))


def _scrub(value, depth=0):
    if depth > 20:
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def scrub(event, hint=None):
    """before_send / before_send_transaction: strip what could identify a member."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                k: v for k, v in headers.items() if k.lower() not in _DROP_HEADERS
            }
    event.pop("user", None)
    return _scrub(event)


def scrub_breadcrumb(crumb, hint=None):
    return _scrub(crumb)


def init_sentry(dsn: str, *, transport=None, **options):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=True,
        before_send=scrub,
        before_send_transaction=scrub,
        before_breadcrumb=scrub_breadcrumb,
        integrations=[DjangoIntegration()],
        transport=transport,
        **options,
    )
