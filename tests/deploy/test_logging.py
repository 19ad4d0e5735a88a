"""Logs: time, level, logger and request id on every line, JSON on request, and
no token of a personal link in any line, whatever wrote it.

Every URL whose address carries a secret is driven here, with a valid token and
with a wrong one (a 404, which Django's request logger reports with the path);
each record is formatted by both formatters and searched for the tokens. The
access log is checked the same way through gunicorn's logger, and again with
real servers in test_topology.py.
"""

import io
import json
import logging
import re
import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from gunicorn.config import Config

from articles.models import PreviewLink
from ballots.petitions import services as petition_services
from ballots.pledges import services as pledge_services
from campaign.events import services as event_services
from campaign.models import CalendarFeed
from core.logging import (
    REDACTED,
    GunicornLogger,
    JSONFormatter,
    TextFormatter,
    redact,
)
from members import tokens
from members.broadcasts.mail import unsubscribe_token
from members.models import BranchContactLink
from tests.articles.factories import ArticleFactory
from tests.ballots.factories import BallotFactory, PetitionSignatureFactory
from tests.campaign.factories import ElectionFactory, EventRSVPFactory
from tests.factories import BranchFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_redact_replaces_each_kind_of_secret():
    lines = {
        "GET /me/abc.DEF:1x2:sig-_/ HTTP/1.1": "GET /me/[redacted]/ HTTP/1.1",
        "Not Found: /join/confirm/WzEsIm:1v:Zx/": "Not Found: /join/confirm/[redacted]/",
        '"https://x.example/articles/preview/Q7-z_/"': '"https://x.example/articles/preview/[redacted]/"',
        "/ballots/report/?token=s3cr3t&x=1": "/ballots/report/?token=[redacted]&x=1",
        "/elections/nec/report/?a=1&token=s3cr3t": "/elections/nec/report/?a=1&token=[redacted]",
        "/me%2Fabc%2F": "/me%2F[redacted]%2F",
        "/articles/some-article/": "/articles/some-article/",
    }
    for line, expected in lines.items():
        assert redact(line) == expected
        assert redact(expected) == expected  # idempotent


