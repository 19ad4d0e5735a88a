"""Organisers' calendar feeds (iCal): each app gives its dated events, core writes them.

An app declares ``calendar_events(user, start, end) -> list[CalendarEvent]`` on its
AppConfig (read with ``core.registry.declared``): the AGMs, deadlines and ballot
dates in the user's scope between the two days. ``ics`` turns them into one
calendar that calendar apps subscribe to. Core knows no app.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from icalendar import Calendar, Event

from core.registry import declared

FEED_PAST_DAYS = 30  # how far back a feed reaches
FEED_AHEAD_DAYS = 365
MAX_EVENTS = 5000


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across fetches, so calendar apps update an event in place
    day: datetime.date
    summary: str
    description: str = ""
    url: str = ""  # a path on this site


def calendar_events(user, today: datetime.date) -> list[CalendarEvent]:
    start = today - datetime.timedelta(days=FEED_PAST_DAYS)
    end = today + datetime.timedelta(days=FEED_AHEAD_DAYS)
    events = []
    for _config, hook in declared("calendar_events"):
        events += hook(user, start, end)
    events.sort(key=lambda e: (e.day, e.summary))
    return events[:MAX_EVENTS]


def ics(events: list[CalendarEvent], *, name: str) -> bytes:
    """One iCalendar (RFC 5545) document of all-day events."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//organiser calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT6H")
    host = settings.SITE_URL.split("//", 1)[-1]
    stamp = datetime.datetime.now(datetime.UTC)
    for item in events:
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + datetime.timedelta(days=1))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", settings.SITE_URL + item.url)
        calendar.add_component(event)
    return calendar.to_ical()
