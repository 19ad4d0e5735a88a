"""A branch nominates a candidate once, and no more candidates than seats, across all its
meetings: an AGM and an EGM in one election count together (issue 5)."""

import datetime
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from campaign import selectors, services
from campaign.models import BranchMeeting, Nomination, NominationReport
from campaign.services import CampaignError, Entry
from members.models import BranchContactLink
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    PositionFactory,
)
from tests.factories import BranchFactory, UserFactory

pytestmark = pytest.mark.django_db

AGM_DAY = datetime.date(2027, 1, 20)
EGM_DAY = datetime.date(2027, 2, 15)


@pytest.fixture
def world():
    election = ElectionFactory(slug="nec-2027", name="NEC 2027", publish_counts=True)
    president = PositionFactory(election=election, title="President", seats=1)
    vps = PositionFactory(election=election, title="Vice President", seats=2)
    branch = BranchFactory(name="DWP Leeds")
    return {
        "election": election,
        "president": president,
        "vps": vps,
        "ann": CandidateFactory(position=president, name="Ann"),
        "bob": CandidateFactory(position=vps, name="Bob"),
        "cat": CandidateFactory(position=vps, name="Cat"),
        "branch": branch,
        "agm": MeetingFactory(branch=branch, kind=BranchMeeting.Kind.AGM, date=AGM_DAY),
        "egm": MeetingFactory(branch=branch, kind=BranchMeeting.Kind.EGM, date=EGM_DAY),
    }


def _nominate(meeting, position, candidate=None, other_name=""):
    return Nomination.objects.create(
        meeting=meeting, position=position, candidate=candidate, other_name=other_name
    )


# The rule in the model (clean) and in the database (trigger) --------------------------


def test_agm_and_egm_cannot_both_nominate_one_candidate(world):
    _nominate(world["agm"], world["president"], world["ann"])
    again = Nomination(meeting=world["egm"], position=world["president"], candidate=world["ann"])
    with pytest.raises(ValidationError) as caught:
        again.full_clean()
    assert (
        "DWP Leeds has already nominated Ann at its AGM on 20 January 2027 for President."
        in caught.value.messages
    )
    with pytest.raises(IntegrityError, match="nomination_once_per_branch"), transaction.atomic():
        again.save()


def test_another_factions_candidate_is_nominated_once_per_branch_whatever_case(world):
    _nominate(world["agm"], world["vps"], other_name="Pat Jones")
    again = Nomination(meeting=world["egm"], position=world["vps"], other_name="PAT JONES")
    with pytest.raises(ValidationError, match="has already nominated Pat Jones at its AGM"):
        again.full_clean()
    with pytest.raises(IntegrityError, match="nomination_once_per_branch"), transaction.atomic():
        again.save()


def test_agm_and_egm_together_cannot_nominate_more_than_the_seats(world):
    _nominate(world["agm"], world["president"], world["ann"])
    extra = Nomination(meeting=world["egm"], position=world["president"], other_name="Someone")
    with pytest.raises(ValidationError) as caught:
        extra.full_clean()
    assert (
        "A branch may nominate no more than 1 candidate for President (1 seat). "
        "It has already nominated Ann at its AGM on 20 January 2027."
    ) in caught.value.messages
    with pytest.raises(IntegrityError, match="nomination_within_seats"), transaction.atomic():
        extra.save()


def test_other_branches_and_superseded_nominations_are_not_counted(world):
    first = _nominate(world["agm"], world["president"], world["ann"])
    # Another branch's meeting nominates the same candidate freely.
    _nominate(MeetingFactory(date=EGM_DAY), world["president"], world["ann"])
    # Once the AGM's nomination is superseded, the EGM may make it.
    report = NominationReport.objects.create(
        meeting=world["agm"],
        election=world["election"],
        version=1,
        source="organiser",
        reported_by="x",
    )
    Nomination.objects.filter(pk=first.pk).update(superseded_by=report)
    Nomination(
        meeting=world["egm"], position=world["president"], candidate=world["ann"]
    ).full_clean()
    _nominate(world["egm"], world["president"], world["ann"])
    # ...and then the old one cannot come back: the trigger checks updates too.
    with pytest.raises(IntegrityError, match="nomination_once_per_branch"), transaction.atomic():
        Nomination.objects.filter(pk=first.pk).update(superseded_by=None)


def test_moving_a_meeting_to_a_branch_that_already_nominated_is_refused(world):
    _nominate(world["agm"], world["president"], world["ann"])
    elsewhere = MeetingFactory(kind=BranchMeeting.Kind.EGM, date=EGM_DAY)
    _nominate(elsewhere, world["president"], world["ann"])
    with pytest.raises(IntegrityError, match="nomination_once_per_branch"), transaction.atomic():
        BranchMeeting.objects.filter(pk=elsewhere.pk).update(branch=world["branch"])
    other = MeetingFactory(kind=BranchMeeting.Kind.EGM, date=EGM_DAY)
    _nominate(other, world["president"], other_name="Someone")
    with pytest.raises(IntegrityError, match="nomination_within_seats"), transaction.atomic():
        BranchMeeting.objects.filter(pk=other.pk).update(branch=world["branch"])
    # A meeting whose nominations fit may move.
    fits = MeetingFactory(kind=BranchMeeting.Kind.EGM, date=EGM_DAY)
    _nominate(fits, world["vps"], world["bob"])
    BranchMeeting.objects.filter(pk=fits.pk).update(branch=world["branch"])


