"""Fuzzing the reply form: any input ends in a page (302 or 400), never a 500, and
either one whole reply is saved or nothing is."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.events.forms import started_token
from campaign.models import EventRSVP
from tests.campaign.factories import EventFactory
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db

text = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "a@b.co", "x" * 260]))


@pytest.fixture
def event():
    BranchFactory()
    return EventFactory(capacity=3)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=text,
    email=st.one_of(text, st.emails().map(str)),
    branch=st.one_of(text, st.integers(-5, 10**12).map(str)),
    consent=st.sampled_from(["", "on", "off", "1"]),
    website=st.sampled_from(["", "x"]),
    started=st.one_of(st.just("good"), text),
)
def test_any_reply_is_a_page_and_all_or_nothing(
    client, event, name, email, branch, consent, website, started
):
    data = {
        "name": name,
        "email": email,
        "branch": branch,
        "consent": consent,
        "website": website,
        "started": started_token() if started == "good" else started,
    }
    before = EventRSVP.objects.count()
    response = client.post(reverse("campaign:event_rsvp", args=[event.slug]), data)
    assert response.status_code in (302, 400)
    after = EventRSVP.objects.count()
    if response.status_code == 302:
        assert after - before in (0, 1)  # 0: a repeat address, or the event was full
        if after > before:
            rsvp = EventRSVP.objects.latest("pk")
            assert rsvp.name
            assert rsvp.email
            assert rsvp.consent_version == 1
    else:
        assert after == before
    if after >= 3:
        EventRSVP.objects.all().delete()
