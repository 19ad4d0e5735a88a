"""Rules and constraints of elections, meetings and nominations, in Python and in the database."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from campaign import models as campaign_models
from campaign import rules
from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Nomination,
    NoticeRule,
    Position,
    ReservedSeatRule,
    subtract,
)
from members.models import Branch, Group
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    NominationFactory,
    PositionFactory,
)
from tests.factories import BranchFactory, GroupFactory, MemberFactory

pytestmark = pytest.mark.django_db


# Notice-date arithmetic ---------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "amount", "unit", "deadline"),
    [
        (datetime.date(2027, 3, 1), 28, "days", datetime.date(2027, 2, 1)),  # across Feb, not leap
        (datetime.date(2028, 3, 1), 28, "days", datetime.date(2028, 2, 2)),  # leap year: 29 Feb
        (datetime.date(2028, 3, 14), 14, "days", datetime.date(2028, 2, 29)),  # lands on 29 Feb
        (datetime.date(2027, 3, 14), 14, "days", datetime.date(2027, 2, 28)),
        (datetime.date(2027, 1, 5), 7, "days", datetime.date(2026, 12, 29)),  # across the year end
        (datetime.date(2027, 5, 1), 2, "weeks", datetime.date(2027, 4, 17)),
        (datetime.date(2027, 3, 31), 1, "months", datetime.date(2027, 2, 28)),  # no 31 Feb
        (datetime.date(2028, 3, 31), 1, "months", datetime.date(2028, 2, 29)),  # leap year
        (datetime.date(2027, 1, 31), 2, "months", datetime.date(2026, 11, 30)),
        (datetime.date(2027, 7, 31), 1, "months", datetime.date(2027, 6, 30)),
        (datetime.date(2027, 2, 15), 14, "months", datetime.date(2025, 12, 15)),
    ],
)
def test_notice_deadline_arithmetic(meeting, amount, unit, deadline):
    """Deadlines count back correctly across month ends, year ends and leap years."""
    assert subtract(meeting, amount, unit) == deadline
    assert NoticeRule(label="x", amount=amount, unit=unit).deadline(meeting) == deadline


def test_default_notice_rules_are_data_and_give_the_three_deadlines():
    """The 28/14/7-day offsets come from the NoticeRule table (seeded by migration)."""
    meeting = MeetingFactory(date=datetime.date(2028, 3, 7))
    deadlines = dict(meeting.notice_deadlines(NoticeRule.objects.all()))
    assert deadlines == {
        "Members told of the meeting": datetime.date(2028, 2, 8),
        "Nominations and motions in": datetime.date(2028, 2, 22),
        "Meeting papers out": datetime.date(2028, 2, 29),
    }
    NoticeRule.objects.filter(label="Meeting papers out").update(amount=10)
    deadlines = dict(meeting.notice_deadlines(NoticeRule.objects.all()))
    assert deadlines["Meeting papers out"] == datetime.date(2028, 2, 26)


def test_notice_rule_for_egms_only_is_not_applied_to_agms():
    NoticeRule.objects.create(label="EGM requisition", amount=21, applies_to="egm")
    agm = MeetingFactory()
    assert "EGM requisition" not in dict(agm.notice_deadlines(NoticeRule.objects.all()))
    egm = MeetingFactory(kind="egm", branch=agm.branch)
    assert "EGM requisition" in dict(egm.notice_deadlines(NoticeRule.objects.all()))


# The rules on the values they are given -----------------------------------------


def _unsaved_slate():
    """Model instances with ids but no rows: the rules must read only what they are given."""
    branch = Branch(pk=1, code="L1", name="DWP Leeds", group=Group(pk=1, name="DWP"))
    president = Position(pk=1, election=Election(pk=1, name="NEC 2027"), title="President", seats=1)
    ann = Candidate(pk=1, position=president, name="Ann")
    agm = BranchMeeting(pk=1, branch=branch, kind="agm", date=datetime.date(2027, 2, 10))
    egm = BranchMeeting(pk=2, branch=branch, kind="egm", date=datetime.date(2027, 2, 15))
    return branch, president, ann, agm, egm


def test_nomination_rules_take_the_other_nominations_from_the_caller(
    django_assert_num_queries,
):
    """check_nomination runs no query: the branch's competing nominations are passed in."""
    _, president, ann, agm, egm = _unsaved_slate()
    earlier = Nomination(pk=1, meeting=agm, position=president, candidate=ann)
    again = Nomination(meeting=egm, position=president, candidate=ann)
    with django_assert_num_queries(0):
        with pytest.raises(ValidationError) as caught:
            rules.check_nomination(again, others=[earlier])
        rules.check_nomination(again, others=[])
    assert caught.value.messages == [
        "DWP Leeds has already nominated Ann at its AGM on 10 February 2027 for President.",
        "A branch may nominate no more than 1 candidate for President (1 seat). "
        "It has already nominated Ann at its AGM on 10 February 2027.",
    ]