# Through the service and the forms ---------------------------------------------------


def _report(world, meeting, entries):
    return services.nomination_report(
        meeting=meeting,
        election=world["election"],
        entries=entries,
        reported_by="Sec",
        source="contact",
    )


def test_report_for_the_egm_repeating_the_agms_nomination_is_refused(world):
    _report(world, world["agm"], [Entry(world["president"], world["ann"])])
    with pytest.raises(CampaignError) as caught:
        _report(world, world["egm"], [Entry(world["president"], world["ann"])])
    assert (
        "DWP Leeds has already nominated Ann at its AGM on 20 January 2027 for President."
        in caught.value.messages
    )
    assert not Nomination.objects.filter(meeting=world["egm"]).exists()
    assert not NominationReport.objects.filter(meeting=world["egm"]).exists()


def test_report_for_the_egm_beyond_the_seats_left_is_refused(world):
    _report(world, world["agm"], [Entry(world["vps"], world["bob"])])
    entries = [Entry(world["vps"], world["cat"]), Entry(world["vps"], other_name="Dee")]
    with pytest.raises(CampaignError) as caught:
        _report(world, world["egm"], entries)
    assert caught.value.messages == [
        "A branch may nominate no more than 2 candidates for Vice President (2 seats). "
        "It has already nominated Bob at its AGM on 20 January 2027."
    ]
    # One more fits, and correcting the AGM's own report is not blocked by itself.
    _report(world, world["egm"], [Entry(world["vps"], world["cat"])])
    _report(world, world["agm"], [Entry(world["vps"], world["bob"])])
    assert Nomination.objects.active().filter(position=world["vps"]).count() == 2


def test_database_refusal_the_checks_missed_gets_a_clear_message():
    exc = IntegrityError("nomination_once_per_branch: branch 1 has already nominated ...")
    assert services._integrity_message(exc) == (
        "This branch has already nominated that candidate for that position."
    )


@time_machine.travel(datetime.datetime(2027, 2, 20, 12, tzinfo=datetime.UTC), tick=False)
def test_contact_reporting_the_egm_sees_what_the_agm_nominated(client, world):
    _report(world, world["agm"], [Entry(world["president"], world["ann"])])
    _, token = BranchContactLink.issue(
        branch=world["branch"], contact_name="Jo", email="jo@example.org"
    )
    response = client.post(
        reverse("campaign:report", args=["nec-2027"]),
        {
            "token": token,
            "action": "nominations",
            f"nom-pos_{world['president'].pk}": [world["ann"].pk],
            "who-reported_by": "Jo",
        },
    )
    assert response.status_code == 400
    assert "has already nominated Ann at its AGM on 20 January 2027" in response.content.decode()
    assert not Nomination.objects.filter(meeting=world["egm"]).exists()


# The board and the public count: a branch counts once ---------------------------------


def _legacy_duplicate(world, verified_by):
    """Two active nominations of Ann by one branch, as a database from before 0004 may hold."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending events: ALTER may run
        cursor.execute("ALTER TABLE campaign_nomination DISABLE TRIGGER nomination_within_seats")
    now = datetime.datetime(2027, 2, 16, tzinfo=datetime.UTC)
    for meeting in (world["agm"], world["egm"]):
        Nomination.objects.create(
            meeting=meeting,
            position=world["president"],
            candidate=world["ann"],
            verified_by=verified_by,
            verified_at=now,
        )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE campaign_nomination ENABLE TRIGGER nomination_within_seats")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_board_and_slate_count_a_branch_once(world, client):
    national = UserFactory(is_staff=True, is_superuser=True)
    _legacy_duplicate(world, national)
    other = MeetingFactory(date=AGM_DAY)
    _nominate(other, world["president"], world["ann"])  # unverified, another branch

    board = selectors.election_board(
        election=world["election"], user=national, today=datetime.date(2027, 2, 20), detail=True
    )
    ann = next(r for r in board.rows if r.candidate.name == "Ann")
    assert (ann.verified, ann.unverified) == (1, 1)
    assert ann.verified_branches == [f"{world['branch'].code} DWP Leeds"]
    assert ann.unverified_branches == [f"{other.branch.code} {other.branch.name}"]

    positions = selectors.slate(world["election"])
    assert positions[0].candidates.all()[0].n_verified == 1
    html = client.get("/elections/nec-2027/").content.decode()
    assert "<strong>1</strong> of 3 branch nominations" in html


@pytest.mark.django_db(transaction=True)
def test_concurrent_agm_and_egm_reports_for_the_last_seat_admit_only_one():
    """The trigger locks the branch, so the EGM's insert waits for the AGM's and counts it."""
    position = PositionFactory(seats=1)
    branch = BranchFactory()
    meetings = {
        "A": MeetingFactory(branch=branch, kind="agm", date=AGM_DAY),
        "B": MeetingFactory(branch=branch, kind="egm", date=EGM_DAY),
    }
    barrier = threading.Barrier(2)
    results = []

    def report(name):
        try:
            with transaction.atomic():
                barrier.wait()
                _nominate(meetings[name], position, other_name=name)
                time.sleep(0.3)  # hold the transaction open while the other tries
            results.append("saved")
        except IntegrityError as exc:
            results.append("refused" if "nomination_within_seats" in str(exc) else str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(name,)) for name in meetings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == ["refused", "saved"]
    assert Nomination.objects.filter(meeting__branch=branch).count() == 1
