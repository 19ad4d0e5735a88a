"""The notice dates a meeting implies, wherever organisers and branch contacts look:
the meeting's admin page and list, the contact's report page, and the board."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign import selectors
from campaign.models import BranchMeeting, NoticeDate, NoticeRule
from members.models import BranchContactLink, User
from tests.campaign.factories import ElectionFactory, MeetingFactory
from tests.factories import BranchFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 2, 20, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()
MEETING_DAY = datetime.date(2027, 3, 10)  # told by 10 Feb (passed), nominations in by 24 Feb


def test_notice_dates_mark_those_before_today_as_passed():
    meeting = MeetingFactory(date=MEETING_DAY)
    assert meeting.notice_dates(today=TODAY) == [
        NoticeDate("Members told of the meeting", datetime.date(2027, 2, 10), True),
        NoticeDate("Nominations and motions in", datetime.date(2027, 2, 24), False),
        NoticeDate("Meeting papers out", datetime.date(2027, 3, 3), False),
    ]
    # The last day itself has not passed.
    assert not meeting.notice_dates(today=datetime.date(2027, 2, 24))[1].passed
    assert BranchMeeting(kind="agm").notice_dates() == []  # no date yet


@pytest.fixture
def national(client):
    with time_machine.travel(NOW, tick=False):  # a session from today would be stale by then
        user = UserFactory(username="nat", role=User.Role.NATIONAL)
        client.force_login(user)
    return user


@time_machine.travel(NOW, tick=False)
def test_meeting_admin_page_shows_each_notice_date(client, national):
    meeting = MeetingFactory(date=MEETING_DAY)
    html = client.get(
        reverse("admin:campaign_branchmeeting_change", args=[meeting.pk])
    ).content.decode()
    assert "Notice dates" in html
    assert "Members told of the meeting: Wed 10 Feb 2027 (passed)" in html
    assert "Nominations and motions in: Wed 24 Feb 2027<" in html  # not passed
    assert "Meeting papers out: Wed 3 Mar 2027" in html
    # The add form has no date yet.
    add = client.get(reverse("admin:campaign_branchmeeting_add")).content.decode()
    assert "Shown once the meeting has a date." in add


@time_machine.travel(NOW, tick=False)
def test_meeting_list_shows_notice_dates_reading_the_rules_once(client, national):
    url = reverse("admin:campaign_branchmeeting_changelist")
    MeetingFactory(date=MEETING_DAY)
    with CaptureQueriesContext(connection) as one:
        html = client.get(url).content.decode()
    assert "Members told of the meeting: Wed 10 Feb 2027 (passed)" in html
    MeetingFactory.create_batch(4, date=datetime.date(2027, 3, 20))
    with CaptureQueriesContext(connection) as five:
        html = client.get(url).content.decode()
    assert "Members told of the meeting: Sat 20 Feb 2027<" in html  # the last day is today
    rule_reads = [q for q in five.captured_queries if "campaign_noticerule" in q["sql"]]
    assert len(rule_reads) == 1
    assert len(five) == len(one)


@time_machine.travel(NOW, tick=False)
def test_contact_sees_the_notice_dates_once_the_agm_date_is_set():
    from django.test import Client

    client = Client()
    branch = BranchFactory(name="DWP Leeds")
    ElectionFactory(slug="nec-2027")
    _, token = BranchContactLink.issue(branch=branch, contact_name="Jo", email="jo@example.org")
    url = reverse("campaign:report", args=["nec-2027"])

    html = client.get(url, {"token": token}).content.decode()
    assert "The dates that matter before the meeting" not in html

    MeetingFactory(branch=branch, date=MEETING_DAY)
    html = client.get(url, {"token": token}).content.decode()
    assert "The dates that matter before the meeting" in html
    assert (
        "Members told of the meeting: by Wednesday 10 February 2027 <strong>(passed)</strong>"
        in (html)
    )
    assert "Nominations and motions in: by Wednesday 24 February 2027</li>" in html


@time_machine.travel(NOW, tick=False)
def test_contact_sees_no_notice_dates_after_the_meeting():
    from django.test import Client

    branch = BranchFactory()
    ElectionFactory(slug="nec-2027")
    _, token = BranchContactLink.issue(branch=branch, contact_name="Jo", email="jo@example.org")
    MeetingFactory(branch=branch, date=datetime.date(2027, 2, 10))
    html = Client().get(reverse("campaign:report", args=["nec-2027"]), {"token": token})
    assert "The dates that matter before the meeting" not in html.content.decode()


@time_machine.travel(NOW, tick=False)
def test_board_lists_each_deadline_ahead_with_its_meeting_kind(client, national):
    election = ElectionFactory(slug="nec-2027")
    NoticeRule.objects.create(label="EGM requisition", amount=21, applies_to="egm")
    agm_branch, egm_branch = BranchFactory(code="A1"), BranchFactory(code="E1")
    MeetingFactory(branch=agm_branch, kind="agm", date=datetime.date(2027, 3, 10))
    MeetingFactory(branch=egm_branch, kind="egm", date=datetime.date(2027, 3, 20))

    board = selectors.election_board(election=election, user=national, today=TODAY)
    # Every deadline still ahead in the next 28 days, soonest first, with its meeting's kind.
    assert [(d.due, d.branch.split()[0], d.kind, d.label) for d in board.deadlines] == [
        (datetime.date(2027, 2, 20), "E1", "EGM", "Members told of the meeting"),
        (datetime.date(2027, 2, 24), "A1", "AGM", "Nominations and motions in"),
        (datetime.date(2027, 2, 27), "E1", "EGM", "EGM requisition"),
        (datetime.date(2027, 3, 3), "A1", "AGM", "Meeting papers out"),
        (datetime.date(2027, 3, 6), "E1", "EGM", "Nominations and motions in"),
        (datetime.date(2027, 3, 13), "E1", "EGM", "Meeting papers out"),
    ]
    html = client.get(reverse("admin:campaign_election_board", args=[election.pk]))
    html = html.content.decode()
    assert "Notice deadlines in the next 28 days (6)" in html
    assert "AGM on Wed 10 Mar" in html
    assert "EGM on Sat 20 Mar" in html
    assert "EGM requisition" in html  # the EGM's own rule, and only there
    assert html.count("EGM requisition") == 1
