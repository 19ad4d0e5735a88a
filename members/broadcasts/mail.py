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

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from members import conf, tokens
from members.broadcasts.rendering import Body, merge, render
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


def build(
    broadcast: Broadcast,
    member: Member,
    *,
    delivery_id: int | str,
    body: Body | None = None,
    test: bool = False,
    connection=None,
) -> EmailMultiAlternatives:
    """The message for one member; `body` is the broadcast's rendered body (pass it
    when sending many, so the Markdown is rendered once)."""
    body = body or render(broadcast.body)
    values = {
        "name": member.name,
        "branch": member.branch.name if member.branch_id else member.branch_not_listed,
    }
    unsubscribe_url = settings.SITE_URL + reverse(
        "members:unsubscribe",
        args=[
            unsubscribe_token(
                member_id=member.pk or 0, kind=broadcast.consent, broadcast_id=broadcast.pk
            )
        ],
    )
    context = {
        "broadcast": broadcast,
        "html_body": merge(body.html, values, escape=True),
        "text_body": merge(body.text, values, escape=False),
        "unsubscribe_url": unsubscribe_url,
        "manage_url": settings.SITE_URL
        + reverse("members:manage", args=[tokens.make_token(member, tokens.MANAGE)])
        if member.pk
        else "",
        "manage_days": conf.manage_link_max_age().days,
        "consent": broadcast.get_consent_display().lower(),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(merge(broadcast.subject, values, escape=False).split())
    headers = {
        "Message-ID": message_id(broadcast.pk, delivery_id),
        "List-Id": f"{settings.SITE_NAME} broadcasts <broadcasts.{mail_domain()}>",
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    sender = settings.BROADCAST_SENDER_EMAIL
    if sender and parseaddr(sender)[1] != parseaddr(from_address())[1]:
        headers["Sender"] = sender
    message = EmailMultiAlternatives(
        subject=f"[Test] {subject}" if test else subject,
        body=render_to_string("members/email/broadcast.txt", context),
        from_email=from_address(),
        to=[member.email],
        reply_to=[broadcast.reply_to] if broadcast.reply_to else None,
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("members/email/broadcast.html", context), "text/html"
    )
    return message
