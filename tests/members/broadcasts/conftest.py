"""A real SMTP server on loopback, and members in two worlds with and without consent."""

import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from members.models import ConsentKind, Member
from tests.factories import BranchFactory, MemberFactory
from tests.members.factories import ConsentFactory
from tests.members.permissions.worlds import make_world


@pytest.fixture(autouse=True)
def _broadcast_defaults(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "unsubscribe": "1000/h"}
    settings.BROADCAST_RATE_PER_MINUTE = 0  # no pacing: tests do not wait
    settings.BROADCAST_BATCH_SIZE = 3  # several batches even for a few members
    settings.SITE_URL = "https://union.example"
    settings.BROADCAST_FROM_EMAIL = "Rank and File <news@union.example>"


@dataclass
class Mailbox:
    """What the SMTP server received, and the addresses it refuses."""

    messages: list = field(default_factory=list)
    refuse: dict = field(default_factory=dict)  # address -> "550 ..." answer to RCPT TO
    disconnect: bool = False  # hang up on every message while set

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["rcpt"]]


class _Handler:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.box.refuse:
            return self.box.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.box.disconnect:
            return "421 4.3.2 Service shutting down"
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.box.messages.append({"rcpt": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend pointed at aiosmtpd on loopback."""
    box = Mailbox()
    port = _free_port()
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    box.port = port
    yield box
    controller.stop()


def member(branch, *, consents=(ConsentKind.FACTION,), **kwargs) -> Member:
    """A confirmed member of `branch` with these consents live."""
    found = MemberFactory(branch=branch, **kwargs)
    for kind in consents:
        ConsentFactory(member=found, kind=kind)
    return found


@dataclass
class People:
    world_a: object
    world_b: object
    consenting: list  # world A, faction consent
    no_consent: Member  # world A, none
    branch_only: Member  # world A, branch consent only
    pending: Member  # world A, consent but never confirmed
    outside: Member  # world B, consent


@pytest.fixture
def people(db):
    a, b = make_world("a"), make_world("b")
    consenting = [member(a.branch, name=f"Consenting {i}") for i in range(5)]
    return People(
        world_a=a,
        world_b=b,
        consenting=consenting,
        no_consent=member(a.branch, consents=(), name="No Consent"),
        branch_only=member(a.branch, consents=(ConsentKind.BRANCH,), name="Branch Only"),
        pending=member(a.branch, status=Member.Status.PENDING, name="Pending Person"),
        outside=member(b.branch, name="Outside Person"),
    )


@pytest.fixture
def other_branch(people):
    """A second branch in world A's group and region."""
    return BranchFactory(group=people.world_a.group, region=people.world_a.region)
