"""The emails about a reply: its confirmation (with the cancel link), the reminder the
day before, and, for a members-only event, how to join (nothing is kept then)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from campaign.events import services
from campaign.models import Event, EventRSVP
from core.task_recovery import send_once, sent_key

KINDS = {"confirm", "reminder", "members_only"}
# A reminder runs a day before; one run later than this before the start is
# for an event moved later, and waits for the new day before.
REMINDER_WINDOW = timedelta(hours=36)


def render_event_email(kind: str, event: Event, rsvp: EventRSVP | None = None) -> tuple[str, str]:
    """Return (subject, body) of one of the event emails."""
    if kind not in KINDS:
        raise ValueError(f"Unknown email {kind!r}")
    context = {
        "event": event,
        "rsvp": rsvp,
        "site_name": settings.SITE_NAME,
        "event_url": settings.SITE_URL + event.get_absolute_url(),
        "ical_url": settings.SITE_URL + reverse("campaign:event_ical", args=[event.slug]),
        "join_url": settings.SITE_URL + reverse("members:join"),
        "privacy_url": settings.SITE_URL + reverse("members:privacy"),
        "starts": timezone.localtime(event.starts_at),
        "ends": timezone.localtime(event.ends_at),
    }
    if rsvp is not None:
        context["cancel_url"] = settings.SITE_URL + reverse(
            "campaign:event_cancel", args=[services.cancel_token(rsvp)]
        )
    body = render_to_string(f"campaign/email/event_{kind}.txt", context)
    subject = {
        "confirm": f"You are coming to {event.title}",
        "reminder": f"Tomorrow: {event.title}",
        "members_only": f"{event.title} is for members",
    }[kind]
    return subject, body


@task()
def send_event_email(
    *,
    kind: str,
    rsvp_id: int | None = None,
    event_id: int | None = None,
    address: str = "",
    dedupe_key: str = "",
) -> bool:
    """Send one event email once; return whether this run sent it.

    Nothing goes for a reply cancelled or erased meanwhile. A reminder goes
    once per reply (``reminded_at``, set in the send's own transaction) and
    only for an event starting within REMINDER_WINDOW; for one moved later it
    queues itself again for the new day before.
    """
    key = sent_key("campaign.events.tasks.send_event_email", dedupe_key)
    if kind == "members_only":
        event = Event.objects.filter(pk=event_id).first()
        if event is None:
            return False
        subject, body = render_event_email(kind, event)
        message = EmailMessage(subject=subject, body=body, to=[address])
        return send_once(key, message.send)
    rsvp = EventRSVP.objects.select_related("event").filter(pk=rsvp_id).first()
    if rsvp is None or not rsvp.is_live:
        return False
    if kind == "reminder":
        return _remind(rsvp, key)
    subject, body = render_event_email(kind, rsvp.event, rsvp)
    return send_once(key, EmailMessage(subject=subject, body=body, to=[rsvp.email]).send)


def _remind(rsvp: EventRSVP, key) -> bool:
    now = timezone.now()
    event = rsvp.event
    if rsvp.reminded_at is not None or event.starts_at <= now:
        return False
    if event.starts_at - now > REMINDER_WINDOW:
        services.schedule_reminder(rsvp, event.starts_at)
        return False

    def send():
        with transaction.atomic():
            updated = EventRSVP.objects.filter(
                pk=rsvp.pk, reminded_at__isnull=True, cancelled_at__isnull=True
            ).update(reminded_at=now)
            if updated:
                subject, body = render_event_email("reminder", event, rsvp)
                EmailMessage(subject=subject, body=body, to=[rsvp.email]).send()

    return send_once(key, send)


def remind_all(event: Event) -> int:
    """Queue reminders again for every live reply (after the event's start changed)."""
    queued = 0
    for rsvp in event.rsvps.filter(cancelled_at__isnull=True, reminded_at__isnull=True):
        queued += services.schedule_reminder(rsvp, event.starts_at)
    return queued
