"""Services: versioned nomination reports, verification, AGM imports, signed links."""

import datetime
import re

import pytest
import time_machine
from django.core import mail

from campaign import services
from campaign.models import BranchMeeting, Nomination, NominationReport
from campaign.services import CampaignError, Entry
from members import services as member_services
from members.models import AuditEvent, Branch, BranchContactLink
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    PositionFactory,
)
from tests.factories import BranchFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def emailed_token(body: str) -> str:
    """The token in a contact-link email (every link in it carries the same one)."""
    tokens = set(re.findall(r"[?&]token=([A-Za-z0-9_-]+)", body))
    assert len(tokens) == 1, tokens
    return tokens.pop()


@pytest.fixture
def slate():
    election = ElectionFactory()
    president = PositionFactory(election=election, title="President", seats=1)
    vps = PositionFactory(election=election, title="Vice President", seats=2)
    return {
        "election": election,
        "president": president,
        "vps": vps,
        "ann": CandidateFactory(position=president, name="Ann"),
        "bob": CandidateFactory(position=vps, name="Bob"),
        "cat": CandidateFactory(position=vps, name="Cat"),
    }


def _report(meeting, slate, entries, **kwargs):
    defaults = {"reported_by": "Sec", "source": "contact"}
    return services.nomination_report(
        meeting=meeting, election=slate["election"], entries=entries, **defaults | kwargs
    )


def test_report_creates_unverified_nominations_with_who_and_when(slate):
    meeting = MeetingFactory()
    report = _report(
        meeting,
        slate,
        [
            Entry(slate["president"], slate["ann"]),
            Entry(slate["vps"], slate["bob"]),
            Entry(slate["vps"], other_name="  Dee   Other "),
        ],
    )
    assert report.version == 1
    noms = Nomination.objects.active().filter(meeting=meeting)
    assert noms.count() == 3
    assert all(
        n.verified_by is None and n.reported_by == "Sec" and n.report == report for n in noms
    )
    assert noms.filter(other_name="Dee Other").exists()


def test_correction_is_a_new_version_and_keeps_what_it_replaces(slate):
    """A correction never overwrites silently: old rows are superseded, not deleted."""
    meeting = MeetingFactory()
    user = UserFactory()
    first = _report(
        meeting, slate, [Entry(slate["vps"], slate["bob"]), Entry(slate["president"], slate["ann"])]
    )
    bob = Nomination.objects.get(candidate=slate["bob"])
    services.nominations_verify(nominations=Nomination.objects.filter(pk=bob.pk), user=user)
    second = _report(
        meeting, slate, [Entry(slate["vps"], slate["bob"]), Entry(slate["vps"], slate["cat"])]
    )
    assert second.version == 2
    assert "removed Ann (President)" in second.changes
    assert "added Cat (Vice President)" in second.changes
    ann = Nomination.objects.get(candidate=slate["ann"])
    assert ann.superseded_by == second  # kept, marked
    bob.refresh_from_db()
    assert bob.superseded_by is None
    assert bob.verified_by == user  # an unchanged line keeps its check
    assert Nomination.objects.active().get(candidate=slate["cat"]).verified_by is None
    assert first.entries[0]["name"] == "Bob"  # the first report's content is kept as sent
    assert NominationReport.objects.filter(meeting=meeting).count() == 2


def test_report_with_more_than_seats_is_refused_and_saves_nothing(slate):
    meeting = MeetingFactory()
    entries = [
        Entry(slate["vps"], slate["bob"]),
        Entry(slate["vps"], slate["cat"]),
        Entry(slate["vps"], other_name="Extra"),
    ]
    with pytest.raises(CampaignError, match="no more than 2 candidates for Vice President"):
        _report(meeting, slate, entries)
    assert not Nomination.objects.exists()
    assert not NominationReport.objects.exists()


def test_report_listing_a_candidate_twice_is_refused(slate):
    with pytest.raises(CampaignError, match="listed twice"):
        _report(
            MeetingFactory(),
            slate,
            [Entry(slate["vps"], other_name="Pat"), Entry(slate["vps"], other_name="pat")],
        )


def test_report_for_a_group_election_from_another_groups_branch_is_refused():
    election = ElectionFactory(group=GroupFactory(code="dwp"))
    position = PositionFactory(election=election)
    meeting = MeetingFactory(branch=BranchFactory(group=GroupFactory(code="hmrc")))
    with pytest.raises(CampaignError, match="cannot nominate"):
        services.nomination_report(
            meeting=meeting,
            election=election,
            entries=[Entry(position, other_name="X")],
            reported_by="x",
            source="contact",
        )


