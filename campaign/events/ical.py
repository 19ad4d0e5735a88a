"""Calendar files (RFC 5545, through the icalendar library): one event, or the feed
of every published event. A members-only event's place and link are left out,
as on its public page."""

from django.conf import settings
from icalendar import Calendar
from icalendar import Event as VEvent

from members.broadcasts.rendering import render


def _vevent(event) -> VEvent:
    item = VEvent()
    item.add("uid", f"event-{event.pk}@{settings.SITE_URL.split('//')[-1]}")
    item.add("summary", event.title)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("dtstamp", event.updated_at)
    item.add("last-modified", event.updated_at)
    item.add("url", settings.SITE_URL + event.get_absolute_url())
    item.add("description", render(event.description).text)
    if not event.members_only:
        where = ", ".join(p for p in (event.place, event.online_url) if p)
        item.add("location", where)
    return item


def calendar(events, *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//events//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(_vevent(event))
    return cal.to_ical()
