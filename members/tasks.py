"""Background work of the members app (queued in PostgreSQL by django-tasks)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from campaign.task_recovery import send_once, sent_key
from members import conf, tokens
from members.models import Member

KINDS = {"confirm", "confirm_again", "already_joined", "welcome"}


def render_member_email(member: Member, kind: str) -> tuple[str, str]:
    """Return (subject, body) of one of the member emails, with fresh personal links."""
    if kind not in KINDS:
        raise ValueError(f"Unknown email {kind!r}")
    context = {
        "member": member,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "confirm_url": settings.SITE_URL
        + reverse("members:join_confirm", args=[tokens.make_token(member, tokens.CONFIRM)]),
        "confirm_days": conf.confirm_link_max_age().days,
        "manage_url": settings.SITE_URL
        + reverse("members:manage", args=[tokens.make_token(member, tokens.MANAGE)]),
        "manage_days": conf.manage_link_max_age().days,
        "privacy_url": settings.SITE_URL + reverse("members:privacy"),
        "join_url": settings.SITE_URL + reverse("members:join"),
    }
    subject = render_to_string(f"members/email/{kind}_subject.txt", context)
    body = render_to_string(f"members/email/{kind}.txt", context)
    return " ".join(subject.split()), body


@task()
def send_member_email(*, member_id: int, kind: str, dedupe_key: str = "") -> bool:
    """Send one member email once; return whether this run sent it.

    Nothing goes if the member was erased in the meantime, or if this queued
    run (or an earlier one with the same `dedupe_key`) already sent it: a
    worker killed after the send and requeued does not send it twice. A send
    that raises is retried with backoff (``settings.TASK_RETRIES``).
    """
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        return False
    subject, body = render_member_email(member, kind)
    message = EmailMessage(subject=subject, body=body, to=[member.email])
    return send_once(sent_key("members.tasks.send_member_email", dedupe_key), message.send)
