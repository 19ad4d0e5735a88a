"""The organiser home (the admin index): what needs doing, soonest first, in scope,
with a query count that does not grow with the number of branches."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from campaign import todo as campaign_todo
from campaign.models import BranchMeeting
from core.todo import organiser_todo
from members.models import Branch, Member, User
from tests.campaign.admin.world import NOW, TODAY
from tests.campaign.factories import MeetingFactory
from tests.factories import BranchContactLinkFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _texts(items):
    return [item.text for item in items]


def test_deadlines_in_the_next_28_days_come_soonest_first(world):
    """D3 meets 1 March: its papers go out by 22 Feb; NEC nominations reach HQ by 19 March."""
    todo = organiser_todo(world["national"], TODAY)
    dated = [(item.due, item.text) for item, _left in todo.dated]
    assert dated == sorted(dated)
    assert (datetime.date(2027, 2, 22), "Meeting papers out: 1 AGM on Mon 1 Mar") in dated
    assert (datetime.date(2027, 3, 19), "Nominations for NEC 2027 reach HQ") in dated
    # Passed deadlines (members told by 1 Feb) are not "to do".
    assert not [d for d, _ in dated if d < TODAY]
    left = {item.text: days for item, days in todo.dated}
    assert left["Meeting papers out: 1 AGM on Mon 1 Mar"] == 2


def test_a_notice_deadline_shows_28_days_ahead_not_only_once_the_meeting_is_near(world):
    """A meeting 50 days away has its 28-day notice due in 22 days: on the home already."""
    MeetingFactory(branch=world["b"]["D4"], date=TODAY + datetime.timedelta(days=50))
    items = campaign_todo.notice_deadlines(world["national"], TODAY)
    told = [i for i in items if i.text.startswith("Members told of the meeting")]
    assert [i.due for i in told] == [TODAY + datetime.timedelta(days=22)]


def test_candidates_short_of_the_threshold_say_by_how_many(world):
    items = campaign_todo.short_candidates(world["national"], TODAY)
    assert _texts(items) == [
        "Ann (President, NEC 2027) is 1 short",
        "Cat (Vice President, NEC 2027) is 2 short",
    ]
    assert items[0].url == reverse("admin:campaign_election_board", args=[world["nec"].pk])


def test_a_group_organiser_counts_only_their_branches(world):
    """Bob's second verified nomination is from H1 (HMRC): not the DWP organiser's."""
    items = campaign_todo.short_candidates(world["organiser"], TODAY)
    assert "Bob (Vice President, NEC 2027) is 1 short" in _texts(items)


def test_nominations_waiting_to_be_verified_link_to_them(client, world):
    """H1's nomination of Ann and D2's of someone not on our slate are not yet checked;
    the DWP organiser has only D2's to do."""
    items = campaign_todo.nominations_to_verify(world["national"], TODAY)
    assert _texts(items) == ["NEC 2027: 2 nominations reported, not yet checked"]
    assert _texts(campaign_todo.nominations_to_verify(world["organiser"], TODAY)) == [
        "NEC 2027: 1 nomination reported, not yet checked"
    ]
    client.force_login(world["national"])
    listed = client.get(items[0].url)
    assert listed.status_code == 200
    assert sorted(n.meeting.branch.code for n in listed.context["cl"].result_list) == ["D2", "H1"]


def test_meetings_held_and_not_reported_link_to_their_result_page(world):
    d4 = MeetingFactory(branch=world["b"]["D4"], date=datetime.date(2027, 2, 10))
    items = campaign_todo.unreported_meetings(world["national"], TODAY)
    assert [i.url for i in items] == [reverse("admin:campaign_branchmeeting_result", args=[d4.pk])]
    # Another group's unreported meeting is not the DWP organiser's to do.
    MeetingFactory(branch=world["b"]["H1"], kind=BranchMeeting.Kind.EGM, date=TODAY)
    hmrc_late = MeetingFactory(
        branch=world["b"]["H1"], kind=BranchMeeting.Kind.EGM, date=datetime.date(2027, 2, 12)
    )
    mine = campaign_todo.unreported_meetings(world["organiser"], TODAY)
    assert [i.url for i in mine] == [reverse("admin:campaign_branchmeeting_result", args=[d4.pk])]
    everyone = campaign_todo.unreported_meetings(world["national"], TODAY)
    assert len(everyone) == 2
    assert str(hmrc_late.pk) in everyone[1].url


def test_a_long_list_is_cut_with_how_many_more(world):
    for i in range(12):
        branch = Branch.objects.create(
            code=f"X{i:02}", name=f"Extra {i}", group=world["dwp"], region=world["region"]
        )
        MeetingFactory(branch=branch, date=datetime.date(2027, 2, 11))
    items = campaign_todo.unreported_meetings(world["national"], TODAY)
    assert len(items) == 9
    assert items[-1].text == "and 4 more meetings"
    assert items[-1].url.endswith("?reported=no")


