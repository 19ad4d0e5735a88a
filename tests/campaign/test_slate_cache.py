"""The cached public slate page shows a new count as soon as nominations change.

The nomination services write with update() and bulk_create(), which send no
model signals, so they retire the page cache themselves (pagecache.invalidate).
"""

import pytest

from campaign import services
from campaign.models import Nomination
from campaign.services import Entry
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    PositionFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/elections/nec-2027/"


@pytest.fixture
def slate():
    election = ElectionFactory(slug="nec-2027", publish_counts=True, nominations_needed=3)
    president = PositionFactory(election=election, title="President", seats=1)
    return {
        "election": election,
        "president": president,
        "ann": CandidateFactory(position=president, name="Ann"),
    }


def _count_shown(response) -> str:
    html = response.content.decode()
    assert "of 3 branch nominations" in html
    return html.split('<p class="campaign-count"><strong>', 1)[1].split("</strong>", 1)[0]


def _cached(client):
    first = client.get(URL)
    assert first.status_code == 200
    second = client.get(URL)
    assert second["X-Page-Cache"] == "hit"
    return second


def test_verifying_a_nomination_shows_the_new_count_at_once(client, page_cache, slate):
    services.nomination_report(
        meeting=MeetingFactory(),
        election=slate["election"],
        entries=[Entry(slate["president"], slate["ann"])],
        reported_by="Sec",
        source="contact",
    )
    assert _count_shown(_cached(client)) == "0"  # reported, not yet verified

    services.nominations_verify(nominations=Nomination.objects.all(), user=UserFactory())

    response = client.get(URL)
    assert response["X-Page-Cache"] == "miss"
    assert _count_shown(response) == "1"


def test_an_organiser_report_verified_at_once_shows_at_once(client, page_cache, slate):
    meeting = MeetingFactory()  # saved before the page is cached: its signal is spent
    assert _count_shown(_cached(client)) == "0"

    services.nomination_report(
        meeting=meeting,
        election=slate["election"],
        entries=[Entry(slate["president"], slate["ann"])],
        reported_by="Organiser",
        source="organiser",
        user=UserFactory(),
        verify=True,
    )

    response = client.get(URL)
    assert response["X-Page-Cache"] == "miss"
    assert _count_shown(response) == "1"