def test_group_election_rule_names_the_branch_and_the_group():
    branch, president, ann, agm, _ = _unsaved_slate()
    election = president.election
    assert rules.outside_election_message(branch, election) is None  # national
    election.group = Group(pk=2, name="HMRC")
    assert (
        rules.outside_election_message(branch, election)
        == "DWP Leeds is not in HMRC, so cannot nominate in NEC 2027."
    )
    with pytest.raises(ValidationError, match="not in HMRC"):
        rules.check_nomination(Nomination(meeting=agm, position=president, candidate=ann))


def test_nominations_are_reported_only_after_the_meeting(django_assert_num_queries):
    """A branch contact reports what a meeting did: it needs a date, and one that has come."""
    *_, agm, _ = _unsaved_slate()

    def problems(meeting, today):
        try:
            rules.check_can_report(meeting, today=today)
        except ValidationError as exc:
            return exc.messages
        return []

    with django_assert_num_queries(0):
        assert problems(None, agm.date) == ["Tell us the date of your AGM first."]
        assert problems(agm, agm.date - datetime.timedelta(days=1)) == [
            "You can report nominations after the meeting on 10 February 2027."
        ]
        assert problems(agm, agm.date) == []  # on the day, once it is held
        assert problems(agm, agm.date + datetime.timedelta(days=30)) == []


def test_a_superseded_nomination_competes_with_nothing(django_assert_num_queries):
    nomination = NominationFactory()
    nomination.superseded_by_id = 1
    with django_assert_num_queries(0):
        assert nomination.competing() == []


# Nominations: duplicates and seats ---------------------------------------------


def test_branch_cannot_nominate_same_candidate_twice_for_a_position():
    """The trigger stops it in the database; clean() says so in words."""
    position = PositionFactory(seats=3)
    candidate = CandidateFactory(position=position)
    first = NominationFactory(candidate=candidate)
    again = Nomination(meeting=first.meeting, position=position, candidate=candidate)
    with pytest.raises(ValidationError, match="already nominated"):
        again.full_clean()
    with pytest.raises(IntegrityError, match="nomination_once_per_branch"), transaction.atomic():
        again.save()


def test_other_faction_candidate_recorded_by_name_once_whatever_case():
    position = PositionFactory(seats=3)
    meeting = MeetingFactory()
    Nomination.objects.create(meeting=meeting, position=position, other_name="Pat Jones")
    with pytest.raises(IntegrityError, match="nomination_once_per_branch"), transaction.atomic():
        Nomination.objects.create(meeting=meeting, position=position, other_name="PAT JONES")


def test_nomination_needs_exactly_one_of_candidate_or_name():
    position = PositionFactory()
    candidate = CandidateFactory(position=position)
    meeting = MeetingFactory()
    both = Nomination(meeting=meeting, position=position, candidate=candidate, other_name="X")
    with pytest.raises(ValidationError, match="not both"):
        both.full_clean()
    with pytest.raises(IntegrityError, match="nomination_candidate_or_name"), transaction.atomic():
        both.save()
    neither = Nomination(meeting=meeting, position=position)
    with pytest.raises(IntegrityError, match="nomination_candidate_or_name"), transaction.atomic():
        neither.save()


def test_no_more_nominations_than_seats_is_enforced_by_the_trigger():
    """A position with 2 seats takes 2 nominations from one meeting; the 3rd is refused."""
    position = PositionFactory(seats=2)
    meeting = MeetingFactory()
    Nomination.objects.create(meeting=meeting, position=position, other_name="A")
    Nomination.objects.create(meeting=meeting, position=position, other_name="B")
    third = Nomination(meeting=meeting, position=position, other_name="C")
    with pytest.raises(ValidationError, match="no more than 2 candidates"):
        third.full_clean()
    with pytest.raises(IntegrityError, match="nomination_within_seats"), transaction.atomic():
        third.save()
    # Another meeting, or another position, is unaffected.
    Nomination.objects.create(meeting=MeetingFactory(), position=position, other_name="C")


def test_superseded_nominations_do_not_take_a_seat():
    position = PositionFactory(seats=1)
    meeting = MeetingFactory()
    old = Nomination.objects.create(meeting=meeting, position=position, other_name="A")
    report = _report(meeting, position.election)
    Nomination.objects.filter(pk=old.pk).update(superseded_by=report)
    Nomination.objects.create(meeting=meeting, position=position, other_name="B")
    # Re-activating the old one would break the seat limit: the trigger checks updates too.
    with pytest.raises(IntegrityError, match="nomination_within_seats"), transaction.atomic():
        Nomination.objects.filter(pk=old.pk).update(superseded_by=None)


def _report(meeting, election):
    from campaign.models import NominationReport

    return NominationReport.objects.create(
        meeting=meeting, election=election, version=1, source="organiser", reported_by="x"
    )


