"""The shared fixed-window rate limiter in PostgreSQL."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from core import ratelimit
from core.models import RateLimitCounter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.RATELIMITS = {"test": "3/m"}


def test_parse_rate():
    assert ratelimit.parse_rate("10/h") == ratelimit.Limit(10, 3600)
    assert ratelimit.parse_rate("100/5m") == ratelimit.Limit(100, 300)
    for bad in ["", "10", "x/h", "10/y", "10/xm"]:
        with pytest.raises(ValueError, match="Bad rate"):
            ratelimit.parse_rate(bad)


def test_unknown_scope_is_a_configuration_error():
    with pytest.raises(KeyError):
        ratelimit.limit_for("nothing-configured")


def test_counts_within_a_window_and_resets_in_the_next():
    now = datetime(2026, 5, 1, 12, 0, 10, tzinfo=UTC)
    results = [ratelimit.hit("test", "1.2.3.4", now=now) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert results[-1].count == 4
    assert results[-1].retry_after == 50
    assert ratelimit.hit("test", "5.6.7.8", now=now).allowed  # another address
    assert ratelimit.hit("test", "1.2.3.4", now=now + timedelta(minutes=1)).allowed


def test_stores_no_address():
    ratelimit.hit("test", "198.51.100.23")
    assert "198.51.100.23" not in RateLimitCounter.objects.get().key


def test_purge_removes_old_windows():
    old = datetime.now(UTC) - timedelta(days=3)
    ratelimit.hit("test", "a", now=old)
    ratelimit.hit("test", "a")
    assert ratelimit.purge_expired() == 1
    assert RateLimitCounter.objects.count() == 1


def test_decorator_limits_posts_only_and_answers_429():
    @ratelimit.ratelimit("test")
    def view(request):
        return HttpResponse("ok")

    rf = RequestFactory()
    assert all(view(rf.get("/")).status_code == 200 for _ in range(5))
    codes = [view(rf.post("/")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    last = view(rf.post("/"))
    assert "Please try again" in last.content.decode()
    assert int(last["Retry-After"]) >= 1


def test_client_ip_trusts_the_header_only_from_a_trusted_proxy(settings):
    rf = RequestFactory()
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert ratelimit.client_ip(request) == "203.0.113.5"


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_many_threads_are_all_counted(settings):
    """The upsert is atomic: N threads on their own connections count exactly N."""
    settings.RATELIMITS = {"test": "1000/h"}
    now = datetime.now(UTC)

    def worker():
        for _ in range(10):
            ratelimit.hit("test", "203.0.113.7", now=now)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert RateLimitCounter.objects.get().count == 80
