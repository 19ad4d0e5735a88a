"""The ballots' part of an organiser's calendar feed (core.calendar): every date of each
visible ballot's legal timetable. Three queries whatever the size."""

import datetime

from django.db.models import Prefetch
from django.urls import reverse

from ballots.models import ActionDate, Ballot
from ballots.rules import RuleBook
from ballots.timetable import ballot_timetable
from core.calendar import CalendarEvent


def calendar_events(user, start: datetime.date, end: datetime.date) -> list[CalendarEvent]:
    if not user.has_perm("ballots.view_ballot"):
        return []
    book = RuleBook()
    ballots = (
        Ballot.objects.visible_to(user)
        .filter(closes_on__gte=start - datetime.timedelta(days=366), opens_on__lte=end)
        .prefetch_related(Prefetch("action_dates", ActionDate.objects.all(), "actions"))
    )
    events = []
    for ballot in ballots:
        url = reverse("admin:ballots_ballot_dashboard", args=[ballot.pk])
        for number, deadline in enumerate(
            ballot_timetable(ballot, book=book, actions=ballot.actions).deadlines
        ):
            if deadline.due is not None and start <= deadline.due <= end:
                events.append(
                    CalendarEvent(
                        f"ballot-{ballot.pk}-{number}-{deadline.due:%Y%m%d}",
                        deadline.due,
                        f"{ballot.name}: {deadline.label}",
                        description=deadline.note,
                        url=url,
                    )
                )
    return events
