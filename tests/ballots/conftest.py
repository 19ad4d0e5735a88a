import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from members.models import User
from tests.ballots.factories import (
    BallotFactory,
    BallotUnitFactory,
    BargainingUnitFactory,
    BranchReadinessFactory,
    TurnoutReturnFactory,
    UnitBranchFactory,
)
from tests.factories import BranchFactory, GroupFactory, RegionFactory, UserFactory


@pytest.fixture(autouse=True)
def _no_login_lockout(settings):
    """These tests sign in with force_login, whose request has no client address.

    Login lockout (django-axes, keyed on the client address since the trust
    work) is tested in tests/core; here it would only fail on the missing address.
    """
    settings.AXES_ENABLED = False


def organiser(role, **kwargs):
    """An organiser with every ballots permission (scope does the narrowing)."""
    user = UserFactory(role=role, **kwargs)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="ballots"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def world(db):
    """Two groups, one unit each (two branches in two regions), a live ballot."""
    north, south = RegionFactory(), RegionFactory()
    g1, g2 = GroupFactory(), GroupFactory()
    u1 = BargainingUnitFactory(group=g1, name="Jobcentres", code="jobcentres")
    u2 = BargainingUnitFactory(
        group=g2, name="Tax offices", code="tax", important_public_service=True
    )
    b1 = BranchFactory(group=g1, region=north, name="Leeds JC", code="JC-1")
    b2 = BranchFactory(group=g1, region=south, name="Exeter JC", code="JC-2")
    b3 = BranchFactory(group=g2, region=north, name="Leeds Tax", code="TX-1")
    b4 = BranchFactory(group=g2, region=south, name="Exeter Tax", code="TX-2")
    for unit, branch in [(u1, b1), (u1, b2), (u2, b3), (u2, b4)]:
        UnitBranchFactory(unit=unit, branch=branch)
    ballot = BallotFactory(opens_on=dt.date(2026, 3, 2), closes_on=dt.date(2026, 3, 31))
    BallotUnitFactory(ballot=ballot, unit=u1, entitled=200)
    BallotUnitFactory(ballot=ballot, unit=u2, entitled=100)
    for branch in (b1, b2, b3, b4):
        BranchReadinessFactory(branch=branch)
    return {
        "north": north,
        "south": south,
        "g1": g1,
        "g2": g2,
        "u1": u1,
        "u2": u2,
        "b1": b1,
        "b2": b2,
        "b3": b3,
        "b4": b4,
        "ballot": ballot,
    }


@pytest.fixture
def returns(world):
    """Returns on two days; only the latest per branch counts."""
    ballot = world["ballot"]
    d1, d2 = dt.date(2026, 3, 5), dt.date(2026, 3, 10)
    for branch, first, second in [("b1", 20, 60), ("b2", 10, 30), ("b3", 25, 40)]:
        TurnoutReturnFactory(ballot=ballot, branch=world[branch], counted_on=d1, voted=first)
        TurnoutReturnFactory(ballot=ballot, branch=world[branch], counted_on=d2, voted=second)
    TurnoutReturnFactory(ballot=ballot, branch=world["b4"], counted_on=d1, voted=5)
    return world


@pytest.fixture
def national(db):
    return organiser(User.Role.NATIONAL)
