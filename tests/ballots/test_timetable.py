"""A ballot's deadlines from the rules that apply, and the flags on them."""

import datetime as dt

import pytest

from ballots.timetable import ballot_timetable
from tests.ballots.factories import ActionDateFactory, BallotFactory

pytestmark = pytest.mark.django_db
D = dt.date


def _by_label(tt):
    return {d.label: d for d in tt.deadlines}


@pytest.mark.parametrize(
    ("opens", "closes", "notice", "sample", "expiry", "support"),
    [
        # opens the day before the change: old rules (6 months, 40% support)
        (D(2026, 2, 17), D(2026, 3, 3), D(2026, 2, 10), D(2026, 2, 14), D(2026, 9, 2), 40),
        # opens on the day of the change: 12 months, no support threshold
        (D(2026, 2, 18), D(2026, 3, 4), D(2026, 2, 11), D(2026, 2, 15), D(2027, 3, 3), None),
        # opens after, across a leap-year month end
        (D(2028, 3, 1), D(2028, 3, 29), D(2028, 2, 23), D(2028, 2, 27), D(2029, 3, 28), None),
        (D(2025, 3, 3), D(2025, 8, 31), D(2025, 2, 24), D(2025, 2, 28), D(2026, 2, 28), 40),
    ],
)
def test_timetable_before_on_and_after_18_feb_2026(opens, closes, notice, sample, expiry, support):
    ballot = BallotFactory(opens_on=opens, closes_on=closes)
    tt = ballot_timetable(ballot)
    deadlines = _by_label(tt)
    assert deadlines["Notice of ballot to reach the employer"].due == notice
    assert deadlines["Sample voting paper to reach the employer"].due == sample
    assert deadlines["Mandate expires (last day of action)"].due == expiry
    assert tt.support.value == support
    assert tt.turnout.value == 50


def test_by_agreement_mandate_is_nine_months_under_the_old_rules():
    ballot = BallotFactory(opens_on=D(2025, 5, 1), closes_on=D(2025, 5, 31), by_agreement=True)
    expiry = _by_label(ballot_timetable(ballot))["Mandate expires (last day of action)"]
    assert expiry.due == D(2026, 2, 28)  # 31 May + 9 months: no 31 Feb


def test_action_notices_and_their_problems():
    ballot = BallotFactory(opens_on=D(2026, 3, 2), closes_on=D(2026, 3, 31))
    ActionDateFactory(ballot=ballot, starts_on=D(2026, 4, 20))
    ActionDateFactory(ballot=ballot, starts_on=D(2026, 3, 30))
    ActionDateFactory(ballot=ballot, starts_on=D(2027, 4, 1))
    deadlines = _by_label(ballot_timetable(ballot))
    good = deadlines["Notice of action for 20 Apr 2026"]
    assert good.due == D(2026, 4, 10)
    assert good.flag(D(2026, 4, 1)) == ""
    assert deadlines["Notice of action for 30 Mar 2026"].flag(D(2026, 1, 1)) == (
        "Action must start after the ballot closes"
    )
    assert deadlines["Notice of action for 1 Apr 2027"].flag(D(2026, 1, 1)) == (
        "Action is after the mandate expires"
    )


@pytest.mark.parametrize(
    ("today", "sent", "state", "flag"),
    [
        (D(2026, 2, 20), None, "ok", ""),  # 3 days away: not yet flagged
        (D(2026, 2, 21), None, "soon", "2 days left"),
        (D(2026, 2, 22), None, "soon", "1 day left"),
        (D(2026, 2, 23), None, "soon", "Today"),
        (D(2026, 2, 24), None, "missed", "Missed"),
        (D(2026, 2, 24), D(2026, 2, 23), "done", ""),
        (D(2026, 2, 24), D(2026, 2, 24), "late", "Sent late"),
    ],
)
def test_deadline_flags_missed_or_less_than_three_days_away(today, sent, state, flag):
    ballot = BallotFactory(opens_on=D(2026, 3, 2), closes_on=D(2026, 3, 31))
    ballot.notice_of_ballot_sent_on = sent
    notice = _by_label(ballot_timetable(ballot))["Notice of ballot to reach the employer"]
    assert notice.due == D(2026, 2, 23)
    assert notice.state(today) == state
    assert notice.flag(today) == flag


def test_consultative_ballot_has_no_legal_deadlines():
    ballot = BallotFactory(kind="consultative")
    labels = [d.label for d in ballot_timetable(ballot).deadlines]
    assert labels == ["Ballot opens", "Ballot closes"]


def test_a_ballot_before_any_recorded_rule_says_so():
    ballot = BallotFactory(opens_on=D(2016, 5, 1), closes_on=D(2016, 5, 20))
    notice = _by_label(ballot_timetable(ballot))["Notice of ballot to reach the employer"]
    assert notice.due is None
    assert notice.flag(D(2016, 1, 1)) == "No rule recorded for this date"


def test_cutoffs_warn_before_but_are_not_missed_after():
    ballot = BallotFactory(
        opens_on=D(2026, 3, 2), closes_on=D(2026, 3, 31), replacement_cutoff=D(2026, 3, 25)
    )
    cutoff = _by_label(ballot_timetable(ballot))["Replacement-paper cut-off"]
    assert cutoff.flag(D(2026, 3, 23)) == "2 days left"
    assert cutoff.flag(D(2026, 3, 26)) == ""
    assert cutoff.state(D(2026, 3, 26)) == "passed"


def test_the_timetable_follows_a_row_decided_by_the_closing_date():
    """The mandate expiry moves when an organiser adds a row decided by the close."""
    from ballots.models import LegalRule

    ballot = BallotFactory(opens_on=dt.date(2026, 2, 10), closes_on=dt.date(2026, 3, 10))
    expiry = _mandate(ballot_timetable(ballot))
    assert expiry.due == dt.date(2026, 9, 9)  # 6 months: opened before 18 Feb
    LegalRule.objects.create(
        kind=LegalRule.Kind.MANDATE_LENGTH,
        value=12,
        effective_from=dt.date(2026, 3, 1),
        decided_by=LegalRule.DecidedBy.BALLOT_CLOSES,
        status=LegalRule.Status.IN_FORCE,
        source="test row",
    )
    expiry = _mandate(ballot_timetable(ballot))
    assert expiry.due == dt.date(2027, 3, 9)
    assert expiry.note.startswith("12 months")


def _mandate(timetable):
    return next(d for d in timetable.deadlines if d.label.startswith("Mandate expires"))
