"""A petition tied to a structure test moves the test: its progress is the confirmed
signatures from its branches over their members, one row a day for the history."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from ballots.models import StructureTestProgress
from ballots.petitions import services
from tests.ballots.factories import (
    BargainingUnitFactory,
    BranchReadinessFactory,
    PetitionFactory,
    PetitionSignatureFactory,
    StructureTestFactory,
    UnitBranchFactory,
)
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2027, 2, 1, 12, tzinfo=dt.UTC)


def _members(branch, members, taken_on=None):
    """Readiness figures saying `branch` has `members` members (the other counts within)."""
    return BranchReadinessFactory(
        branch=branch,
        taken_on=taken_on or timezone.localdate(),
        members=members,
        staff_in_post=members,
        with_email=0,
        with_mobile=0,
        with_contact=0,
        with_home_address=0,
        reps=0,
    )


def _sign_and_confirm(petition, branch, when):
    signature = PetitionSignatureFactory(petition=petition, branch=branch)
    services.signature_confirm(signature=signature, ip=None, now=when)
    return signature


@time_machine.travel(DAY, tick=False)
def test_each_confirmation_records_the_branchs_progress_for_the_day():
    branch = BranchFactory()
    _members(branch, 10, dt.date(2027, 1, 10))
    test = StructureTestFactory(branch=branch, target_percent=70)
    petition = PetitionFactory(structure_test=test, deadline=dt.date(2027, 3, 1))
    PetitionSignatureFactory(petition=petition, branch=branch)  # never confirmed: not counted
    PetitionSignatureFactory(petition=petition, branch=BranchFactory(), confirmed_at=DAY)
    _sign_and_confirm(petition, branch, DAY)
    _sign_and_confirm(petition, branch, DAY)
    [today] = StructureTestProgress.objects.filter(test=test)
    assert (today.recorded_on, today.done, today.out_of) == (dt.date(2027, 2, 1), 2, 10)
    later = DAY + dt.timedelta(days=2)
    _sign_and_confirm(petition, branch, later)
    history = list(test.progress.order_by("recorded_on").values_list("recorded_on", "done"))
    assert history == [(dt.date(2027, 2, 1), 2), (dt.date(2027, 2, 3), 3)]


def test_a_unit_test_counts_every_branch_of_the_unit():
    unit = BargainingUnitFactory()
    leeds = UnitBranchFactory(unit=unit).branch
    york = UnitBranchFactory(unit=unit).branch
    for branch, members in ((leeds, 6), (york, 4)):
        _members(branch, members)
    test = StructureTestFactory(branch=None, unit=unit)
    petition = PetitionFactory(structure_test=test)
    for branch in (leeds, york, york):
        _sign_and_confirm(petition, branch, timezone.now())
    row = test.progress.get()
    assert (row.done, row.out_of, row.percent) == (3, 10, 30.0)


def test_without_membership_figures_no_progress_is_made_up():
    branch = BranchFactory()
    test = StructureTestFactory(branch=branch)
    _sign_and_confirm(PetitionFactory(structure_test=test), branch, timezone.now())
    assert not test.progress.exists()


def test_more_signers_than_the_figures_say_are_members_caps_at_all():
    branch = BranchFactory()
    _members(branch, 1)
    test = StructureTestFactory(branch=branch)
    petition = PetitionFactory(structure_test=test)
    for _ in range(2):
        _sign_and_confirm(petition, branch, timezone.now())
    row = test.progress.get()
    assert (row.done, row.out_of, row.met) == (1, 1, True)


def test_a_petition_without_a_test_moves_nothing():
    branch = BranchFactory()
    _members(branch, 5)
    _sign_and_confirm(PetitionFactory(structure_test=None), branch, timezone.now())
    assert not StructureTestProgress.objects.exists()