def test_sign_ups_and_unused_links_in_scope(world):
    d1, h1 = world["b"]["D1"], world["b"]["H1"]
    MemberFactory(branch=d1, status=Member.Status.CONFIRMED)
    MemberFactory(branch=h1, status=Member.Status.CONFIRMED)
    MemberFactory(branch=d1, status=Member.Status.PENDING)
    old = timezone.now() - datetime.timedelta(days=5)
    BranchContactLinkFactory(branch=d1, contact_name="Dee", created_at=old)
    BranchContactLinkFactory(branch=h1, contact_name="Hal", created_at=old)
    BranchContactLinkFactory(branch=d1, contact_name="Used", created_at=old, last_used_at=old)
    BranchContactLinkFactory(branch=d1, contact_name="New")  # sent today: not yet a worry
    national = {s.title: _texts(s.items) for s in organiser_todo(world["national"], TODAY).sections}
    assert national["Sign-ups"][0].startswith("2 sign-ups confirmed their email")
    assert national["Sign-ups"][1] == "1 sign-up not confirmed by email yet"
    assert len(national["Links sent but not opened"]) == 2
    mine = {s.title: _texts(s.items) for s in organiser_todo(world["organiser"], TODAY).sections}
    assert mine["Sign-ups"][0].startswith("1 sign-up confirmed")
    assert mine["Links sent but not opened"] == [
        f"D1 {d1.name}: Dee, sent {old:%-d %b}",
    ]


def test_an_editor_sees_no_organising_work(world):
    editor = UserFactory(username="ed", role=User.Role.EDITOR)
    assert organiser_todo(editor, TODAY).empty


def test_the_home_page_lists_the_work_and_then_the_apps(client, world):
    MeetingFactory(branch=world["b"]["D4"], date=datetime.date(2027, 2, 10))
    with time_machine.travel(NOW, tick=False):
        client.force_login(world["organiser"])
        response = client.get(reverse("admin:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Due in the next 28 days" in html
    assert "Meeting papers out: 1 AGM on Mon 1 Mar" in html
    assert "in 2 days" in html
    assert "AGMs held, result not recorded" in html
    assert reverse("admin:campaign_branchmeeting_result", args=[world["m"]["D3"].pk]) not in html
    assert "Everything else" in html
    assert "Branch meetings" in html
    assert "H1 " not in html  # HMRC is not the DWP organiser's


def _many_branches(world, n):
    branches = Branch.objects.bulk_create(
        Branch(code=f"Z{i:04}", name=f"Branch {i}", group=world["dwp"], region=world["region"])
        for i in range(n)
    )
    BranchMeeting.objects.bulk_create(
        BranchMeeting(branch=b, date=TODAY + datetime.timedelta(days=i % 60 - 30))
        for i, b in enumerate(branches)
    )
    Member.objects.bulk_create(
        Member(name=f"M{i}", email=f"m{i}@example.org", branch=b, status=Member.Status.CONFIRMED)
        for i, b in enumerate(branches)
    )


@pytest.mark.parametrize("role", ["national", "organiser"])
def test_the_home_runs_a_fixed_number_of_queries_at_1000_branches(
    client, world, role, django_assert_num_queries
):
    """The same queries for 5 branches and for 1,000 (18: one is coming events, one the
    nominations to verify): counts and lists are cut in SQL."""
    with time_machine.travel(NOW, tick=False):
        client.force_login(world[role])
        client.get(reverse("admin:index"))  # warm the session and content types
        with django_assert_num_queries(18) as small:
            assert client.get(reverse("admin:index")).status_code == 200
        _many_branches(world, 1000)
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get(reverse("admin:index"))
    html = response.content.decode()
    assert re.search(r"and \d{3} more meetings", html)  # the list is cut in SQL
    assert "1000 sign-ups confirmed their email" in html  # all 1,000 are DWP's


def test_the_dated_list_is_cut_with_how_many_more(world):
    """1,000 meetings over 60 days: the first 20 notice deadlines, soonest first, and a
    count; the election's deadline, 27 days away, is still listed."""
    _many_branches(world, 1000)
    todo = organiser_todo(world["national"], TODAY)
    sections = [item.section for item, _ in todo.dated]
    assert sections.count("Branch meetings") == 20
    assert "Nominations for NEC 2027 reach HQ" in [item.text for item, _ in todo.dated]
    assert todo.dated_more > 0
    assert [item.due for item, _ in todo.dated] == sorted(item.due for item, _ in todo.dated)


def test_a_meeting_reported_as_nominating_nobody_is_not_unreported(world):
    """A report with no nominations still records the meeting's result."""
    from campaign.models import NominationReport

    d4 = MeetingFactory(branch=world["b"]["D4"], date=datetime.date(2027, 2, 10))
    NominationReport.objects.create(
        meeting=d4, election=world["nec"], version=1, source="organiser", reported_by="Org"
    )
    assert campaign_todo.unreported_meetings(world["national"], TODAY) == []