def _token_routes() -> set[str]:
    """Every URL pattern with a token in its path."""
    found = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and "token" in str(p.pattern):
                found.add(prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def token_urls():
    """(url, secret) for every page reached through a personal link."""
    member = MemberFactory(branch=BranchFactory())
    confirm = tokens.make_token(member, tokens.CONFIRM)
    manage = tokens.make_token(member, tokens.MANAGE)
    preview = PreviewLink.objects.create(
        article=ArticleFactory(),
        expires_at=__import__("django.utils.timezone").utils.timezone.now() + timedelta(days=1),
    )
    _link, report = BranchContactLink.issue(
        branch=member.branch, contact_name="Rep", email="rep@example.org"
    )
    election = ElectionFactory()
    calendar = CalendarFeed.renew(UserFactory(role="national"))
    cancel = event_services.cancel_token(EventRSVPFactory())
    sign = petition_services.confirm_token(PetitionSignatureFactory())
    voted = pledge_services.pledge_token(member, BallotFactory(), 1)
    wrong = secrets.token_urlsafe(24)
    unsubscribe = unsubscribe_token(member_id=member.pk, kind="faction", broadcast_id=1)
    urls = [
        (reverse("members:join_confirm", args=[confirm]), confirm),
        (reverse("members:join_confirm", args=[wrong]), wrong),
        (reverse("members:manage", args=[manage]), manage),
        (reverse("members:manage", args=[wrong]), wrong),
        (reverse("members:manage_consent", args=[manage]), manage),
        (reverse("members:manage_erase", args=[manage]), manage),
        (reverse("members:unsubscribe", args=[unsubscribe]), unsubscribe),
        (reverse("members:unsubscribe", args=[wrong]), wrong),
        (reverse("articles:preview", args=[preview.token]), preview.token),
        (reverse("articles:preview", args=[wrong]), wrong),
        (reverse("ballots:contact_report") + f"?token={report}", report),
        (reverse("ballots:contact_report") + f"?token={wrong}", wrong),
        (reverse("campaign:report", args=[election.slug]) + f"?token={report}", report),
        (reverse("campaign:report", args=["no-such-election"]) + f"?token={wrong}", wrong),
        (reverse("campaign:calendar_feed", args=[calendar]), calendar),
        (reverse("campaign:calendar_feed", args=[wrong]), wrong),
        (reverse("campaign:event_cancel", args=[cancel]), cancel),
        (reverse("campaign:event_cancel", args=[wrong]), wrong),
        (reverse("ballots:petition_confirm", args=[sign]), sign),
        (reverse("ballots:petition_confirm", args=[wrong]), wrong),
        (reverse("ballots:pledge_confirm", args=[voted]), voted),
        (reverse("ballots:pledge_confirm", args=[wrong]), wrong),
    ]
    for name in ("members:manage_download",):
        for fmt in ("json", "csv"):
            try:
                urls.append((reverse(name, args=[manage, fmt]), manage))
            except Exception:  # noqa: S112 - only the formats the app has
                continue
    return urls


def test_every_token_route_is_driven(token_urls):
    driven = {re.sub(r"/[^/]*$", "", u.split("?")[0]) for u, _ in token_urls}
    for route in _token_routes():
        head = route.split("<", 1)[0]
        assert any(d.startswith(head.rstrip("/")) or head in d + "/" for d in driven), route


def test_no_token_reaches_a_log_line(client, token_urls, caplog, settings):
    settings.RATELIMITS = dict.fromkeys(settings.RATELIMITS, "1000/h")
    caplog.set_level(logging.DEBUG)
    referrer_policies = {}
    for url, _ in token_urls:
        response = client.get(url, HTTP_REFERER=f"https://testserver{url}")
        referrer_policies[url] = response.get("Referrer-Policy")
        client.post(url, {"token": url.rsplit("=", 1)[-1]}, HTTP_REFERER=f"https://x{url}")
    records = caplog.records
    raw = "\n".join(r.getMessage() for r in records)
    # A control: Django does log these paths (404s), so the redaction is what matters.
    assert any(secret in raw for _, secret in token_urls)
    for formatter in (TextFormatter(), JSONFormatter()):
        out = "\n".join(formatter.format(r) for r in records)
        for _, secret in token_urls:
            assert secret not in out
        assert REDACTED in out
    # Pages with a secret in their address and no POST form send no Referer.
    assert referrer_policies[token_urls[6][0]] == "no-referrer"  # article preview
    assert referrer_policies[token_urls[1][0]] == "no-referrer"  # a wrong confirm link


def test_every_line_has_time_level_logger_and_request_id(client):
    stream = io.StringIO()
    handlers = {"text": logging.StreamHandler(stream), "json": logging.StreamHandler(stream)}
    handlers["text"].setFormatter(TextFormatter())
    handlers["json"].setFormatter(JSONFormatter())
    log = logging.getLogger("django.request")
    for handler in handlers.values():
        log.addHandler(handler)
    try:
        response = client.get("/me/not-a-real-token/")
    finally:
        for handler in handlers.values():
            log.removeHandler(handler)
    request_id = response["X-Request-ID"]
    text_line, json_line = stream.getvalue().splitlines()[:2]
    assert re.match(
        rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{{4}} WARNING django.request \[{request_id}\] "
        r"(Not Found|Bad Request): /me/\[redacted\]/$",
        text_line,
    )
    record = json.loads(json_line)
    assert record["level"] == "WARNING"
    assert record["logger"] == "django.request"
    assert record["request_id"] == request_id
    assert record["message"].endswith(": /me/[redacted]/")
    assert re.match(r"^\d{4}-\d\d-\d\dT", record["time"])


def test_a_request_id_from_outside_the_proxies_is_not_taken(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    ours = client.get("/robots.txt", HTTP_X_REQUEST_ID="spoofed-id-123", REMOTE_ADDR="10.0.0.9")
    assert ours["X-Request-ID"] != "spoofed-id-123"
    proxied = client.get("/robots.txt", HTTP_X_REQUEST_ID="caddy-id-1234", REMOTE_ADDR="10.0.0.1")
    assert proxied["X-Request-ID"] == "caddy-id-1234"


@pytest.mark.parametrize("formatter", [TextFormatter(), JSONFormatter()])
def test_gunicorns_access_line_is_redacted_and_has_the_request_id(formatter):
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s')
    logger = GunicornLogger(cfg)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger.access_log.handlers = [handler]
    secret = "WzEsInh5eiJd:1vXyZ:abcDEF"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/me/{secret}/?token={secret}",
        "PATH_INFO": f"/me/{secret}/",
        "QUERY_STRING": f"token={secret}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://site.example/join/confirm/{secret}/",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[("X-Request-ID", "req-abc-123")])
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(resp, req, environ, timedelta(milliseconds=5))
    line = stream.getvalue()
    assert secret not in line
    assert "/me/[redacted]/" in line
    assert "req-abc-123" in line
