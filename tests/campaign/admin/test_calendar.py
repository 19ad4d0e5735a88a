"""Organisers' private calendar feeds: a secret address shown once, revocable, covering
the AGMs, notice deadlines, election and ballot dates in the organiser's scope."""

import datetime

import icalendar
import pytest
import time_machine
from django.urls import reverse

from campaign.models import CalendarFeed
from members.models import AuditEvent, User
from tests.campaign.admin.world import NOW
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _summaries(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return {(str(e["summary"]), e.decoded("dtstart")) for e in calendar.walk("VEVENT")}


def _new_address(client, user):
    client.force_login(user)
    response = client.post(reverse("admin:campaign_election_calendar"), {"do": "new"})
    html = response.content.decode()
    start = html.index('value="http://testserver/calendar/') + len('value="http://testserver')
    return html[start : html.index('"', start)]


def test_an_organiser_subscribes_to_their_scope(client, world):
    with time_machine.travel(NOW, tick=False):
        path = _new_address(client, world["organiser"])
        client.logout()
        response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _summaries(response)
    d3 = world["b"]["D3"]
    assert (f"AGM: D3 {d3.name}", datetime.date(2027, 3, 1)) in events
    assert (f"Meeting papers out: D3 {d3.name}", datetime.date(2027, 2, 22)) in events
    assert ("NEC 2027: nominations reach HQ", datetime.date(2027, 3, 19)) in events
    assert not [s for s, _ in events if "H1" in s or "HMRC" in s]  # not the DWP organiser's
    assert AuditEvent.objects.filter(subject="calendar feed", detail="new address").exists()


def test_the_address_is_shown_once_and_a_new_one_ends_the_old(client, world):
    with time_machine.travel(NOW, tick=False):
        old = _new_address(client, world["organiser"])
        page = client.get(reverse("admin:campaign_election_calendar")).content.decode()
        assert "/calendar/" not in page  # only a hash is kept
        new = _new_address(client, world["organiser"])
        assert client.get(old).status_code == 404
        assert client.get(new).status_code == 200
        client.post(reverse("admin:campaign_election_calendar"), {"do": "stop"})
        assert client.get(new).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_feed_stops_when_its_organiser_is_no_longer_active(client, world):
    with time_machine.travel(NOW, tick=False):
        path = _new_address(client, world["organiser"])
        User.objects.filter(pk=world["organiser"].pk).update(is_active=False)
        assert client.get(path).status_code == 404
        assert client.get("/calendar/not-a-secret.ics").status_code == 404


def test_an_editor_has_no_calendar_page(client, world):
    editor = UserFactory(username="ed", role=User.Role.EDITOR)
    client.force_login(editor)
    assert client.get(reverse("admin:campaign_election_calendar")).status_code == 403


def test_the_feed_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False):
        path = _new_address(client, world["national"])
        client.logout()
        with django_assert_max_num_queries(12):
            assert client.get(path).status_code == 200
