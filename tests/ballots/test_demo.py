"""The demo loader: units, snapshots and a live ballot; idempotent."""

import pytest

from ballots import demo
from ballots.models import Ballot, BargainingUnit, BranchReadiness, TurnoutReturn, UnitBranch
from ballots.selectors import turnout_by_unit
from members import demo as members_demo
from members.models import Branch
from tests.ballots.conftest import organiser

pytestmark = pytest.mark.django_db


def test_demo_loads_once_and_gives_a_live_ballot():
    members_demo.load(branches=40)
    first = demo.load(units=8, days=6)
    assert first["units"] == 8
    assert first["turnout_returns"] == 6 * UnitBranch.objects.count()
    assert UnitBranch.objects.count() == Branch.objects.count()
    assert BranchReadiness.objects.count() == 2 * Branch.objects.count()
    again = demo.load(units=8, days=6)
    assert again["snapshots"] == again["turnout_returns"] == 0
    assert BargainingUnit.objects.count() == 8
    ballot = Ballot.objects.get()
    assert TurnoutReturn.objects.filter(ballot=ballot).count() == first["turnout_returns"]
    units = turnout_by_unit(ballot, organiser("national"), as_of=ballot.closes_on)
    assert len(units) == 8
    assert all(u.votes > 0 for u in units)


def test_demo_pay_petition_is_tied_to_the_pay_petition_structure_test():
    from ballots.models import Petition

    members_demo.load(branches=10)
    demo.load(units=3, days=3)
    demo.load(units=3, days=3)
    petition = Petition.objects.get()
    assert petition.structure_test.title == "Sign the pay petition"
    assert petition.is_published
