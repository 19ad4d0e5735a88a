"""Replies are personal data: in the member's download, gone on erasure and by
retention, and described on /privacy/."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from campaign.models import EventRSVP
from core.retention import enforce_retention
from members.download import member_data
from members.services import member_erase
from tests.campaign.factories import EventFactory, EventRSVPFactory
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_download_lists_replies_made_with_the_members_address():
    member = MemberFactory(email="ada@example.org")
    EventRSVPFactory(email="ADA@example.org", event__title="Pay meeting", attended=True)
    EventRSVPFactory(email="someone@example.org")
    [reply] = member_data(member)["event_replies"]
    assert reply["event"] == "Pay meeting"
    assert reply["attended"] is True
    assert reply["consent_wording"].startswith("I agree that Rank and File may hold my name")


def test_erasing_a_member_erases_their_replies_and_the_admin_log_about_them():
    member = MemberFactory(email="ada@example.org")
    mine = EventRSVPFactory(email="Ada@Example.org")
    other = EventRSVPFactory(email="someone@example.org")
    LogEntry.objects.create(
        user=UserFactory(),
        content_type=ContentType.objects.get_for_model(EventRSVP),
        object_id=str(mine.pk),
        object_repr=str(mine),
        action_flag=CHANGE,
    )
    member_erase(member=member)
    assert list(EventRSVP.objects.all()) == [other]
    assert not LogEntry.objects.filter(object_id=str(mine.pk)).exists()


def test_retention_removes_replies_a_while_after_the_event(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "event_replies": 30}
    now = timezone.now()
    old = EventFactory(
        starts_at=now - timedelta(days=40), ends_at=now - timedelta(days=40, hours=-2)
    )
    recent = EventFactory(
        starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=10, hours=-2)
    )
    EventRSVPFactory.create_batch(2, event=old)
    kept = EventRSVPFactory(event=recent)
    assert enforce_retention(now=now)["event_replies"] == 2
    assert list(EventRSVP.objects.all()) == [kept]


def test_the_privacy_page_describes_replies_with_their_retention(client, settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "event_replies": 21}
    html = client.get("/privacy/").content.decode()
    assert "Replies to meetings and events" in html
    assert "Deleted 21 days after the event ends" in html
