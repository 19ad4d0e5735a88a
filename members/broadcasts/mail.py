"""One member's copy of a broadcast: the parts, the merge fields and the headers.

Headers for mail that lands and can be left (RFC 8058, RFC 2919, RFC 5322):
From is the faction's sending address (its domain is the one SPF, DKIM and
DMARC cover, README "Sending email"); Sender only when a separate sending
mailbox is configured; Reply-To the broadcast's; a Message-ID made from the
delivery row, so a copy sent twice after a crash carries the same id and
mailbox providers fold the two; Date; List-Id; List-Unsubscribe with an HTTPS
link and List-Unsubscribe-Post for one-click unsubscribing. No tracking pixel
and no rewritten links.
"""

from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from members import conf, tokens
from members.broadcasts.rendering import merge, render
from members.models import Broadcast, ConsentKind, Member

UNSUBSCRIBE = "members.broadcast.unsubscribe"


def unsubscribe_token(*, member_id: int, kind: str, broadcast_id: int) -> str:
    """A signed token naming the member, the consent to withdraw and the broadcast."""
    return signing.dumps([member_id, kind, broadcast_id], salt=UNSUBSCRIBE)


def read_unsubscribe_token(token: str) -> tuple[int, str, int] | None:
    """(member id, consent kind, broadcast id) of a valid token, or None."""
    max_age = timedelta(days=settings.BROADCAST_UNSUBSCRIBE_DAYS)
    try:
        member_id, kind, broadcast_id = signing.loads(token, salt=UNSUBSCRIBE, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(member_id, int) and isinstance(broadcast_id, int)):
        return None
    if kind not in ConsentKind.values:
        return None
    return member_id, kind, broadcast_id


def from_address() -> str:
    return settings.BROADCAST_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL


def mail_domain() -> str:
    return parseaddr(from_address())[1].rpartition("@")[2] or "localhost"


def message_id(broadcast_id: int, delivery_id: int | str) -> str:
    return f"<broadcast.{broadcast_id}.{delivery_id}@{mail_domain()}>"


@dataclass(frozen=True)
class Recipient:
    """What a message needs of a member: nothing else personal is merged."""

    pk: int | None  # None for an organiser's test copy
    name: str
    email: str
    branch: str
    secret: str = ""

    @classmethod
    def of(cls, member: Member) -> "Recipient":
        branch = member.branch.name if member.branch_id else member.branch_not_listed
        return cls(member.pk, member.name, member.email, branch, member.secret)


# Stand-ins for each recipient's links in the parts rendered once per broadcast.
_UNSUBSCRIBE, _MANAGE = "\x00unsubscribe\x00", "\x00manage\x00"


class Composer:
    """A broadcast's parts rendered once (Markdown and both templates); each
    recipient's copy is then made by putting in their merge fields and links,
    so sending 100,000 renders the templates once, not 100,000 times."""

    def __init__(self, broadcast: Broadcast, *, test: bool = False):
        self.broadcast, self.test = broadcast, test
        body = render(broadcast.body)
        context = {
            "broadcast": broadcast,
            "html_body": body.html,
            "text_body": body.text,
            "unsubscribe_url": _UNSUBSCRIBE,
            "manage_url": "" if test else _MANAGE,
            "manage_days": conf.manage_link_max_age().days,
            "consent": broadcast.get_consent_display().lower(),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
        }
        self.text = render_to_string("members/email/broadcast.txt", context)
        self.html = render_to_string("members/email/broadcast.html", context)
        self.headers = {
            "List-Id": f"{settings.SITE_NAME} broadcasts <broadcasts.{mail_domain()}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        sender = settings.BROADCAST_SENDER_EMAIL
        if sender and parseaddr(sender)[1] != parseaddr(from_address())[1]:
            self.headers["Sender"] = sender

    def message(
        self, recipient: Recipient, *, delivery_id: int | str, connection=None
    ) -> EmailMultiAlternatives:
        broadcast = self.broadcast
        values = {"name": recipient.name, "branch": recipient.branch}
        token = unsubscribe_token(
            member_id=recipient.pk or 0, kind=broadcast.consent, broadcast_id=broadcast.pk
        )
        unsubscribe_url = settings.SITE_URL + reverse("members:unsubscribe", args=[token])
        manage_url = ""
        if recipient.pk:
            manage_url = settings.SITE_URL + reverse(
                "members:manage", args=[tokens.make_token(recipient, tokens.MANAGE)]
            )
        links = ((_UNSUBSCRIBE, unsubscribe_url), (_MANAGE, manage_url))
        text, html = merge(self.text, values, escape=False), merge(self.html, values, escape=True)
        for stand_in, url in links:
            text, html = text.replace(stand_in, url), html.replace(stand_in, escape(url))
        subject = " ".join(merge(broadcast.subject, values, escape=False).split())
        message = EmailMultiAlternatives(
            subject=f"[Test] {subject}" if self.test else subject,
            body=text,
            from_email=from_address(),
            to=[recipient.email],
            reply_to=[broadcast.reply_to] if broadcast.reply_to else None,
            headers={
                **self.headers,
                "Message-ID": message_id(broadcast.pk, delivery_id),
                "List-Unsubscribe": f"<{unsubscribe_url}>",
            },
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        return message
