"""The organisers' side: events in scope, the attendee list for the door, who came,
and the export (audited, formula-safe); other scopes' events are 404."""

import csv
import io

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.urls import reverse

from campaign.models import Event
from members.models import AuditEvent
from tests.campaign.factories import EventFactory, EventRSVPFactory
from tests.members.permissions.worlds import make_world, organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def worlds():
    return make_world("a"), make_world("b")


@pytest.fixture
def own_and_other(worlds):
    own = EventFactory(branch=worlds[0].branch, title="Own meeting")
    other = EventFactory(branch=worlds[1].branch, title="Other meeting")
    EventRSVPFactory(event=own, name="Ada Own", email="ada@example.org")
    EventRSVPFactory(event=other, name="Bea Other")
    return own, other


def _group_organiser(client, world, **kwargs):
    user = organiser("group", world, every_permission=False, **kwargs)
    client.force_login(user)
    return user


def test_a_group_organiser_sees_their_groups_events_only(client, worlds, own_and_other):
    own, other = own_and_other
    _group_organiser(client, worlds[0])
    listing = client.get(reverse("admin:campaign_event_changelist")).content.decode()
    assert "Own meeting" in listing
    assert "Other meeting" not in listing
    assert client.get(reverse("admin:campaign_event_change", args=[own.pk])).status_code == 200
    for name in (
        "campaign_event_change",
        "campaign_event_attendees",
        "campaign_event_attendees_csv",
    ):
        assert client.get(reverse(f"admin:{name}", args=[other.pk])).status_code == 404


def test_a_group_organiser_can_create_an_event_for_their_branches_only(client, worlds):
    _group_organiser(client, worlds[0])
    data = {
        "title": "New meeting",
        "slug": "new-meeting",
        "description": "",
        "starts_at_0": "2027-03-01",
        "starts_at_1": "18:00",
        "ends_at_0": "2027-03-01",
        "ends_at_1": "20:00",
        "place": "Hall",
        "online_url": "",
        "audience": "public",
        "capacity": "",
        "is_published": "on",
        "rsvps-TOTAL_FORMS": "0",
        "rsvps-INITIAL_FORMS": "0",
    }
    add = reverse("admin:campaign_event_add")
    refused = client.post(add, {**data, "branch": worlds[1].branch.pk})
    assert refused.status_code == 200
    assert not Event.objects.exists()
    assert client.post(add, {**data, "branch": worlds[0].branch.pk}).status_code == 302
    assert Event.objects.get().branch == worlds[0].branch


def test_bad_times_and_no_place_get_messages(client, worlds):
    _group_organiser(client, worlds[0])
    response = client.post(
        reverse("admin:campaign_event_add"),
        {
            "title": "x",
            "slug": "x",
            "starts_at_0": "2027-03-01",
            "starts_at_1": "18:00",
            "ends_at_0": "2027-03-01",
            "ends_at_1": "17:00",
            "audience": "public",
            "branch": worlds[0].branch.pk,
            "rsvps-TOTAL_FORMS": "0",
            "rsvps-INITIAL_FORMS": "0",
        },
    )
    html = response.content.decode()
    assert "The event must end after it starts." in html
    assert "Give a place, an online link, or both." in html
    assert not Event.objects.exists()


def test_the_attendee_list_prints_the_live_replies(client, worlds, own_and_other):
    own, _ = own_and_other
    EventRSVPFactory(event=own, name="Cancelled Person", cancelled_at="2026-01-01T00:00Z")
    _group_organiser(client, worlds[0])
    html = client.get(reverse("admin:campaign_event_attendees", args=[own.pk])).content.decode()
    assert "Ada Own" in html
    assert "Cancelled Person" not in html
    assert "Bea Other" not in html


def test_recording_who_came_changes_only_this_events_replies(client, worlds, own_and_other):
    own, other = own_and_other
    second = EventRSVPFactory(event=own, attended=True)
    _group_organiser(client, worlds[0])
    ada = own.rsvps.get(name="Ada Own")
    foreign = other.rsvps.get()
    response = client.post(
        reverse("admin:campaign_event_attendees", args=[own.pk]),
        {"came": [ada.pk, foreign.pk, "junk"]},
    )
    assert response.status_code == 302
    ada.refresh_from_db(), second.refresh_from_db(), foreign.refresh_from_db()
    assert (ada.attended, second.attended, foreign.attended) == (True, False, False)
    assert AuditEvent.objects.filter(subject="campaign event attendance", rows=2).exists()


def test_the_export_is_formula_safe_and_audited(client, worlds, own_and_other):
    own, _ = own_and_other
    EventRSVPFactory(event=own, name='=HYPERLINK("http://x")')
    user = _group_organiser(client, worlds[0])
    response = client.get(reverse("admin:campaign_event_attendees_csv", args=[own.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Name", "Email", "Branch", "Replied", "Cancelled", "Came"]
    names = {r[0] for r in rows[1:]}
    assert names == {"Ada Own", '\'=HYPERLINK("http://x")'}
    event = AuditEvent.objects.get(action="export", subject="campaign event attendees")
    assert (event.actor, event.rows, event.object_id) == (user, 2, str(own.pk))
    assert "Ada" not in event.detail


@pytest.mark.parametrize(
    ("taken", "page"),
    [
        ("view_eventrsvp", "campaign_event_attendees"),
        ("view_eventrsvp", "campaign_event_attendees_csv"),
        ("view_event", "campaign_event_attendees"),
    ],
)
def test_without_the_permission_the_pages_are_403_even_in_scope(
    client, worlds, own_and_other, taken, page
):
    own, _ = own_and_other
    user = _group_organiser(client, worlds[0])
    codenames = {taken, taken.replace("view_", "change_")}
    for group in AuthGroup.objects.filter(user=user):
        group.permissions.remove(*Permission.objects.filter(codename__in=codenames))
    assert client.get(reverse(f"admin:{page}", args=[own.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_recording_who_came_needs_the_change_permission(client, worlds, own_and_other):
    own, _ = own_and_other
    user = _group_organiser(client, worlds[0])
    for group in AuthGroup.objects.filter(user=user):
        group.permissions.remove(Permission.objects.get(codename="change_eventrsvp"))
    ada = own.rsvps.get()
    url = reverse("admin:campaign_event_attendees", args=[own.pk])
    assert 'disabled aria-label="Ada Own came"' in client.get(url).content.decode()
    assert client.post(url, {"came": [ada.pk]}).status_code == 403
    ada.refresh_from_db()
    assert not ada.attended


def test_the_organiser_home_lists_events_coming_up_in_scope(client, worlds, own_and_other):
    own, _ = own_and_other
    _group_organiser(client, worlds[0])
    html = client.get(reverse("admin:index")).content.decode()
    assert "Own meeting: 1 coming" in html
    assert reverse("admin:campaign_event_attendees", args=[own.pk]) in html
    assert "Other meeting" not in html
