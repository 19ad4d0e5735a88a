"""What a branch contact's link opens in ballots: the readiness and turnout page."""

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from members.contacts import ReportPage


def report_pages(link, token: str) -> list[ReportPage]:
    url = f"{settings.SITE_URL}{reverse('ballots:contact_report')}?{urlencode({'token': token})}"
    return [
        ReportPage(
            title="Ballot readiness",
            about=(
                "tell us how ready your branch is for an industrial-action ballot, "
                "your progress on its structure tests and, while a ballot runs, "
                "the turnout so far."
            ),
            links=[("Readiness and turnout", url)],
        )
    ]
