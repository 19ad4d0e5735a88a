"""Managing your own data through the personal signed link."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from members import services, tokens
from members.models import AuditEvent, Consent, ConsentKind, Member
from tests.campaign.factories import (
    MeetingFactory,
    NominationReportFactory,
)
from tests.factories import (
    BranchContactLinkFactory,
    BranchFactory,
    GroupFactory,
    MemberFactory,
    UserFactory,
)
from tests.members.factories import ConsentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    m = MemberFactory(name="Grace Hopper", email="grace@example.org", mobile="07700 900982")
    ConsentFactory(member=m, kind=ConsentKind.FACTION)
    ConsentFactory(member=m, kind=ConsentKind.BRANCH)
    return m


def url(member, name="members:manage"):
    return reverse(name, args=[tokens.make_token(member, tokens.MANAGE)])


def details(member, **overrides):
    data = {
        "name": member.name,
        "mobile": member.mobile,
        "branch": str(member.branch_id),
        "branch_not_listed": "",
        "workplace": "",
        "grade": member.grade,
        "is_union_member": "yes",
    }
    data.update(overrides)
    return data


def test_manage_page_shows_details_consents_and_fixed_queries(
    client, member, django_assert_max_num_queries
):
    BranchFactory.create_batch(300)
    # 5: the first form in a process also reads the structure's version (kept after).
    with django_assert_max_num_queries(5):
        response = client.get(url(member))
    html = response.content.decode()
    assert response.status_code == 200
    assert "grace@example.org" in html
    assert html.count("Withdraw this consent") == 2
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    assert 'name="robots" content="noindex"' in html


def test_update_details_is_saved_and_audited_without_personal_data(client, member):
    other = BranchFactory()
    response = client.post(
        url(member), details(member, name="Grace B. Hopper", branch=str(other.pk))
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "Grace B. Hopper"
    assert member.branch == other
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE)
    assert event.actor_label == "member"
    assert "Grace" not in event.detail
    assert "name" in event.detail


def test_member_can_name_a_branch_not_listed_and_its_group(client, member):
    group = GroupFactory(name="HMRC")
    response = client.post(
        url(member), details(member, branch="", branch_not_listed="Leeds", group=str(group.pk))
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.branch, member.branch_not_listed, member.group) == (None, "Leeds", group)
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE)
    assert "group" in event.detail
    html = client.get(url(member)).content.decode()
    assert f'<option value="{group.pk}" selected>HMRC</option>' in html


def test_admin_member_group_follows_the_branch(member):
    from django.core.exceptions import ValidationError

    member.group = None
    member.clean()
    assert member.group == member.branch.group
    member.group = GroupFactory()
    with pytest.raises(ValidationError, match="not the group of the member's branch"):
        member.clean()


def test_bad_update_shows_errors_and_saves_nothing(client, member):
    response = client.post(url(member), details(member, name="", mobile="nope"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#id_name"' in html
    member.refresh_from_db()
    assert member.name == "Grace Hopper"


@pytest.mark.parametrize("kind", [ConsentKind.FACTION, ConsentKind.BRANCH])
def test_withdraw_either_consent_separately(client, member, kind):
    response = client.post(
        url(member, "members:manage_consent"), {"kind": kind, "action": "withdraw"}
    )
    assert response.status_code == 302
    live = set(
        Consent.objects.filter(member=member, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    assert live == set(ConsentKind.values) - {kind}
    # the history keeps the withdrawn consent and its wording
    assert Consent.objects.filter(member=member, kind=kind, withdrawn_at__isnull=False).exists()


def test_give_consent_again_records_current_wording(client, member):
    post = url(member, "members:manage_consent")
    client.post(post, {"kind": ConsentKind.BRANCH, "action": "withdraw"})
    client.post(post, {"kind": ConsentKind.BRANCH, "action": "give"})
    client.post(post, {"kind": ConsentKind.BRANCH, "action": "give"})
    assert member.consents.filter(kind=ConsentKind.BRANCH).count() == 2
    assert member.consents.filter(kind=ConsentKind.BRANCH, withdrawn_at__isnull=True).count() == 1


MEMBER_KEYS = {
    "name",
    "email",
    "mobile",
    "group",
    "branch",
    "branch_not_listed",
    "workplace",
    "workplace_not_listed",
    "grade",
    "union_rep",
    "union_member",
    "status",
    "joined_at",
    "confirmed_at",
    "confirmed_from",
    "updated_at",
    "consents",
    "meetings_moved",
    "event_replies",
    "petition_signatures",
    "voted_reports",
    "emails_from_organisers",
    "branch_contact_links",
}


@pytest.fixture
def moved(member):
    """An AGM at which the member is named to move our nominations."""
    return MeetingFactory(
        branch=member.branch,
        date=datetime.date(2027, 2, 10),
        place="Canteen, ground floor",
        our_nominations_moved=True,
        mover=member,
    )


def test_download_json_holds_everything(client, member, moved):
    MeetingFactory(branch=member.branch, kind="egm")  # someone else moves this one, or nobody
    link = BranchContactLinkFactory(
        branch=member.branch, contact_name="Grace H", email="Grace@Example.org"
    )
    NominationReportFactory(meeting=moved, link=link, reported_by="Grace H")
    BranchContactLinkFactory(email="someone.else@example.org")
    response = client.get(url(member, "members:manage_download_json"))
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert set(data) == MEMBER_KEYS
    assert data["name"] == "Grace Hopper"
    assert data["email"] == "grace@example.org"
    assert data["mobile"] == "07700 900982"
    assert data["branch"] == str(member.branch)
    assert data["status"] == member.get_status_display()
    assert {c["wording_version"] for c in data["consents"]} == {1}
    assert data["consents"][0]["wording"].startswith("I ")
    assert data["meetings_moved"] == [
        {
            "branch": str(member.branch),
            "meeting": "AGM",
            "date": "2027-02-10",
            "place": "Canteen, ground floor",
        }
    ]
    [held] = data["branch_contact_links"]
    assert (held["name"], held["email"], held["branch"]) == (
        "Grace H",
        "Grace@Example.org",
        str(member.branch),
    )
    assert [r["reported_by"] for r in held["reports"]] == ["Grace H"]


def test_download_of_a_member_with_no_campaign_links(client, member):
    data = json.loads(client.get(url(member, "members:manage_download_json")).content)
    assert set(data) == MEMBER_KEYS
    assert data["meetings_moved"] == []
    assert data["branch_contact_links"] == []


def test_download_csv(client, member):
    response = client.get(url(member, "members:manage_download_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "field", "value"]
    assert ["details", "email", "grace@example.org"] in rows
    assert any(r[0] == "consent 2" for r in rows)


def test_download_csv_has_a_section_per_item_of_every_list(client, member, moved):
    link = BranchContactLinkFactory(
        branch=member.branch, contact_name="=Grace H", email="grace@example.org"
    )
    NominationReportFactory(meeting=moved, link=link, reported_by="Grace H")
    NominationReportFactory(link=link, reported_by="Grace again")
    response = client.get(url(member, "members:manage_download_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "field", "value"]
    assert all(len(row) == 3 for row in rows)
    # No cell holds a Python list or dict: every list is expanded item by item.
    reprs = [cell for row in rows for cell in row if any(s in cell for s in ("[{", "{'", "['"))]
    assert reprs == []
    by_section = {}
    for section, field, value in rows[1:]:
        by_section.setdefault(section, {})[field] = value
    assert by_section["meeting moved 1"] == {
        "branch": str(member.branch),
        "meeting": "AGM",
        "date": "2027-02-10",
        "place": "Canteen, ground floor",
    }
    held = by_section["branch contact link 1"]
    assert held["name"] == "'=Grace H"  # a spreadsheet formula, defused
    assert held["email"] == "grace@example.org"
    assert held["revoked_at"] == ""
    assert by_section["branch contact link 1, report 1"]["reported_by"] == "Grace H"
    assert by_section["branch contact link 1, report 2"]["reported_by"] == "Grace again"
    assert {"consent 1", "consent 2"} <= by_section.keys()
    assert by_section["details"]["union_rep"] in {"yes", "no"}
    assert not {"consents", "meetings_moved", "branch_contact_links"} & by_section["details"].keys()


def test_download_csv_says_none_for_an_empty_list(client, member):
    rows = list(
        csv.reader(
            io.StringIO(client.get(url(member, "members:manage_download_csv")).content.decode())
        )
    )
    assert ["meetings moved", "", "none"] in rows
    assert ["branch contact links", "", "none"] in rows


def test_erasing_a_mover_keeps_the_meeting_without_them(client, member, moved):
    response = client.post(url(member, "members:manage_erase"), {"confirm": "erase"})
    assert response.status_code == 302
    assert not Member.objects.filter(pk=member.pk).exists()
    moved.refresh_from_db()
    assert moved.mover is None
    assert moved.our_nominations_moved  # the plan stands; an organiser names a new mover


def test_an_organiser_erasing_a_mover_keeps_the_meeting(member, moved):
    services.member_erase(member=member, actor=UserFactory())
    moved.refresh_from_db()
    assert moved.mover is None


def test_erase_needs_a_second_step_and_is_logged_without_personal_data(client, member):
    erase = url(member, "members:manage_erase")
    page = client.get(erase)
    assert "You cannot undo this" in page.content.decode()
    refused = client.post(erase, {})
    assert "Tick the box" in refused.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()
    response = client.post(erase, {"confirm": "erase"})
    assert response.status_code == 302
    assert response["Location"] == reverse("members:erased")
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not Consent.objects.filter(member_id=member.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert event.object_id == str(member.pk)
    assert "grace" not in (event.detail + event.actor_label + event.subject).lower()
    # the link is dead now
    assert client.get(url(member)).status_code == 400


@pytest.mark.parametrize(
    "name",
    [
        "members:manage",
        "members:manage_download_json",
        "members:manage_download_csv",
        "members:manage_erase",
    ],
)
def test_forged_or_expired_links_open_nothing(client, member, name, time_machine):
    forged = reverse(name, args=[tokens.make_token(member, tokens.CONFIRM)])  # wrong purpose
    assert client.get(forged).status_code == 400
    guessed = reverse(name, args=[f"{member.pk}"])
    assert client.get(guessed).status_code == 400
    time_machine.move_to("2026-01-01 00:00Z", tick=False)
    old = url(member, name)
    time_machine.move_to("2026-06-01 00:00Z", tick=False)
    assert client.get(old).status_code == 400


def test_erased_page(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get(reverse("members:erased")).status_code == 200


def test_changes_through_the_link_are_rate_limited(client, member, settings):
    settings.RATELIMITS = {"manage": "2/h"}
    post = url(member, "members:manage_consent")
    codes = [
        client.post(post, {"kind": ConsentKind.BRANCH, "action": "withdraw"}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]


def test_download_runs_the_same_queries_whatever_the_number_of_links(client, member, moved):
    """Each app's part of the download is one query for all the member's contact links."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_with(links: int) -> int:
        for _ in range(links):
            link = BranchContactLinkFactory(branch=member.branch, email="grace@example.org")
            NominationReportFactory(meeting=moved, link=link, reported_by="Grace H")
        with CaptureQueriesContext(connection) as ctx:
            data = client.get(url(member, "members:manage_download_json")).json()
        assert all(held["reports"] for held in data["branch_contact_links"])
        return len(ctx)

    one = queries_with(1)
    assert queries_with(3) == one
