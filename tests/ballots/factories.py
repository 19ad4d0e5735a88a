"""Factories for the ballots app."""

import datetime as dt

import factory
from django.utils import timezone

from ballots.models import (
    ActionDate,
    Ballot,
    BallotUnit,
    BargainingUnit,
    BranchReadiness,
    Petition,
    PetitionSignature,
    StructureTest,
    TurnoutReturn,
    UnitBranch,
    VotePledge,
)
from tests.factories import BranchFactory, GroupFactory, MemberFactory


class BargainingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BargainingUnit

    group = factory.SubFactory(GroupFactory)
    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")


class UnitBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitBranch

    unit = factory.SubFactory(BargainingUnitFactory)
    branch = factory.SubFactory(BranchFactory, group=factory.SelfAttribute("..unit.group"))


class BranchReadinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BranchReadiness

    branch = factory.SubFactory(BranchFactory)
    taken_on = dt.date(2026, 3, 1)
    members = 100
    staff_in_post = 150
    with_email = 85
    with_mobile = 80
    with_contact = 90
    with_home_address = 95
    reps = 3
    advocates = 2
    meetings_held = 1
    ballot_committee = True


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    name = factory.Sequence(lambda n: f"Pay ballot {n}")
    kind = Ballot.Kind.STATUTORY
    opens_on = dt.date(2026, 3, 2)
    closes_on = dt.date(2026, 3, 31)


class BallotUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BallotUnit

    ballot = factory.SubFactory(BallotFactory)
    unit = factory.SubFactory(BargainingUnitFactory)
    entitled = 1000


class ActionDateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionDate

    ballot = factory.SubFactory(BallotFactory)
    starts_on = dt.date(2026, 4, 20)


class TurnoutReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TurnoutReturn

    ballot = factory.SubFactory(BallotFactory)
    branch = factory.SubFactory(BranchFactory)
    counted_on = factory.SelfAttribute("ballot.opens_on")
    voted = 10


class StructureTestFactory(factory.django.DjangoModelFactory):
    """A branch-level target (the unit-level kind sets `unit` and `branch=None`)."""

    class Meta:
        model = StructureTest

    title = factory.Sequence(lambda n: f"Sign the pay petition {n}")
    branch = factory.SubFactory(BranchFactory)
    unit = None
    target_percent = 70
    deadline = dt.date(2027, 3, 14)


class PetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petition

    title = factory.Sequence(lambda n: f"Pay petition {n}")
    slug = factory.Sequence(lambda n: f"pay-petition-{n}")
    text = "We call on the employer to **pay up**."
    target = 100
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    structure_test = factory.SubFactory(StructureTestFactory)
    is_published = True


class PetitionSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PetitionSignature

    petition = factory.SubFactory(PetitionFactory)
    name = factory.Sequence(lambda n: f"Signer {n}")
    email = factory.Sequence(lambda n: f"signer{n}@example.org")
    branch = factory.SubFactory(BranchFactory)
    consent_version = 1
    created_at = factory.LazyFunction(timezone.now)


class VotePledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VotePledge

    ballot = factory.SubFactory(BallotFactory)
    member = factory.SubFactory(MemberFactory)
    branch = factory.LazyAttribute(lambda o: o.member.branch)
    consent_version = 1
    reported_at = factory.LazyFunction(timezone.now)
    reported_on = factory.LazyAttribute(lambda o: o.ballot.opens_on)
