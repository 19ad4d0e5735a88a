"""Who a broadcast reaches, decided in one queryset used before and during sending."""

from datetime import datetime, time

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from members.models import Broadcast, Member, Suppression

# Pending sign-ups have not confirmed their address (double opt-in); people who
# left are not members.
REACHABLE = (Member.Status.CONFIRMED, Member.Status.ACTIVE)
SAMPLE_SIZE = 10


def audience(broadcast: Broadcast) -> QuerySet[Member]:
    """Members this broadcast may go to now: in its scope, matching its filters,
    confirmed, with its consent live, and with an address not suppressed."""
    members = broadcast.scope.filter(Member.objects.all(), branch_path="branch", group_path="group")
    members = members.filter(status__in=REACHABLE).consenting(broadcast.consent)
    if broadcast.audience_group_id:
        members = members.filter(group_id=broadcast.audience_group_id)
    if broadcast.audience_region_id:
        members = members.filter(branch__region_id=broadcast.audience_region_id)
    if broadcast.audience_branch_id:
        members = members.filter(branch_id=broadcast.audience_branch_id)
    if broadcast.audience_grades:
        members = members.filter(grade__in=broadcast.audience_grades)
    if broadcast.audience_reps_only:
        members = members.filter(is_rep=True)
    if broadcast.audience_joined_since:
        start = datetime.combine(broadcast.audience_joined_since, time.min)
        members = members.filter(created_at__gte=timezone.make_aware(start))
    suppressed = Suppression.objects.annotate(lower=Lower("email")).filter(
        lower=Lower(OuterRef("email"))
    )
    return members.exclude(Exists(suppressed))


def audience_summary(broadcast: Broadcast) -> tuple[int, list[str]]:
    """The number of members it would reach now, and a few of their names (two queries)."""
    members = audience(broadcast)
    sample = list(members.order_by("?").values_list("name", flat=True)[:SAMPLE_SIZE])
    count = members.count() if len(sample) == SAMPLE_SIZE else len(sample)
    return count, sorted(sample)
