"""Background work for the campaign app (run by `manage.py db_worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_tasks import task

from campaign.task_recovery import send_once, sent_key


class _Withdrawn(Exception):
    """The link was revoked (or deleted) while the task waited for its row lock."""


@task()
def send_contact_link(link_id: int, *, dedupe_key: str = "") -> bool:
    """Email a branch contact their personal links; return whether this run sent it.

    One link per election open to their branch, and always the ballots page
    where the same token reports readiness and turnout. Sent once per queued
    run (or per `dedupe_key`), so a requeued task does not send it twice.

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
    from campaign.models import BranchContactLink

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
            send_mail(
                subject=f"Your link to report for {locked.branch.name}",
                message=_message(locked, token),
                from_email=None,
                recipient_list=[locked.email],
            )

    try:
        return send_once(sent_key("campaign.tasks.send_contact_link", dedupe_key), send)
    except _Withdrawn:
        return False


def _message(link, token: str) -> str:
    from campaign.models import Election

    today = timezone.localdate()
    elections = Election.objects.for_branch(link.branch).filter(nominations_close__gte=today)
    query = urlencode({"token": token})
    urls = [
        (e, f"{settings.SITE_URL}{reverse('campaign:report', args=[e.slug])}?{query}")
        for e in elections
    ]
    context = {
        "link": link,
        "urls": urls,
        "ballots_url": f"{settings.SITE_URL}{reverse('ballots:contact_report')}?{query}",
        "SITE_NAME": settings.SITE_NAME,
    }
    return render_to_string("campaign/email/contact_link.txt", context)
