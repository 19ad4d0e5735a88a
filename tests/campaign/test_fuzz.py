"""Fuzzing: the AGM import and the organiser's bulk entry never fail with a 500 or half-save."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign import services
from campaign.models import BranchMeeting, Nomination, NominationReport
from members.models import Branch, User
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    PositionFactory,
)
from tests.factories import BranchFactory, UserFactory

pytestmark = pytest.mark.django_db

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["DWP-1", "DWP-2", "2027-02-14", "31/02/2027", "14/02/2027", ""]),
)
lines = st.lists(st.lists(cell, min_size=0, max_size=4), max_size=6)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header=st.sampled_from(["branch_code,date,place", "branch_code,date", "x,y"]), rows=lines)
def test_agm_import_saves_all_or_nothing(header, rows):
    for code in ("DWP-1", "DWP-2"):
        if not Branch.objects.filter(code=code).exists():
            BranchFactory(code=code)
    text = (
        header
        + "\n"
        + "\n".join(",".join(c.replace(",", " ").replace("\n", " ") for c in r) for r in rows)
    )
    before = BranchMeeting.objects.count()
    try:
        count = services.agm_dates_import(
            data=text, user=UserFactory(), branches=Branch.objects.all()
        )
    except services.CampaignError:
        assert BranchMeeting.objects.count() == before
    else:
        assert count >= 1
        assert BranchMeeting.objects.count() - before <= count
    BranchMeeting.objects.all().delete()


@pytest.fixture
def setup():
    user = UserFactory(username="fuzz-national", role=User.Role.NATIONAL)
    election = ElectionFactory()
    position = PositionFactory(election=election, seats=2)
    candidates = CandidateFactory.create_batch(3, position=position)
    meeting = MeetingFactory(date=datetime.date(2027, 2, 1))
    return user, election, position, candidates, meeting


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(st.one_of(st.integers(-5, 10**6), st.text(max_size=5)), max_size=5),
    others=st.text(max_size=300),
    reporter=st.text(max_size=250),
)
def test_bulk_entry_fuzz(client, setup, picks, others, reporter):
    user, election, position, candidates, meeting = setup
    client.force_login(user)
    ids = [c.pk for c in candidates]
    data = {
        f"e{election.pk}-pos_{position.pk}": [
            str(ids[p % 3]) if isinstance(p, int) and p >= 0 else p for p in picks
        ],
        f"e{election.pk}-other_{position.pk}": others.replace("\x00", ""),
        "who-reported_by": reporter.replace("\x00", ""),
    }
    response = client.post(reverse("admin:campaign_branchmeeting_result", args=[meeting.pk]), data)
    assert response.status_code in (200, 302)
    saved = Nomination.objects.active().filter(meeting=meeting).count()
    assert saved <= position.seats
    if response.status_code == 200:
        assert not NominationReport.objects.filter(meeting=meeting).exists()
    Nomination.objects.all().delete()
    NominationReport.objects.all().delete()
