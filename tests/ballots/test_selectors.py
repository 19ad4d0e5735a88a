"""Per-unit turnout and readiness computed in SQL, within the organiser's scope."""

import datetime as dt

import pytest

from ballots.models import BranchReadiness, LegalRule
from ballots.selectors import (
    ballot_period,
    latest_readiness,
    readiness_by_unit,
    turnout_by_unit,
    turnout_series,
)
from members.models import User
from tests.ballots.conftest import organiser
from tests.ballots.factories import BranchReadinessFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 3, 11)


def test_turnout_by_unit_uses_each_branchs_latest_return(returns, national):
    units = {u.code: u for u in turnout_by_unit(returns["ballot"], national, as_of=AS_OF)}
    jc, tax = units["jobcentres"], units["tax"]
    assert (jc.votes, jc.entitled, jc.threshold_votes, jc.still_needed) == (90, 200, 100, 10)
    assert (tax.votes, tax.threshold_votes, tax.still_needed) == (45, 50, 5)
    assert jc.reporting == jc.branches == 2
    # the 40% support rule applies to the important-public-service unit (opened after the
    # change? no: 2 Mar 2026 is after 18 Feb 2026, so the support rule is repealed)
    assert tax.support_votes is None


def test_units_are_ranked_by_closeness_to_the_line(returns, national):
    units = turnout_by_unit(returns["ballot"], national, as_of=AS_OF)
    assert [u.code for u in units] == ["tax", "jobcentres"]
    assert units[0].margin_words == "Needs 5 more votes"


def test_as_of_date_ignores_later_returns(returns, national):
    units = {
        u.code: u for u in turnout_by_unit(returns["ballot"], national, as_of=dt.date(2026, 3, 6))
    }
    assert units["jobcentres"].votes == 30


def test_rates_and_projection(returns, national):
    jc = {u.code: u for u in turnout_by_unit(returns["ballot"], national, as_of=AS_OF)}[
        "jobcentres"
    ]
    assert (jc.elapsed_days, jc.remaining_days, jc.total_days) == (10, 20, 30)
    assert jc.needed_per_day == 1  # 10 votes over 20 days
    assert jc.projection == 200  # 90 in 10 days -> 270 at this rate, capped at entitled


def test_ballot_period_before_and_after(returns):
    ballot = returns["ballot"]
    assert ballot_period(ballot, dt.date(2026, 2, 1)) == (0, 30, 30)
    assert ballot_period(ballot, dt.date(2026, 3, 31)) == (30, 0, 30)
    assert ballot_period(ballot, dt.date(2026, 5, 1)) == (30, 0, 30)


def test_support_threshold_for_a_ballot_opening_before_the_change(returns, national):
    ballot = returns["ballot"]
    ballot.opens_on = dt.date(2026, 2, 17)
    ballot.save()
    tax = {u.code: u for u in turnout_by_unit(ballot, national, as_of=AS_OF)}["tax"]
    assert tax.support_votes == 40


def test_no_threshold_once_the_turnout_repeal_commences(returns, national):
    LegalRule.objects.filter(kind="turnout", status="enacted").update(
        status="in_force", effective_from=dt.date(2026, 3, 1)
    )
    units = turnout_by_unit(returns["ballot"], national, as_of=AS_OF)
    assert all(u.threshold_votes is None and u.still_needed == 0 for u in units)
    assert units[0].margin_words == "No turnout threshold applies"


def test_group_organiser_sees_only_their_groups_units(returns):
    user = organiser(User.Role.GROUP, group=returns["g1"])
    assert [u.code for u in turnout_by_unit(returns["ballot"], user, as_of=AS_OF)] == ["jobcentres"]


def test_regional_organiser_counts_only_their_regions_branches(returns):
    user = organiser(User.Role.REGIONAL, region=returns["north"])
    units = {u.code: u for u in turnout_by_unit(returns["ballot"], user, as_of=AS_OF)}
    assert units["jobcentres"].votes == 60
    assert units["tax"].votes == 40
    assert units["jobcentres"].branches == 1


def test_editor_sees_nothing(returns):
    user = organiser(User.Role.EDITOR)
    assert turnout_by_unit(returns["ballot"], user, as_of=AS_OF) == []
    assert readiness_by_unit(user) == []
    assert latest_readiness(user) == []


def test_series_is_cumulative_per_day(returns, national):
    u1 = returns["u1"].pk
    series = turnout_series(returns["ballot"], national, unit_ids=[u1], as_of=AS_OF)[u1]
    by_day = dict(series)
    assert len(series) == 10
    assert by_day[dt.date(2026, 3, 2)] == 0
    assert by_day[dt.date(2026, 3, 5)] == 30
    assert by_day[dt.date(2026, 3, 9)] == 30
    assert by_day[dt.date(2026, 3, 10)] == 90


def test_readiness_snapshots_are_history_and_the_latest_counts(world, national):
    BranchReadinessFactory(
        branch=world["b1"],
        taken_on=dt.date(2026, 4, 1),
        members=50,
        staff_in_post=200,
        with_email=10,
        with_mobile=10,
        with_contact=15,
        with_home_address=20,
        reps=0,
        ballot_committee=False,
    )
    assert BranchReadiness.objects.filter(branch=world["b1"]).count() == 2
    rows = {s.branch.code: m for s, m in latest_readiness(national)}
    assert rows["JC-1"].status == "not_ready"
    assert "70% of members have no personal contact" in rows["JC-1"].reasons[1]
    assert rows["JC-2"].status == "ready"
    units = {u.code: u for u in readiness_by_unit(national)}
    assert units["jobcentres"].measures.figures.members == 150
    assert units["jobcentres"].measures.status == "not_ready"
    assert "1 of 2 branches have no ballot committee" in units["jobcentres"].measures.reasons
    assert units["tax"].measures.status == "ready"


def test_readiness_scope(world):
    user = organiser(User.Role.REGIONAL, region=world["south"])
    assert {s.branch.code for s, _ in latest_readiness(user)} == {"JC-2", "TX-2"}
    assert {u.code: u.reporting for u in readiness_by_unit(user)} == {"jobcentres": 1, "tax": 1}


@pytest.mark.parametrize(
    ("entitled", "turnout_votes", "support_votes"),
    [(200, 100, 80), (201, 101, 81), (101, 51, 41), (1, 1, 1), (0, 0, 0), (99999, 50000, 40000)],
)
def test_threshold_votes_round_up(returns, national, entitled, turnout_votes, support_votes):
    """'At least 50%' of 201 is 101 votes (100 would be 49.75%); the same for 40% yes."""
    from ballots.models import BallotUnit

    ballot = returns["ballot"]
    ballot.opens_on = dt.date(2026, 2, 17)  # the support rule still applies
    ballot.save()
    BallotUnit.objects.filter(ballot=ballot).update(entitled=entitled)
    tax = {u.code: u for u in turnout_by_unit(ballot, national, as_of=AS_OF)}["tax"]
    assert tax.threshold_votes == turnout_votes
    assert tax.support_votes == support_votes
