"""Background work for the campaign app (run by `manage.py db_worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_tasks import task

from campaign.task_recovery import send_once, sent_key


@task()
def send_contact_link(link_id: int, token: str, dedupe_key: str = "") -> bool:
    """Email a branch contact their personal links; return whether this run sent it.

    One link per election open to their branch, and always the ballots page
    where the same token reports readiness and turnout. Sent once per queued
    run (or per `dedupe_key`), so a requeued task does not send it twice.
    """
    from campaign.models import BranchContactLink, Election

    link = BranchContactLink.objects.select_related("branch").filter(pk=link_id).first()
    if link is None or not link.is_live:
        return False  # revoked or deleted before the email went: send nothing
    today = timezone.localdate()
    elections = Election.objects.for_branch(link.branch).filter(nominations_close__gte=today)
    urls = [
        (e, f"{settings.SITE_URL}{reverse('campaign:report', args=[e.slug])}?token={token}")
        for e in elections
    ]
    ballots_url = (
        f"{settings.SITE_URL}{reverse('ballots:contact_report')}?{urlencode({'token': token})}"
    )
    context = {
        "link": link,
        "urls": urls,
        "ballots_url": ballots_url,
        "SITE_NAME": settings.SITE_NAME,
    }
    message = render_to_string("campaign/email/contact_link.txt", context)

    def send():
        send_mail(
            subject=f"Your link to report for {link.branch.name}",
            message=message,
            from_email=None,
            recipient_list=[link.email],
        )

    return send_once(sent_key("campaign.tasks.send_contact_link", dedupe_key), send)
