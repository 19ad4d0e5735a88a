"""Factories for the campaign app's models."""

import datetime

import factory
from django.utils import timezone

from campaign import consent
from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Event,
    EventRSVP,
    Nomination,
    NominationReport,
    Position,
)
from tests.factories import BranchFactory


class ElectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Election

    name = factory.Sequence(lambda n: f"NEC {2027 + n}")
    slug = factory.Sequence(lambda n: f"nec-{2027 + n}")
    group = None
    agm_window_start = datetime.date(2027, 1, 4)
    agm_window_end = datetime.date(2027, 3, 12)
    nominations_close = datetime.date(2027, 3, 19)
    ballot_opens = datetime.date(2027, 4, 6)
    ballot_closes = datetime.date(2027, 5, 4)
    nominations_needed = 3
    is_published = True


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    election = factory.SubFactory(ElectionFactory)
    title = factory.Sequence(lambda n: f"Vice President {n}")
    seats = 1
    order = factory.Sequence(int)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    position = factory.SubFactory(PositionFactory)
    name = factory.Sequence(lambda n: f"Candidate {n}")
    order = factory.Sequence(int)
    statement = "For a fighting, democratic union."


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BranchMeeting

    branch = factory.SubFactory(BranchFactory)
    kind = BranchMeeting.Kind.AGM
    date = datetime.date(2027, 2, 10)
    place = "Canteen, ground floor"


class NominationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nomination

    meeting = factory.SubFactory(MeetingFactory)
    candidate = factory.SubFactory(CandidateFactory)
    position = factory.LazyAttribute(lambda o: o.candidate.position if o.candidate else None)
    reported_by = "Branch secretary"


class NominationReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NominationReport

    meeting = factory.SubFactory(MeetingFactory)
    election = factory.SubFactory(ElectionFactory)
    version = factory.Sequence(lambda n: n + 1)
    source = NominationReport.Source.values[0]
    reported_by = "Branch secretary"
    entries = factory.LazyFunction(list)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Members' meeting {n}")
    slug = factory.Sequence(lambda n: f"members-meeting-{n}")
    description = "Pay, the ballot, and how we win it."
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    place = "Trades council hall, room 2"
    branch = factory.SubFactory(BranchFactory)
    is_published = True


class EventRSVPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventRSVP

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Attendee {n}")
    email = factory.Sequence(lambda n: f"attendee{n}@example.org")
    consent_version = factory.LazyFunction(consent.current_version)