def test_organiser_report_can_be_verified_at_once_and_is_audited(slate):
    user = UserFactory()
    meeting = MeetingFactory()
    _report(
        meeting,
        slate,
        [Entry(slate["president"], slate["ann"])],
        source="organiser",
        user=user,
        verify=True,
    )
    nomination = Nomination.objects.get()
    assert nomination.verified_by == user
    assert nomination.verified_at is not None
    assert AuditEvent.objects.filter(subject="campaign.nominationreport", actor=user).exists()


def test_verify_counts_only_unverified_live_nominations(slate):
    user = UserFactory()
    _report(
        MeetingFactory(),
        slate,
        [Entry(slate["president"], slate["ann"]), Entry(slate["vps"], slate["bob"])],
    )
    assert services.nominations_verify(nominations=Nomination.objects.all(), user=user) == 2
    assert services.nominations_verify(nominations=Nomination.objects.all(), user=user) == 0


# AGM dates from CSV ---------------------------------------------------------------


def test_agm_import_saves_every_line_and_moves_an_existing_agm():
    user = UserFactory()
    a, b = BranchFactory(code="DWP-1"), BranchFactory(code="DWP-2")
    MeetingFactory(branch=a, date=datetime.date(2027, 1, 20))
    data = "branch_code,date,place\nDWP-1,2027-02-14,Room 4\ndwp-2,03/03/2027,\n"
    assert (
        services.agm_dates_import(data=data.encode(), user=user, branches=Branch.objects.all()) == 2
    )
    assert BranchMeeting.objects.get(branch=a).date == datetime.date(2027, 2, 14)
    assert BranchMeeting.objects.get(branch=b).date == datetime.date(2027, 3, 3)
    assert AuditEvent.objects.filter(action="import", rows=2).exists()


def test_agm_import_reads_old_mac_line_ends():
    """A file whose lines end in a bare carriage return is read, not a server error."""
    BranchFactory(code="DWP-1")
    data = "branch_code,date\rDWP-1,2027-02-14\r"
    assert services.agm_dates_import(data=data, user=UserFactory(), branches=Branch.objects.all())
    assert BranchMeeting.objects.get().date == datetime.date(2027, 2, 14)


def test_agm_import_with_a_bad_line_saves_nothing_and_names_each_line():
    user = UserFactory()
    BranchFactory(code="DWP-1")
    outside = BranchFactory(code="HMRC-9")
    data = (
        "branch_code,date,place\n"
        "DWP-1,2027-02-14,Room 4\n"
        "DWP-1,31/02/2027,\n"
        "NOPE-1,2027-02-01,\n"
        "HMRC-9,2027-02-01,\n"
        ",2027-02-01,\n"
        "DWP-1,2027-03-01,\n"
    )
    allowed = Branch.objects.exclude(pk=outside.pk)
    with pytest.raises(CampaignError) as caught:
        services.agm_dates_import(data=data, user=user, branches=allowed)
    messages = caught.value.messages
    assert messages[0].startswith("Line 3:")
    assert "not a date" in messages[0]
    assert any(m.startswith("Line 4:") and "no branch NOPE-1" in m for m in messages)
    assert any(m.startswith("Line 5:") and "HMRC-9" in m for m in messages)  # out of scope
    assert any(m.startswith("Line 6:") and "code is missing" in m for m in messages)
    assert any(
        m.startswith("Line 7:") and "already has an AGM in 2027 on line 2" in m for m in messages
    )
    assert not BranchMeeting.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"code,when\nDWP-1,2027-01-01\n", "missing: branch_code, date"),
        (b"branch_code,date\n", "no AGM dates"),
    ],
)
def test_agm_import_rejects_unusable_files(data, message):
    with pytest.raises(CampaignError, match=message):
        services.agm_dates_import(data=data, user=UserFactory(), branches=Branch.objects.all())


# Signed links ------------------------------------------------------------------------


def test_link_stores_only_a_hash_and_resolves_its_token():
    link, token = BranchContactLink.issue(
        branch=BranchFactory(), contact_name="Jo", email="jo@example.org"
    )
    assert token not in link.token_hash
    assert len(link.token_hash) == 64
    assert BranchContactLink.from_token(token) == link
    link.refresh_from_db()
    assert link.last_used_at is not None


@pytest.mark.parametrize("bad", ["", None, "x", "a" * 500, 12])
def test_link_from_garbage_is_none(bad):
    BranchContactLink.issue(branch=BranchFactory(), contact_name="Jo", email="jo@example.org")
    assert BranchContactLink.from_token(bad) is None


