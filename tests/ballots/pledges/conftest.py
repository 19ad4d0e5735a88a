import datetime as dt

import pytest
from django.utils import timezone

from tests.ballots.factories import (
    BallotFactory,
    BallotUnitFactory,
    BargainingUnitFactory,
    UnitBranchFactory,
)
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _pledge_defaults(settings):
    settings.MEMBERS_JOIN_MIN_SECONDS = 0
    settings.RATELIMITS = {**settings.RATELIMITS, "pledge": "1000/h", "confirm": "1000/h"}


@pytest.fixture
def live():
    """A ballot open now over one unit of two branches, and a member in each."""
    today = timezone.localdate()
    unit = BargainingUnitFactory()
    leeds = UnitBranchFactory(unit=unit).branch
    york = UnitBranchFactory(unit=unit).branch
    ballot = BallotFactory(
        opens_on=today - dt.timedelta(days=5), closes_on=today + dt.timedelta(days=10)
    )
    BallotUnitFactory(ballot=ballot, unit=unit, entitled=100)
    return {
        "ballot": ballot,
        "unit": unit,
        "leeds": leeds,
        "york": york,
        "ada": MemberFactory(email="ada@example.org", branch=leeds),
        "bo": MemberFactory(email="bo@example.org", branch=york),
    }
