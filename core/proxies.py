"""Which peer may say who the client is: the proxies in ``TRUSTED_PROXIES``.

Behind Caddy (docker-compose.yml) every request reaches an app server from the
proxy's address, and the visitor's address arrives in X-Forwarded-For. A
forwarded address is believed only when the request comes from a network in
``settings.TRUSTED_PROXIES`` (the compose network in the shipped compose file;
empty by default, so a bare app server believes no header). Anyone else's
X-Forwarded-For is ignored: the socket address is the client.

Rate limits (core/ratelimit.py) and the login lockout (core/security.py) both
key on ``client_address``.
"""

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in trusted_networks())


def from_trusted_proxy(request) -> bool:
    return is_trusted(request.META.get("REMOTE_ADDR", ""))


def client_address(request) -> str:
    """The client's address: the socket's, or what a trusted proxy forwarded.

    From a trusted proxy, X-Forwarded-For (or the header named by
    RATELIMIT_CLIENT_IP_HEADER) is read right to left, skipping addresses of
    trusted proxies (a chain of them), and the first other address is the
    client. Entries left of it are whatever the client chose to send, and are
    never read. A malformed entry stops the walk at the last trusted hop.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not from_trusted_proxy(request):
        return remote
    header = settings.RATELIMIT_CLIENT_IP_HEADER or "HTTP_X_FORWARDED_FOR"
    forwarded = [item.strip() for item in request.META.get(header, "").split(",")]
    client = remote
    for item in reversed([item for item in forwarded if item]):
        try:
            ipaddress.ip_address(item)
        except ValueError:
            break
        client = item
        if not is_trusted(item):
            break
    return client