def test_tampered_token_is_refused():
    _, token = BranchContactLink.issue(
        branch=BranchFactory(), contact_name="Jo", email="jo@example.org"
    )
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert BranchContactLink.from_token(tampered) is None
    assert BranchContactLink.from_token(token + "x") is None


def test_link_expires():
    with time_machine.travel(datetime.datetime(2027, 1, 1, 12, tzinfo=datetime.UTC), tick=False):
        link, token = BranchContactLink.issue(
            branch=BranchFactory(), contact_name="Jo", email="j@example.org", days=10
        )
    with time_machine.travel(
        datetime.datetime(2027, 1, 11, 11, 59, tzinfo=datetime.UTC), tick=False
    ):
        assert BranchContactLink.from_token(token) == link
    with time_machine.travel(
        datetime.datetime(2027, 1, 11, 12, 1, tzinfo=datetime.UTC), tick=False
    ):
        assert BranchContactLink.from_token(token) is None
        assert not link.is_live


def test_revoked_link_is_refused():
    link, token = BranchContactLink.issue(
        branch=BranchFactory(), contact_name="Jo", email="j@example.org"
    )
    link.revoke()
    assert BranchContactLink.from_token(token) is None


def test_the_link_email_names_no_unpublished_election(django_capture_on_commit_callbacks):
    ElectionFactory(
        nominations_close=datetime.date.today() + datetime.timedelta(days=30),
        ballot_opens=datetime.date.today() + datetime.timedelta(days=40),
        ballot_closes=datetime.date.today() + datetime.timedelta(days=60),
        slug="secret-slate",
        is_published=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        member_services.contact_link_send(
            branch=BranchFactory(), contact_name="Jo", email="jo@example.org", created_by=None
        )
    assert "secret-slate" not in mail.outbox[0].body


def test_sending_a_link_emails_it_after_commit(django_capture_on_commit_callbacks):
    branch = BranchFactory()
    ElectionFactory(
        nominations_close=datetime.date.today() + datetime.timedelta(days=30),
        ballot_opens=datetime.date.today() + datetime.timedelta(days=40),
        ballot_closes=datetime.date.today() + datetime.timedelta(days=60),
        slug="nec-open",
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        link = member_services.contact_link_send(
            branch=branch, contact_name="Jo", email="jo@example.org", created_by=UserFactory()
        )
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    token = emailed_token(body)
    assert f"/elections/nec-open/report/?token={token}" in body
    assert f"/ballots/report/?token={token}" in body  # readiness and turnout
    assert mail.outbox[0].to == ["jo@example.org"]
    assert BranchContactLink.from_token(token) == link


def test_a_link_sent_when_no_election_is_open_still_links_the_ballots_page(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        member_services.contact_link_send(
            branch=BranchFactory(),
            contact_name="Jo O'Brien",
            email="jo@example.org",
            created_by=UserFactory(),
        )
    body = mail.outbox[0].body
    token = emailed_token(body)
    assert "/elections/" not in body
    assert f"/ballots/report/?token={token}" in body
    assert "Jo O'Brien" in body  # plain text, not HTML-escaped


def test_a_link_revoked_before_the_email_goes_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        link = member_services.contact_link_send(
            branch=BranchFactory(),
            contact_name="Jo",
            email="jo@example.org",
            created_by=UserFactory(),
        )
    link.revoke()
    for callback in callbacks:
        callback()
    assert mail.outbox == []


def test_a_link_made_to_be_sent_opens_with_no_token_until_it_is_sent(
    django_capture_on_commit_callbacks,
):
    """The link row exists before the email; no token (and no empty one) opens it."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        link = member_services.contact_link_send(
            branch=BranchFactory(),
            contact_name="Jo",
            email="jo@example.org",
            created_by=UserFactory(),
        )
    unsent_hash = link.token_hash
    assert BranchContactLink.from_token("") is None
    for callback in callbacks:
        callback()
    link.refresh_from_db()
    assert link.token_hash != unsent_hash  # the token was made at send time
    assert BranchContactLink.from_token(emailed_token(mail.outbox[0].body)) == link


def test_a_new_token_replaces_the_old_one():
    link, old = BranchContactLink.issue(
        branch=BranchFactory(), contact_name="Jo", email="jo@example.org"
    )
    new = link.new_token()
    assert BranchContactLink.from_token(new) == link
    assert BranchContactLink.from_token(old) is None
