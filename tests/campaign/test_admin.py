"""The organisers' admin: nominations board, exports, bulk entry, imports, links, scoping."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaign import selectors
from campaign.models import (
    BranchMeeting,
    Candidate,
    Nomination,
    NominationReport,
    Position,
    ReservedSeatRule,
)
from members.models import AuditEvent, Branch, BranchContactLink, User
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    PositionFactory,
)
from tests.factories import BranchFactory, GroupFactory, MemberFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 2, 20)
NOW = datetime.datetime(2027, 2, 20, 12, tzinfo=datetime.UTC)


@pytest.fixture
def world():
    """A hand-counted fixture: two groups, a national and a group election."""
    dwp, hmrc = GroupFactory(code="dwp", name="DWP"), GroupFactory(code="hmrc", name="HMRC")
    region = RegionFactory()
    b = {
        code: BranchFactory(code=code, group=dwp, region=region)
        for code in ["D1", "D2", "D3", "D4"]
    }
    b["H1"] = BranchFactory(code="H1", group=hmrc, region=region)
    nec = ElectionFactory(name="NEC 2027", slug="nec-2027", nominations_needed=2)
    gec = ElectionFactory(name="DWP GEC 2027", slug="dwp-gec", group=dwp)
    hgec = ElectionFactory(name="HMRC GEC 2027", slug="hmrc-gec", group=hmrc)
    pres = PositionFactory(election=nec, title="President", seats=1)
    vps = PositionFactory(election=nec, title="Vice President", seats=2)
    ann = CandidateFactory(position=pres, name="Ann")
    bob = CandidateFactory(position=vps, name="Bob")
    cat = CandidateFactory(position=vps, name="Cat")
    national = UserFactory(username="nat", role=User.Role.NATIONAL)
    organiser = UserFactory(username="dwp-org", role=User.Role.GROUP, group=dwp)
    m = {
        "D1": MeetingFactory(branch=b["D1"], date=datetime.date(2027, 1, 20)),
        "D2": MeetingFactory(branch=b["D2"], date=datetime.date(2027, 2, 1)),
        "D3": MeetingFactory(
            branch=b["D3"], date=datetime.date(2027, 3, 1), our_nominations_moved=True
        ),
        "H1": MeetingFactory(branch=b["H1"], date=datetime.date(2027, 2, 5)),
    }

    def nominate(meeting, candidate=None, other="", verified=False):
        return Nomination.objects.create(
            meeting=meeting,
            position=candidate.position if candidate else vps,
            candidate=candidate,
            other_name=other,
            verified_by=national if verified else None,
            verified_at=NOW if verified else None,
        )

    # D1: Ann and Bob, verified. D2: another faction only. H1: Ann unverified, Bob verified.
    nominate(m["D1"], ann, verified=True)
    nominate(m["D1"], bob, verified=True)
    nominate(m["D2"], other="Someone Else")
    nominate(m["H1"], ann)
    nominate(m["H1"], bob, verified=True)
    # A superseded nomination never counts.
    report = NominationReport.objects.create(
        meeting=m["D2"], election=nec, version=1, source="contact", reported_by="x"
    )
    old = nominate(m["D2"], cat, verified=True)
    Nomination.objects.filter(pk=old.pk).update(superseded_by=report)
    return locals()


def _row(board, name):
    return next(r for r in board.rows if r.candidate.name == name)


def test_board_counts_match_the_hand_count_for_a_national_organiser(world):
    board = selectors.election_board(election=world["nec"], user=world["national"], today=TODAY)
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
    assert [u.meeting.branch.code for u in board.upcoming] == ["D3"]
    deadlines = dict(board.upcoming[0].deadlines)
    assert deadlines["Meeting papers out"] == datetime.date(2027, 2, 22)
    assert deadlines["Members told of the meeting"] == datetime.date(2027, 2, 1)


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
        assert "Branch meetings (AGMs and EGMs) in the next 14 days (1)" in html
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
    """35 positions, 200 candidates, 1,000 branches, 6,000 nominations: under 10 queries."""
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
        with django_assert_max_num_queries(9):
            response = client.get(reverse("admin:campaign_election_board", args=[election.pk]))
    assert response.status_code == 200
    assert "C199" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_bulk_entry_records_a_whole_agm_on_one_screen(client, world):
    client.force_login(world["national"])
    meeting = world["m"]["D3"]
    gec_pos = PositionFactory(election=world["gec"], title="GEC President")
    dan = CandidateFactory(position=gec_pos, name="Dan")
    url = reverse("admin:campaign_branchmeeting_result", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "NEC 2027" in html
    assert "DWP GEC 2027" in html
    assert "HMRC GEC" not in html
    nec, gec = world["nec"].pk, world["gec"].pk
    response = client.post(
        url,
        {
            f"e{nec}-pos_{world['pres'].pk}": [world["ann"].pk],
            f"e{nec}-other_{world['vps'].pk}": "Eve Other",
            f"e{gec}-pos_{gec_pos.pk}": [dan.pk],
            "who-reported_by": "Branch chair",
            "verify": "on",
        },
    )
    assert response.status_code == 302
    saved = Nomination.objects.active().filter(meeting=meeting)
    assert sorted(n.nominee for n in saved) == ["Ann", "Dan", "Eve Other"]
    assert all(n.verified_by == world["national"] for n in saved)
    assert NominationReport.objects.filter(meeting=meeting).count() == 2  # one per election


def test_bulk_entry_over_seats_shows_the_error_and_saves_nothing(client, world):
    client.force_login(world["national"])
    meeting = world["m"]["D3"]
    nec = world["nec"].pk
    response = client.post(
        reverse("admin:campaign_branchmeeting_result", args=[meeting.pk]),
        {
            f"e{nec}-pos_{world['vps'].pk}": [world["bob"].pk, world["cat"].pk],
            f"e{nec}-other_{world['vps'].pk}": "Third Person",
            "who-reported_by": "x",
        },
    )
    assert response.status_code == 200
    assert "no more than 2 candidates for Vice President" in response.content.decode()
    assert not Nomination.objects.filter(meeting=meeting).exists()


def test_agm_import_view_saves_a_good_file_and_refuses_a_bad_one(client, world):
    client.force_login(world["organiser"])
    url = reverse("admin:campaign_branchmeeting_import")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile(
        "agms.csv", b"branch_code,date\nD4,2027-02-12\nH1,2027-02-13\nD4,not-a-date\n"
    )
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 3: there is no branch H1 that you organise." in html  # out of scope
    assert "Line 4:" in html
    assert not BranchMeeting.objects.filter(branch=world["b"]["D4"]).exists()
    good = SimpleUploadedFile("agms.csv", b"branch_code,date,place\nD4,2027-02-12,Hall\n")
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert BranchMeeting.objects.get(branch=world["b"]["D4"]).place == "Hall"


def test_sending_a_link_from_the_admin_emails_the_contact(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["organiser"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:members_branchcontactlink_add"),
            {
                "branch": world["b"]["D1"].pk,
                "contact_name": "Jo",
                "email": "jo@example.org",
                "days": 30,
            },
        )
    assert response.status_code == 302
    link = BranchContactLink.objects.get()
    assert link.created_by == world["organiser"]
    assert len(mail.outbox) == 1
    assert "/report/?token=" in mail.outbox[0].body
    response = client.post(
        reverse("admin:members_branchcontactlink_changelist"),
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_group_organiser_cannot_send_a_link_for_another_groups_branch(client, world):
    client.force_login(world["organiser"])
    response = client.post(
        reverse("admin:members_branchcontactlink_add"),
        {
            "branch": world["b"]["H1"].pk,
            "contact_name": "Jo",
            "email": "jo@example.org",
            "days": 30,
        },
    )
    assert response.status_code == 200  # the form refuses the branch
    assert not BranchContactLink.objects.exists()


def test_slate_warnings_show_on_the_election_page(client, world):
    client.force_login(world["national"])
    ReservedSeatRule.objects.create(election=world["nec"], category="Black members", seats=2)
    response = client.get(reverse("admin:campaign_election_change", args=[world["nec"].pk]))
    assert "2 seats are reserved for Black members" in response.content.decode()
    response = client.get(reverse("admin:campaign_position_change", args=[world["vps"].pk]))
    assert response.status_code == 200
    assert "2 seats are reserved for Black members" in response.content.decode()


def test_slate_reordered_inline(client, world):
    client.force_login(world["national"])
    vps = world["vps"]
    url = reverse("admin:campaign_position_change", args=[vps.pk])
    bob, cat = world["bob"], world["cat"]
    data = {
        "election": world["nec"].pk,
        "title": vps.title,
        "seats": 2,
        "votes_per_member": 1,
        "order": 1,
        "candidates-TOTAL_FORMS": 2,
        "candidates-INITIAL_FORMS": 2,
        "candidates-0-id": bob.pk,
        "candidates-0-position": vps.pk,
        "candidates-0-name": "Bob",
        "candidates-0-order": 5,
        "candidates-1-id": cat.pk,
        "candidates-1-position": vps.pk,
        "candidates-1-name": "Cat",
        "candidates-1-order": 1,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(vps.candidates.values_list("name", flat=True)) == ["Cat", "Bob"]


# Scoping: what each organiser sees --------------------------------------------------


@pytest.mark.parametrize(
    ("who", "election", "status"),
    [
        ("national", "nec", 200),
        ("national", "hgec", 200),
        ("organiser", "nec", 200),  # national: visible to every organiser
        ("organiser", "gec", 200),
        ("organiser", "hgec", 404),  # another group's election does not exist for them
    ],
)
@pytest.mark.parametrize("page", ["campaign_election_change", "campaign_election_board"])
def test_election_pages_are_scoped(client, world, who, election, status, page):
    client.force_login(world[who])
    response = client.get(reverse(f"admin:{page}", args=[world[election].pk]))
    assert response.status_code == status


def test_group_organiser_cannot_edit_a_national_election(client, world):
    client.force_login(world["organiser"])
    url = reverse("admin:campaign_election_change", args=[world["nec"].pk])
    response = client.post(url, {"name": "Hijacked"})
    assert response.status_code == 403
    world["nec"].refresh_from_db()
    assert world["nec"].name == "NEC 2027"


def test_group_organiser_sees_only_their_branches_meetings(client, world):
    client.force_login(world["organiser"])
    listing = client.get(reverse("admin:campaign_branchmeeting_changelist")).content.decode()
    assert "(D1)" in listing
    assert "(H1)" not in listing
    other = world["m"]["H1"]
    assert (
        client.get(reverse("admin:campaign_branchmeeting_change", args=[other.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("admin:campaign_branchmeeting_result", args=[other.pk])).status_code
        == 404
    )
    nominations = client.get(reverse("admin:campaign_nomination_changelist")).content.decode()
    assert "H1:" not in nominations
    assert "D1:" in nominations


def test_editor_sees_no_campaign_admin(client, world):
    client.force_login(UserFactory(role=User.Role.EDITOR))
    assert client.get(reverse("admin:campaign_election_changelist")).status_code == 403


def test_verify_action_marks_nominations_checked(client, world):
    client.force_login(world["national"])
    pending = Nomination.objects.active().filter(verified_by__isnull=True)
    ids = list(pending.values_list("pk", flat=True))
    client.post(
        reverse("admin:campaign_nomination_changelist"),
        {"action": "verify", "_selected_action": ids},
    )
    assert not Nomination.objects.active().filter(pk__in=ids, verified_by__isnull=True).exists()


def test_meeting_mover_choices_are_scoped(client, world):
    client.force_login(world["organiser"])
    MemberFactory(branch=world["b"]["H1"])
    response = client.get(
        reverse("admin:campaign_branchmeeting_change", args=[world["m"]["D1"].pk])
    )
    assert response.status_code == 200
    assert timezone.now()


@pytest.mark.parametrize(
    "model",
    [
        "election",
        "position",
        "candidate",
        "branchmeeting",
        "nomination",
        "nominationreport",
        "noticerule",
    ],
)
@pytest.mark.parametrize("who", ["national", "organiser"])
def test_every_campaign_admin_list_and_add_page_opens(client, world, model, who):
    client.force_login(world[who])
    assert client.get(reverse(f"admin:campaign_{model}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:campaign_{model}_add"))
    read_only = model in {"nomination", "nominationreport"} or (
        model == "noticerule" and who != "national"
    )
    assert add.status_code == (403 if read_only else 200)


@pytest.mark.parametrize("who", ["national", "organiser"])
def test_contact_link_list_and_add_pages_open(client, world, who):
    """The links moved to the members app; organisers still send them from the admin."""
    client.force_login(world[who])
    assert client.get(reverse("admin:members_branchcontactlink_changelist")).status_code == 200
    assert client.get(reverse("admin:members_branchcontactlink_add")).status_code == 200


def test_meeting_change_page_links_to_the_result_screen(client, world):
    client.force_login(world["national"])
    meeting = world["m"]["D1"]
    html = client.get(
        reverse("admin:campaign_branchmeeting_change", args=[meeting.pk])
    ).content.decode()
    assert reverse("admin:campaign_branchmeeting_result", args=[meeting.pk]) in html


def test_regional_organiser_sees_national_elections_but_cannot_add_to_them(client, world):
    regional = UserFactory(username="reg", role=User.Role.REGIONAL, region=world["region"])
    client.force_login(regional)
    assert (
        client.get(reverse("admin:campaign_election_board", args=[world["nec"].pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:campaign_election_change", args=[world["gec"].pk])).status_code
        == 404
    )
    response = client.post(
        reverse("admin:campaign_position_add"),
        {
            "election": world["nec"].pk,
            "title": "Sneaky",
            "seats": 1,
            "votes_per_member": 1,
            "order": 9,
            "candidates-TOTAL_FORMS": 0,
            "candidates-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form refuses the national election
    assert not Position.objects.filter(title="Sneaky").exists()
