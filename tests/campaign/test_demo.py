"""The campaign demo: a lived-in election, and safe to load twice."""

import pytest

from campaign import demo, selectors
from campaign.models import BranchMeeting, Candidate, Election, Nomination
from members import demo as members_demo
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_builds_a_board_worth_looking_at_and_is_idempotent():
    members_demo.load(branches=120)
    first = demo.load(positions=12, candidates=24)
    assert first["positions"] == 15  # 12 NEC positions and 3 for the group executive
    assert first["candidates"] == 29
    nec = Election.objects.get(group__isnull=True)
    assert Candidate.objects.filter(position__election=nec).count() == 24
    assert BranchMeeting.objects.count() > 80
    assert Nomination.objects.filter(verified_by__isnull=True).exists()
    counts = (
        Election.objects.count(),
        Candidate.objects.count(),
        BranchMeeting.objects.count(),
        Nomination.objects.count(),
    )
    second = demo.load(positions=12, candidates=24)
    assert second["candidates"] == 0
    assert second["meetings"] == 0
    assert second["nominations"] == 0
    assert counts == (
        Election.objects.count(),
        Candidate.objects.count(),
        BranchMeeting.objects.count(),
        Nomination.objects.count(),
    )
    board = selectors.election_board(election=nec, user=UserFactory())
    assert board.deadlines  # notice deadlines in the next 28 days
    assert board.not_held
    assert any(row.total for row in board.rows)


def test_demo_has_a_public_and_a_members_only_event_made_once():
    from campaign.models import Event

    members_demo.load(branches=10)
    demo.load(positions=2, candidates=2)
    demo.load(positions=2, candidates=2)
    events = {e.slug: e for e in Event.objects.all()}
    assert set(events) == {"pay-campaign-meeting", "members-ballot-briefing"}
    assert events["members-ballot-briefing"].members_only
    assert all(e.is_published for e in events.values())
