"""The nominations board: hand-counted figures, scope, the audited CSV, its query count."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.urls import reverse

from campaign import selectors
from campaign.models import BranchMeeting, Candidate, Nomination, Position
from campaign.services import nominations_verify
from members.models import AuditEvent, Branch, User
from tests.campaign.admin.world import NOW, TODAY
from tests.campaign.factories import ElectionFactory
from tests.factories import GroupFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _row(board, name):
    return next(r for r in board.rows if r.candidate.name == name)


def test_board_counts_match_the_hand_count_for_a_national_organiser(world):
    board = selectors.election_board(
        election=world["nec"], user=world["national"], today=TODAY, detail=True
    )
    ann, bob, cat = _row(board, "Ann"), _row(board, "Bob"), _row(board, "Cat")
    assert (ann.verified, ann.unverified, ann.short_by) == (1, 1, 1)
    assert (bob.verified, bob.unverified, bob.short_by) == (2, 0, 0)
    assert (cat.verified, cat.unverified) == (0, 0)
    assert ann.verified_branches == [f"D1 {world['b']['D1'].name}"]
    assert ann.unverified_branches == [f"H1 {world['b']['H1'].name}"]
    # D3 meets on 1 March (not yet held), D4 has no AGM: not held. D2 held, nominated none of ours.
    assert [x.code for x in board.not_held] == ["D3", "D4"]
    assert board.not_held[0].next_meeting == datetime.date(2027, 3, 1)
    assert [x.code for x in board.none_of_ours] == ["D2"]
    # D3's meeting on 1 March: only its papers (22 Feb) are still ahead; the 28-day
    # and 14-day deadlines passed on 1 and 15 February.
    assert [(d.branch.split()[0], d.label, d.due) for d in board.deadlines] == [
        ("D3", "Meeting papers out", datetime.date(2027, 2, 22))
    ]


def test_board_for_a_group_organiser_counts_only_their_branches(world):
    board = selectors.election_board(election=world["nec"], user=world["organiser"], today=TODAY)
    ann, bob = _row(board, "Ann"), _row(board, "Bob")
    assert (ann.verified, ann.unverified) == (1, 0)  # H1 is HMRC: out of scope
    assert (bob.verified, bob.unverified) == (1, 0)
    assert "H1" not in [x.code for x in board.not_held + board.none_of_ours]


def test_board_page_and_csv_export_is_audited(client, world):
    with time_machine.travel(NOW, tick=False):
        client.force_login(world["national"])
        page = client.get(reverse("admin:campaign_election_board", args=[world["nec"].pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Nominations board: NEC 2027" in html
        assert "Notice deadlines in the next 28 days (1)" in html
        response = client.get(reverse("admin:campaign_election_board_csv", args=[world["nec"].pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["position", "candidate", "verified", "unverified"]
    assert rows[1][:6] == ["President", "Ann", "1", "1", "2", "1"]
    event = AuditEvent.objects.get(action="export")
    assert event.subject == "campaign nominations board"
    assert event.rows == 3
    assert event.actor == world["national"]


def test_board_runs_a_fixed_small_number_of_queries_on_a_large_election(
    client, django_assert_max_num_queries
):
    """35 positions, 200 candidates, 1,000 branches, 6,000 nominations: the same queries
    as for a handful of branches. Built, 16 (the session and user, the board's nine
    narrow reads, the filters' three lists of choices and the admin's own) and the
    shared cache's (the topics' versions, the kept body, storing it: 13 on a first
    ever read, with savepoints); seen again, 5: the body is kept."""
    group, region = GroupFactory(code="big"), RegionFactory()
    Branch.objects.bulk_create(
        Branch(code=f"B{i:04d}", name=f"Branch {i}", group=group, region=region)
        for i in range(1000)
    )
    branches = list(Branch.objects.all())
    election = ElectionFactory(slug="big")
    positions = Position.objects.bulk_create(
        Position(election=election, title=f"P{i}", seats=6, order=i) for i in range(35)
    )
    candidates = Candidate.objects.bulk_create(
        Candidate(position=positions[i % 35], name=f"C{i}", order=i) for i in range(200)
    )
    meetings = BranchMeeting.objects.bulk_create(
        BranchMeeting(branch=b, date=datetime.date(2027, 1, 10) + datetime.timedelta(days=i % 60))
        for i, b in enumerate(branches)
    )
    user = UserFactory(role=User.Role.NATIONAL)
    Nomination.objects.bulk_create(
        Nomination(
            meeting=meetings[i],
            position=c.position,
            candidate=c,
            verified_by=user if i % 2 else None,
            verified_at=NOW if i % 2 else None,
        )
        for i in range(0, 1000, 5)
        for c in candidates[:30]
    )
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        url = reverse("admin:campaign_election_board", args=[election.pk])
        with django_assert_max_num_queries(16 + 13):
            response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        with django_assert_max_num_queries(5):  # session, user, permissions (2), the election
            again = client.get(url)
        # The same page but for the logout form's CSRF token.
        assert (
            again.content.decode().split("<h2>Summary</h2>")[1] == html.split("<h2>Summary</h2>")[1]
        )
        assert "C199" in html
        # Summary first; the long lists are cut to their first rows, with a link to all.
        assert html.index("<h2>Summary</h2>") < html.index("<h2>Candidates</h2>")
        assert "Show all" in html
        with django_assert_max_num_queries(17 + 6):  # and the position chosen, checked
            filtered = client.get(
                reverse("admin:campaign_election_board", args=[election.pk]),
                {"position": positions[0].pk, "status": "not_held"},
            )
    assert filtered.status_code == 200
    assert "C199" not in filtered.content.decode()


def test_board_csv_defuses_a_candidate_named_as_a_formula(client, world):
    """A candidate named =HYPERLINK(...) is text in the board CSV, not a formula."""
    Candidate.objects.filter(pk=world["ann"].pk).update(name='=HYPERLINK("http://x")')
    client.force_login(world["national"])
    response = client.get(reverse("admin:campaign_election_board_csv", args=[world["nec"].pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not [c for c in cells if c[:1] in {"=", "+", "-", "@", "\t", "\r"}]


def _candidate_cells(html: str, name: str) -> tuple[str, str]:
    """(verified, unverified) of a candidate's row on the board page."""
    found = re.search(
        rf'<th scope="row">{name}</th><td class="num \w+">(\d+)</td><td class="num">(\d+)</td>',
        html,
    )
    return found.groups()


def test_a_kept_board_is_rebuilt_once_something_it_shows_changes(client, world):
    """The body is kept per election, scope, filters and day: a verification moves it at
    once, an organiser of one group never gets the national board, and a new day does."""
    url = reverse("admin:campaign_election_board", args=[world["nec"].pk])
    with time_machine.travel(NOW, tick=False):
        client.force_login(world["national"])
        assert _candidate_cells(client.get(url).content.decode(), "Ann") == ("1", "1")
        client.force_login(world["organiser"])  # DWP only: H1's nomination is not counted
        assert _candidate_cells(client.get(url).content.decode(), "Ann") == ("1", "0")
        client.force_login(world["national"])
        nominations_verify(
            nominations=Nomination.objects.filter(meeting__branch__code="H1"),
            user=world["national"],
        )
        assert _candidate_cells(client.get(url).content.decode(), "Ann") == ("2", "0")
        assert "Notice deadlines in the next 28 days (1)" in client.get(url).content.decode()
    # D3's last deadline (meeting papers out, 22 February) is behind on the 23rd.
    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
        client.force_login(world["national"])
        assert "Notice deadlines in the next 28 days (0)" in client.get(url).content.decode()