def test_candidate_must_stand_for_the_position_nominated():
    candidate = CandidateFactory()
    other_position = PositionFactory(election=candidate.position.election, seats=2)
    nomination = Nomination(meeting=MeetingFactory(), position=other_position, candidate=candidate)
    with pytest.raises(ValidationError, match="is not a candidate for"):
        nomination.full_clean()
    with (
        pytest.raises(IntegrityError, match="nomination_candidate_for_position"),
        transaction.atomic(),
    ):
        nomination.save()


def test_group_election_takes_nominations_only_from_its_groups_branches():
    dwp, hmrc = GroupFactory(code="dwp"), GroupFactory(code="hmrc")
    position = PositionFactory(election=ElectionFactory(group=dwp))
    meeting = MeetingFactory(branch=BranchFactory(group=hmrc))
    nomination = Nomination(meeting=meeting, position=position, other_name="A")
    with pytest.raises(ValidationError, match="is not in"):
        nomination.full_clean()


# Meetings and elections -------------------------------------------------------------


def test_one_agm_per_branch_per_year():
    meeting = MeetingFactory(date=datetime.date(2027, 2, 1))
    clash = BranchMeeting(branch=meeting.branch, kind="agm", date=datetime.date(2027, 3, 1))
    with pytest.raises(ValidationError, match="already has an AGM in 2027"):
        clash.full_clean()
    with (
        pytest.raises(IntegrityError, match="branchmeeting_one_agm_per_year"),
        transaction.atomic(),
    ):
        clash.save()
    # An EGM the same year, or next year's AGM, is fine.
    MeetingFactory(branch=meeting.branch, kind="egm", date=datetime.date(2027, 3, 1))
    MeetingFactory(branch=meeting.branch, date=datetime.date(2028, 2, 1))


def test_mover_must_be_from_the_branch_and_only_when_moved():
    meeting = MeetingFactory()
    meeting.mover = MemberFactory(branch=meeting.branch)
    with pytest.raises(ValidationError, match="Tick"):
        meeting.full_clean()
    meeting.our_nominations_moved = True
    meeting.full_clean()
    meeting.mover = MemberFactory()
    with pytest.raises(ValidationError, match="member of this branch"):
        meeting.full_clean()


def test_election_dates_must_be_in_order():
    election = ElectionFactory.build(
        agm_window_start=datetime.date(2027, 3, 1), agm_window_end=datetime.date(2027, 1, 1)
    )
    with pytest.raises(ValidationError, match="AGM window"):
        election.full_clean()
    with pytest.raises(IntegrityError, match="election_agm_window_in_order"), transaction.atomic():
        election.save()
    late = ElectionFactory.build(nominations_close=datetime.date(2027, 5, 1))
    with pytest.raises(IntegrityError, match="election_dates_in_order"), transaction.atomic():
        late.save()


def test_candidate_names_unique_per_position_ignoring_case():
    candidate = CandidateFactory(name="Sam Reid")
    with pytest.raises(ValidationError, match="already on the slate"):
        CandidateFactory.build(position=candidate.position, name="sam reid").full_clean()


# Slate warnings --------------------------------------------------------------------


def test_slate_warnings_for_reserved_seats_employer_cap_and_too_many_candidates():
    dwp, hmrc = GroupFactory(code="dwp"), GroupFactory(code="hmrc")
    election = ElectionFactory(employer_cap=2)
    nec = PositionFactory(election=election, title="NEC member", seats=3)
    rule = ReservedSeatRule.objects.create(election=election, category="Black members", seats=2)
    a = CandidateFactory(position=nec, employer=dwp)
    CandidateFactory(position=nec, employer=dwp)
    CandidateFactory(position=nec, employer=dwp)
    a.reserved_categories.add(rule)
    warnings = rules.slate_warnings(election)
    assert any(
        "2 seats are reserved for Black members" in w and "has 1 candidate" in w for w in warnings
    )
    assert any("3 candidates work in" in w and "no more than 2" in w for w in warnings)
    assert not any("cannot nominate them all" in w for w in warnings)

    CandidateFactory(position=nec, employer=hmrc)  # now 4 for 3 seats
    assert any("4 candidates for 3 seats" in w for w in rules.slate_warnings(election))


def test_slate_that_keeps_the_rules_has_no_warnings():
    election = ElectionFactory(employer_cap=2)
    position = PositionFactory(election=election, seats=2)
    rule = ReservedSeatRule.objects.create(
        election=election, position=position, category="Women", seats=1
    )
    c = CandidateFactory(position=position, employer=GroupFactory(code="dwp"))
    c.reserved_categories.add(rule)
    CandidateFactory(position=position)
    assert rules.slate_warnings(election) == []


def test_every_model_is_importable_from_the_models_package():
    """The models live in one module per subject; `from campaign.models import X` finds each."""
    for model in apps.get_app_config("campaign").get_models():
        assert getattr(campaign_models, model.__name__) is model
        assert model.__name__ in campaign_models.__all__
