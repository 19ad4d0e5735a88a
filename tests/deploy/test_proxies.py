"""Trusted proxies: a forwarded address is believed only from TRUSTED_PROXIES."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.proxies import client_address
from core.ratelimit import client_ip
from core.security import axes_client_ip

rf = RequestFactory()


def request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_without_trusted_proxies_the_socket_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_a_forwarded_address_from_outside_the_proxies_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["172.30.57.0/24"]
    assert client_ip(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
    assert axes_client_ip(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_from_the_proxy_the_right_most_untrusted_entry_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["172.30.57.0/24", "10.1.0.0/16"]
    # The client wrote "6.6.6.6" itself; Caddy appended the address it saw.
    assert client_ip(request("172.30.57.4", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    # A chain of trusted proxies is walked through.
    assert client_ip(request("172.30.57.4", "6.6.6.6, 203.0.113.9, 10.1.2.3")) == "203.0.113.9"
    assert axes_client_ip(request("172.30.57.4", "203.0.113.9")) == "203.0.113.9"


def test_garbage_in_the_header_stops_at_the_last_trusted_hop(settings):
    settings.TRUSTED_PROXIES = ["172.30.57.0/24"]
    assert client_ip(request("172.30.57.4", "not-an-address")) == "172.30.57.4"
    assert client_ip(request("172.30.57.4", "")) == "172.30.57.4"
    assert client_ip(request("172.30.57.4")) == "172.30.57.4"


def test_ipv6_and_single_addresses(settings):
    settings.TRUSTED_PROXIES = ["::1", "127.0.0.1"]
    assert client_address(request("::1", "2001:db8::5")) == "2001:db8::5"
    assert client_address(request("::ffff:127.0.0.1", "2001:db8::6")) == "2001:db8::6"
    assert client_address(request("127.0.0.2", "2001:db8::7")) == "127.0.0.2"


@pytest.mark.django_db
def test_a_spoofed_header_does_not_reset_the_join_rate_limit(client, settings):
    """Sign-up POSTs straight to an app server, each with a new X-Forwarded-For:
    they all count against the sender's own address."""
    settings.TRUSTED_PROXIES = ["172.30.57.0/24"]
    settings.RATELIMITS = {**settings.RATELIMITS, "join": "3/h"}
    statuses = [
        client.post(
            reverse("members:join"),
            {"email": "x"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(5)
    ]
    assert statuses[3:] == [429, 429]
    # Through the proxy, each real client has its own count.
    through_proxy = client.post(
        reverse("members:join"),
        {"email": "x"},
        REMOTE_ADDR="172.30.57.4",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert through_proxy.status_code != 429
