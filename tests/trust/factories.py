"""Factories the permission matrix needs for models no app factory builds yet."""

import datetime
import hashlib

import factory
from django.utils import timezone

from campaign.models import BranchContactLink, NominationReport
from tests.campaign.factories import ElectionFactory, MeetingFactory
from tests.factories import BranchFactory


class BranchContactLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BranchContactLink

    branch = factory.SubFactory(BranchFactory)
    contact_name = factory.Sequence(lambda n: f"Contact {n:05d}")
    email = factory.Sequence(lambda n: f"contact{n:05d}@example.org")
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(days=14))


class NominationReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NominationReport

    meeting = factory.SubFactory(MeetingFactory)
    election = factory.SubFactory(ElectionFactory)
    version = 1
    source = NominationReport.Source.ORGANISER
    reported_by = factory.Sequence(lambda n: f"Reporter {n:05d}")
