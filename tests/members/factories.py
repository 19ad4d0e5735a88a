"""Factories for the members app's own models (shared ones are in tests.factories)."""

import factory
from django.utils import timezone

from members.consent import current_wording
from members.models import Consent, ConsentKind
from tests.factories import MemberFactory


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    member = factory.SubFactory(MemberFactory)
    kind = ConsentKind.FACTION
    wording = factory.LazyAttribute(lambda c: current_wording(c.kind))
    given_at = factory.LazyFunction(timezone.now)
    source = "join form"
