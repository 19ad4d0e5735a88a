"""The public event pages and calendar files: what they show, in fixed queries, and
that a new reply changes the places shown at once, cache or not."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from campaign.events import services
from tests.campaign.factories import EventFactory, EventRSVPFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_upcoming_published_events_in_fixed_queries(
    client, django_assert_max_num_queries
):
    for i in range(30):
        event = EventFactory(title=f"Meeting {i}", capacity=50)
        EventRSVPFactory.create_batch(2, event=event)
    EventFactory(title="Draft meeting", is_published=False)
    EventFactory(
        title="Last year's meeting",
        starts_at=timezone.now() - timedelta(days=300),
        ends_at=timezone.now() - timedelta(days=300) + timedelta(hours=2),
    )
    with django_assert_max_num_queries(3):
        response = client.get(reverse("campaign:event_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Meeting 29" in html
    assert "2 of 50 places taken" in html
    assert "Draft meeting" not in html
    assert "Last year" not in html


def test_the_event_page_shows_details_places_and_the_reply_link_in_fixed_queries(
    client, django_assert_max_num_queries
):
    event = EventFactory(
        title="Pay meeting", capacity=10, description="Bring a **workmate**.", online_url=""
    )
    EventRSVPFactory.create_batch(3, event=event)
    EventRSVPFactory(event=event, cancelled_at=timezone.now())
    with django_assert_max_num_queries(3):
        response = client.get(event.get_absolute_url())
    html = response.content.decode()
    assert "<strong>workmate</strong>" in html
    assert "7 of 10 left" in html
    assert "Trades council hall" in html
    assert reverse("campaign:event_rsvp", args=[event.slug]) in html


def test_markdown_in_the_description_cannot_inject_script(client):
    event = EventFactory(description="<script>alert(1)</script> [x](javascript:alert(1))")
    html = client.get(event.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript' not in html


def test_a_members_only_event_keeps_its_place_off_the_public_page_and_calendar(client):
    event = EventFactory(audience="members", online_url="https://meet.example/secret-room")
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Trades council hall" not in html
    assert "secret-room" not in html
    ics = client.get(reverse("campaign:event_ical", args=[event.slug])).content.decode()
    assert "Trades council hall" not in ics
    assert "secret-room" not in ics


def test_a_full_event_says_so_and_offers_no_reply(client):
    event = EventFactory(capacity=2)
    EventRSVPFactory.create_batch(2, event=event)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "This event is full." in html
    assert reverse("campaign:event_rsvp", args=[event.slug]) not in html


def test_unpublished_events_are_404(client):
    event = EventFactory(is_published=False)
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.get(reverse("campaign:event_ical", args=[event.slug])).status_code == 404


def test_the_calendar_file_of_one_event(client):
    event = EventFactory(title="Pay meeting")
    response = client.get(reverse("campaign:event_ical", args=[event.slug]))
    assert response["Content-Type"].startswith("text/calendar")
    [vevent] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Pay meeting"
    assert vevent["DTSTART"].dt == event.starts_at.replace(microsecond=0)
    assert vevent["DTEND"].dt == event.ends_at.replace(microsecond=0)
    assert "Trades council hall" in str(vevent["LOCATION"])


def test_the_calendar_feed_holds_every_published_event_in_fixed_queries(
    client, django_assert_max_num_queries
):
    EventFactory.create_batch(20)
    EventFactory(is_published=False)
    with django_assert_max_num_queries(2):
        response = client.get(reverse("campaign:event_feed"))
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 20


def _places(client, event) -> str:
    html = client.get(event.get_absolute_url()).content.decode()
    return html.split('<dd id="places">', 1)[1].split("</dd>", 1)[0]


def test_a_new_reply_or_a_cancellation_changes_the_cached_page_at_once(client, page_cache):
    event = EventFactory(capacity=5)
    assert _places(client, event) == "5 of 5 left"
    assert client.get(event.get_absolute_url())["X-Page-Cache"] == "hit"
    services.rsvp_create(event=event, name="Ada", email="ada@example.org", consent_version=1)
    assert _places(client, event) == "4 of 5 left"
    services.rsvp_cancel(rsvp=event.rsvps.get())
    assert _places(client, event) == "5 of 5 left"
    list_html = client.get(reverse("campaign:event_list")).content.decode()
    assert "0 of 5 places taken" in list_html


def test_the_reply_form_and_cancel_link_are_never_stored(client, page_cache):
    event = EventFactory()
    url = reverse("campaign:event_rsvp", args=[event.slug])
    client.get(url)
    assert client.get(url).get("X-Page-Cache") != "hit"
    cancel = reverse("campaign:event_cancel", args=[services.cancel_token(EventRSVPFactory())])
    client.get(cancel)
    assert client.get(cancel).get("X-Page-Cache") != "hit"


def test_cached_pages_expire_when_the_next_event_starts():
    """The reply button goes at the start: the page cache asks when that is."""
    from core.pagecache import next_scheduled_publication

    soon = EventFactory(starts_at=timezone.now() + timedelta(hours=3))
    EventFactory(starts_at=timezone.now() + timedelta(days=3))
    EventFactory(starts_at=timezone.now() + timedelta(hours=1), is_published=False)
    due = next_scheduled_publication()
    assert due == soon.starts_at
