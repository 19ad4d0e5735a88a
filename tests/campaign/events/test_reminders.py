"""The reminder the day before: queued with the reply, sent once, never to a cancelled
reply, and waiting again for an event moved later."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from campaign.events import services
from campaign.events.tasks import send_event_email
from campaign.models import EventRSVP
from tests.campaign.factories import EventFactory, EventRSVPFactory

pytestmark = pytest.mark.django_db

TASK_PATH = "campaign.events.tasks.send_event_email"


@pytest.fixture
def database_queue(settings):
    # The setting_changed signal makes django-tasks reload its backends.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_reply_queues_its_reminder_for_the_day_before(database_queue):
    from django_tasks_db.models import DBTaskResult

    event = EventFactory(starts_at=timezone.now() + timedelta(days=5))
    services.rsvp_create(event=event, name="Ada", email="ada@example.org", consent_version=1)
    reminder = DBTaskResult.objects.get(task_path=TASK_PATH, args_kwargs__kwargs__kind="reminder")
    assert reminder.run_after == event.starts_at - timedelta(days=1)
    assert "ada@example.org" not in str(reminder.args_kwargs)  # the id only, not the address


def test_no_reminder_is_queued_for_an_event_less_than_a_day_away(database_queue):
    from django_tasks_db.models import DBTaskResult

    event = EventFactory(starts_at=timezone.now() + timedelta(hours=20))
    services.rsvp_create(event=event, name="Ada", email="ada@example.org", consent_version=1)
    kinds = [r.args_kwargs["kwargs"]["kind"] for r in DBTaskResult.objects.all()]
    assert kinds == ["confirm"]


def test_the_reminder_goes_once_the_day_before():
    rsvp = EventRSVPFactory(event__starts_at=timezone.now() + timedelta(hours=23))
    assert send_event_email.call(kind="reminder", rsvp_id=rsvp.pk) is True
    assert send_event_email.call(kind="reminder", rsvp_id=rsvp.pk) is False
    [email] = mail.outbox
    assert email.subject.startswith("Tomorrow:")
    assert "/events/cancel/" in email.body
    rsvp.refresh_from_db()
    assert rsvp.reminded_at is not None


def test_a_cancelled_reply_gets_no_reminder():
    rsvp = EventRSVPFactory(
        event__starts_at=timezone.now() + timedelta(hours=23), cancelled_at=timezone.now()
    )
    assert send_event_email.call(kind="reminder", rsvp_id=rsvp.pk) is False
    assert mail.outbox == []


def test_an_event_moved_later_waits_for_its_new_day_before(database_queue):
    from django_tasks_db.models import DBTaskResult

    rsvp = EventRSVPFactory(event__starts_at=timezone.now() + timedelta(days=4))
    assert send_event_email.call(kind="reminder", rsvp_id=rsvp.pk) is False
    assert mail.outbox == []
    again = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert again.run_after == rsvp.event.starts_at - timedelta(days=1)
    with time_machine.travel(again.run_after + timedelta(minutes=1)):
        assert send_event_email.call(kind="reminder", rsvp_id=rsvp.pk) is True
    assert len(mail.outbox) == 1


def test_no_reminder_after_the_start_or_for_an_erased_reply():
    rsvp = EventRSVPFactory(event__starts_at=timezone.now() + timedelta(hours=2))
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert send_event_email.call(kind="reminder", rsvp_id=rsvp.pk) is False
    pk = rsvp.pk
    EventRSVP.objects.filter(pk=pk).delete()
    assert send_event_email.call(kind="reminder", rsvp_id=pk) is False
    assert mail.outbox == []
