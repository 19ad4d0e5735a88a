"""Factories for the members app's own models (shared ones are in tests.factories)."""

import factory
from django.utils import timezone

from members.consent import current_wording
from members.models import Broadcast, Consent, ConsentKind
from tests.factories import MemberFactory


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    member = factory.SubFactory(MemberFactory)
    kind = ConsentKind.FACTION
    wording = factory.LazyAttribute(lambda c: current_wording(c.kind))
    given_at = factory.LazyFunction(timezone.now)
    source = "join form"


class BroadcastFactory(factory.django.DjangoModelFactory):
    """A draft broadcast, to the whole union unless a scope group or region is given."""

    class Meta:
        model = Broadcast

    subject = factory.Sequence(lambda n: f"Broadcast {n:03d}")
    body = "Hello {{ name }},\n\nCome to the **branch meeting**."
    scope_group = None
    scope_region = None
    scope_everything = factory.LazyAttribute(
        lambda b: b.scope_group is None and b.scope_region is None
    )
