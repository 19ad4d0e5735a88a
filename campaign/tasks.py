"""Background work for the campaign app (run by `manage.py db_worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task


@task()
def send_contact_link(link_id: int, token: str) -> None:
    """Email a branch contact their personal link, one per election open to their branch."""
    from campaign.models import BranchContactLink, Election

    link = BranchContactLink.objects.select_related("branch").filter(pk=link_id).first()
    if link is None or not link.is_live:
        return  # revoked or deleted before the email went: send nothing
    today = timezone.localdate()
    elections = Election.objects.for_branch(link.branch).filter(nominations_close__gte=today)
    urls = [
        (e, f"{settings.SITE_URL}{reverse('campaign:report', args=[e.slug])}?token={token}")
        for e in elections
    ]
    context = {"link": link, "urls": urls, "SITE_NAME": settings.SITE_NAME}
    send_mail(
        subject=f"Your link to report {link.branch.name}'s AGM",
        message=render_to_string("campaign/email/contact_link.txt", context),
        from_email=None,
        recipient_list=[link.email],
    )
