"""Background work of the members app (queued in PostgreSQL by django-tasks)."""

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from core.task_recovery import send_once, sent_key
from members import conf, tokens
from members.contacts import report_pages
from members.models import BranchContactLink, Member

KINDS = {"confirm", "confirm_again", "already_joined", "welcome", "update_branch"}


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


class _Withdrawn(Exception):
    """The link was revoked (or deleted) while the task waited for its row lock."""


@task()
def send_contact_link(link_id: int, *, dedupe_key: str = "", reminder: str = "") -> bool:
    """Email a branch contact their personal links; return whether this run sent it.

    The email lists every page the link reports on (``members.contacts.report_pages``);
    a reminder (``reminder``: why it is sent, in words) says so first.
    Sent once per queued run (or per `dedupe_key`), so a requeued task does not
    send it twice.

    The task is given the link's id only, never a token: task arguments are
    stored in the queue's table (django_tasks_db's DBTaskResult), and a raw
    token there could be turned into a working link by anyone who reads the
    database. The token is made here, at send time, and only its hash is kept.

    Token, hash and sent-marker are written in the one transaction that
    ``send_once`` commits only after the mail server accepted the message.
    So a send that fails leaves the link's hash as it was (no token works,
    or the one emailed before still does), and the retry makes and emails a
    fresh token: the only token that works is the one in the last email that
    was sent. We keep one hash per link rather than one per email because it
    is simpler and safer: an earlier email that went astray never opens the
    link once a later one has gone. (In the one window ``send_once`` leaves
    open, mail accepted but the COMMIT lost, that email's token never works
    and the rerun emails a working one: a dead link, never a second live one.)
    """
    link = BranchContactLink.objects.filter(pk=link_id).first()
    if link is None or not link.is_live:
        return False  # revoked or deleted before the email went: send nothing

    def send():
        # Inside send_once's transaction: the new hash commits with the marker.
        with transaction.atomic():
            locked = (
                BranchContactLink.objects.select_for_update(of=("self",))
                .select_related("branch")
                .filter(pk=link_id)
                .first()
            )
            if locked is None or not locked.is_live:
                raise _Withdrawn  # rolls back the marker too
            token = locked.new_token()
            subject = f"Your link to report for {locked.branch.name}"
            send_mail(
                subject=f"Reminder: {reminder}. {subject}" if reminder else subject,
                message=_message(locked, token, reminder),
                from_email=None,
                recipient_list=[locked.email],
            )

    try:
        return send_once(sent_key("members.tasks.send_contact_link", dedupe_key), send)
    except _Withdrawn:
        return False


def _message(link, token: str, reminder: str = "") -> str:
    context = {
        "link": link,
        "pages": report_pages(link, token),
        "SITE_NAME": settings.SITE_NAME,
        "reminder": reminder,  # why a reminder is sent ("report your AGM's result"), or ""
    }
    return render_to_string("members/email/contact_link.txt", context)
