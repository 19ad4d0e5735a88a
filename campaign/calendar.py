"""The campaign's part of an organiser's calendar feed (core.calendar), and the feed
itself: ``/calendar/<secret>.ics``, answered for an active organiser's live secret.

Events: branch meetings in scope with each notice deadline, and each visible
election's nominations close and ballot dates. Four queries whatever the size.
"""

import datetime

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from campaign.models import BranchMeeting, CalendarFeed, Election, NoticeRule
from core import calendar as core_calendar
from core.calendar import CalendarEvent
from core.ratelimit import ratelimit
from members.scoping import scope_for


def calendar_events(user, start: datetime.date, end: datetime.date) -> list[CalendarEvent]:
    events = []
    if user.has_perm("campaign.view_branchmeeting"):
        rules = list(NoticeRule.objects.all())
        earliest = min((rule.deadline(end) for rule in rules), default=end)
        reach = end + (end - earliest)  # meetings whose deadlines fall before `end`
        meetings = scope_for(user).filter(
            BranchMeeting.objects.filter(date__gte=start, date__lte=reach), branch_path="branch"
        )
        for m in meetings.values("pk", "date", "kind", "branch__code", "branch__name"):
            kind = BranchMeeting.Kind(m["kind"]).label
            where = f"{m['branch__code']} {m['branch__name']}"
            url = reverse("admin:campaign_branchmeeting_change", args=[m["pk"]])
            if m["date"] <= end:
                events.append(
                    CalendarEvent(f"meeting-{m['pk']}", m["date"], f"{kind}: {where}", url=url)
                )
            for rule in rules:
                due = rule.deadline(m["date"])
                if rule.applies_to in ("", m["kind"]) and start <= due <= end:
                    events.append(
                        CalendarEvent(
                            f"notice-{m['pk']}-{rule.pk}",
                            due,
                            f"{rule.label}: {where}",
                            description=f"{kind} on {m['date']:%-d %B %Y}",
                            url=url,
                        )
                    )
    if user.has_perm("campaign.view_election"):
        for election in Election.objects.visible_to(user).filter(
            ballot_closes__gte=start, nominations_close__lte=end
        ):
            board = reverse("admin:campaign_election_board", args=[election.pk])
            for key, day, what in [
                ("close", election.nominations_close, "nominations reach HQ"),
                ("opens", election.ballot_opens, "ballot opens"),
                ("closes", election.ballot_closes, "ballot closes"),
            ]:
                if start <= day <= end:
                    events.append(
                        CalendarEvent(
                            f"election-{election.pk}-{key}",
                            day,
                            f"{election.name}: {what}",
                            url=board,
                        )
                    )
    return events


@never_cache
@require_safe
@ratelimit("manage", methods=("GET", "HEAD"))  # secrets are guessed by trying them
def feed(request, token):
    """An organiser's private calendar (every app's events): 404 for an unknown or
    revoked secret, or an organiser no longer active."""
    user = CalendarFeed.user_for(token)
    if user is None:
        raise Http404
    events = core_calendar.calendar_events(user, timezone.localdate())
    body = core_calendar.ics(events, name=f"{settings.SITE_NAME}: organising")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="organising.ics"'
    return response
