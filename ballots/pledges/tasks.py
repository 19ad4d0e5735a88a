"""The email with a member's 'I've voted' link."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from ballots.models import Ballot
from ballots.pledges import services
from core.task_recovery import send_once, sent_key
from members import conf
from members.models import Member


@task()
def send_pledge_link(*, member_id: int, ballot_id: int, version: int, dedupe_key: str = "") -> bool:
    """Email the link (made here, at send time: the queue keeps ids, never a token)."""
    member = Member.objects.filter(pk=member_id).first()
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if member is None or ballot is None:
        return False
    token = services.pledge_token(member, ballot, version)
    body = render_to_string(
        "ballots/email/pledge_link.txt",
        {
            "member": member,
            "ballot": ballot,
            "link": settings.SITE_URL + reverse("ballots:pledge_confirm", args=[token]),
            "days": conf.confirm_link_max_age().days,
            "privacy_url": settings.SITE_URL + reverse("members:privacy"),
        },
    )
    message = EmailMessage(
        subject=f"Tell us you have voted: {ballot.name}", body=body, to=[member.email]
    )
    return send_once(sent_key("ballots.pledges.tasks.send_pledge_link", dedupe_key), message.send)
