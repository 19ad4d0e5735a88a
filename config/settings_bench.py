"""The production settings, as the bench runs them.

One difference, the one a site behind a load balancer has: the client's
address comes from X-Forwarded-For (see core/ratelimit.py). The bench
sends a different address with each sign-up, as thousands of people joining
from their own phones would, so the per-address join limit counts per person
rather than stopping the bench after ten sign-ups from 127.0.0.1.
"""

from config.settings import *  # noqa: F403

RATELIMIT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
# ... sent by the bench's own client on this machine, standing in for the proxy.
TRUSTED_PROXIES = ["127.0.0.0/8", "::1"]
