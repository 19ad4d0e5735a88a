"""What a branch contact's link opens in the campaign: their AGM report, per election."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from campaign.models import Election
from members.contacts import ReportPage


def report_pages(link, token: str) -> list[ReportPage]:
    today = timezone.localdate()
    elections = (
        Election.objects.published().for_branch(link.branch).filter(nominations_close__gte=today)
    )
    query = urlencode({"token": token})
    return [
        ReportPage(
            title="Branch AGM",
            about=(
                "tell us the date of your branch AGM and, after the meeting, "
                "who the branch nominated."
            ),
            links=[
                (e.name, f"{settings.SITE_URL}{reverse('campaign:report', args=[e.slug])}?{query}")
                for e in elections
            ],
            empty="There are no elections taking nominations at the moment; we will be in touch.",
        )
    ]
