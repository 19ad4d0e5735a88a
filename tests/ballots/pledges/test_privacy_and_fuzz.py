"""'I've voted' reports as personal data, and the form under fuzzing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.models import VotePledge
from ballots.pledges import services
from ballots.pledges.forms import started_token
from core.retention import enforce_retention
from members.download import member_data
from members.services import member_erase
from tests.ballots.factories import BallotFactory, VotePledgeFactory

pytestmark = pytest.mark.django_db


def test_download_erasure_and_the_privacy_page(client, live):
    services.pledge_record(member=live["ada"], ballot=live["ballot"], consent_version=1)
    [row] = member_data(live["ada"])["voted_reports"]
    assert row["ballot"] == live["ballot"].name
    member_erase(member=live["ada"])
    assert not VotePledge.objects.exists()
    html = client.get("/privacy/").content.decode()
    assert "reports" in html
    assert "days after the ballot closes" in html


def test_retention_removes_reports_a_while_after_the_ballot_closed(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "vote_pledges": 90}
    today = timezone.localdate()
    old = BallotFactory(
        opens_on=today - dt.timedelta(days=200), closes_on=today - dt.timedelta(days=100)
    )
    recent = BallotFactory(
        opens_on=today - dt.timedelta(days=60), closes_on=today - dt.timedelta(days=30)
    )
    VotePledgeFactory(ballot=old)
    kept = VotePledgeFactory(ballot=recent)
    assert enforce_retention(now=timezone.now())["vote_pledges"] == 1
    assert list(VotePledge.objects.all()) == [kept]


text = st.one_of(st.text(max_size=300), st.sampled_from(["", "ada@example.org", "x" * 260]))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    email=st.one_of(text, st.emails().map(str)),
    consent=st.sampled_from(["", "on"]),
    website=st.sampled_from(["", "x"]),
    started=st.one_of(st.just("good"), text),
)
def test_any_request_is_a_page_and_records_nothing(client, live, email, consent, website, started):
    data = {
        "email": email,
        "consent": consent,
        "website": website,
        "started": started_token() if started == "good" else started,
    }
    response = client.post(reverse("ballots:pledge_form", args=[live["ballot"].pk]), data)
    assert response.status_code in (302, 400)
    assert not VotePledge.objects.exists()  # only the emailed link's POST records


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=st.text(max_size=200))
def test_any_link_is_a_page(client, live, token):
    token = token.replace("/", "") or "x"
    response = client.post(reverse("ballots:pledge_confirm", args=[token]))
    assert response.status_code == 400
    assert not VotePledge.objects.exists()
