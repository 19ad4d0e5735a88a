"""Optional error reporting: with SENTRY_DSN, events carry no personal data.

A fake transport catches what sentry-sdk would send: an error raised while a
member's personal link is served, with an email address in the message and a
token in the URL, the query string, a local variable and a breadcrumb.
"""

import logging

import pytest
import sentry_sdk
from django.test import RequestFactory
from sentry_sdk.transport import Transport

from core.sentry import init_sentry

SECRET = "WzEsInh5eiJd:1vXyZ:abcDEF"
EMAIL = "jo.bloggs@example.org"


class FakeTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


@pytest.fixture
def transport():
    fake = FakeTransport()
    init_sentry("https://public@sentry.invalid/1", transport=fake)
    yield fake
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: off again


def _payloads(transport) -> str:
    return "\n".join(item.get_bytes().decode() for env in transport.envelopes for item in env.items)


def test_an_error_reaches_sentry_without_tokens_emails_or_cookies(transport):
    request = RequestFactory().get(
        f"/me/{SECRET}/?token={SECRET}",
        HTTP_COOKIE="sessionid=abc123secretcookie",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_REFERER=f"https://site.example/join/confirm/{SECRET}/",
    )
    logging.getLogger("members").warning("sending to %s", EMAIL)  # a breadcrumb
    with sentry_sdk.new_scope() as scope:
        scope.set_user({"email": EMAIL, "ip_address": "203.0.113.9"})
        scope.set_context("request", {"url": request.build_absolute_uri()})
        try:
            member_email = EMAIL  # noqa: F841 - a local variable Sentry would capture
            token = SECRET  # noqa: F841
            raise ValueError(f"no member for {EMAIL} at /me/{SECRET}/")
        except ValueError as exc:
            sentry_sdk.capture_exception(exc)
    sentry_sdk.flush()
    sent = _payloads(transport)
    assert "ValueError" in sent  # it was reported
    assert SECRET not in sent
    assert EMAIL not in sent
    assert "abc123secretcookie" not in sent
    assert "203.0.113.9" not in sent
    assert "[redacted]" in sent
    assert "[scrubbed]" in sent


def test_settings_leave_sentry_off_without_a_dsn(settings):
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().options.get("dsn")


def test_the_defaults_send_no_pii(transport):
    options = sentry_sdk.get_client().options
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
