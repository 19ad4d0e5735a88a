"""The election campaign: elections, positions, our slates, branch meetings,
and the nominations they make; meetings and events people reply to.

The rules of an election (seats, reserved seats, the employer cap, the
nominations a candidate needs, the notice periods before a meeting) are data
on these models, checked by code in ``campaign/rules.py`` and by the database.

One module per subject; every model is importable from here, as before:
``from campaign.models import Election``.
"""

from campaign.models.elections import (
    Candidate,
    Election,
    ElectionQuerySet,
    ElectionRedirect,
    Position,
    ReservedSeatRule,
)
from campaign.models.events import Event, EventQuerySet, EventRSVP
from campaign.models.meetings import BranchMeeting, NoticeDate, NoticeRule, subtract
from campaign.models.nominations import Nomination, NominationQuerySet, NominationReport
from campaign.models.outreach import CalendarFeed, ContactEvent, Reminder

__all__ = [
    "BranchMeeting",
    "CalendarFeed",
    "Candidate",
    "ContactEvent",
    "Election",
    "ElectionQuerySet",
    "ElectionRedirect",
    "Event",
    "EventQuerySet",
    "EventRSVP",
    "Nomination",
    "NominationQuerySet",
    "NominationReport",
    "NoticeDate",
    "NoticeRule",
    "Position",
    "Reminder",
    "ReservedSeatRule",
    "subtract",
]
