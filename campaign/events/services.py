"""Replying to an event, cancelling, and the reminder's schedule.

One transaction each, the event's row locked while places are counted, and
every email queued with the transaction (core.task_recovery.enqueue_with_commit).
Whatever happened, the person sees the same page: the form never tells anyone
whether an address has already replied or belongs to a member.
"""

import enum
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from campaign import consent
from campaign.models import Event, EventRSVP
from core.task_recovery import enqueue_with_commit
from members import conf
from members.audit import audit_record
from members.models import Branch, Member
from members.services import normalize_email

CANCEL_SALT = "campaign.rsvp.cancel"
REMIND_BEFORE = timedelta(days=1)


class EventError(Exception):
    """A reply that cannot be taken, with a message fit for the person."""


class ReplyOutcome(enum.StrEnum):
    CREATED = "created"
    REPEAT = "repeat"  # this address has a live reply already: the email again
    NOT_A_MEMBER = "not_a_member"  # a members-only event: told by email, nothing kept


def _email(kind: str, **kwargs) -> None:
    from campaign.events.tasks import send_event_email

    enqueue_with_commit(send_event_email, kind=kind, **kwargs)


def schedule_reminder(rsvp: EventRSVP, starts_at: datetime) -> bool:
    """Queue the day-before reminder; return whether queued.

    Only with a queue that can defer (the database's): the tests' immediate
    queue would send it at once. The task checks again when it runs, so an
    event moved later is reminded of at its new time (tasks.py).
    """
    from campaign.events.tasks import send_event_email

    when = starts_at - REMIND_BEFORE
    if when <= timezone.now() or not send_event_email.get_backend().supports_defer:
        return False
    task = send_event_email.using(run_after=when)
    enqueue_with_commit(task, kind="reminder", rsvp_id=rsvp.pk)
    return True


def rsvp_create(
    *,
    event: Event,
    name: str,
    email: str,
    branch: Branch | None = None,
    consent_version: int,
    now: datetime | None = None,
) -> ReplyOutcome:
    """Take a reply to `event`: save it and email a confirmation with its cancel link.

    A second reply from the same address (any case) saves nothing new: the
    confirmation goes again, unless one went within conf.resend_interval()
    (a double click). A members-only event keeps replies only from the
    address of a confirmed member; anyone else is emailed how to join, and
    sees the page everyone sees. A full event is refused before any address
    is looked at, so "full" says nothing about who replied.
    """
    now = now or timezone.now()
    email = normalize_email(email)
    if consent_version != consent.current_version():
        raise EventError("The wording of what you agree to has changed: please read it again.")
    with transaction.atomic():
        # The lock makes two last-place replies count one after the other.
        event = Event.objects.select_for_update().get(pk=event.pk)
        if not event.is_published or event.starts_at <= now:
            raise EventError("Replies to this event have closed.")
        taken = event.rsvps.filter(cancelled_at__isnull=True).count()
        if event.capacity is not None and taken >= event.capacity:
            raise EventError("This event is full.")
        if event.members_only and not _is_member(email):
            _email("members_only", event_id=event.pk, address=email)
            return ReplyOutcome.NOT_A_MEMBER
        live = event.rsvps.select_for_update().annotate(lower=Lower("email"))
        existing = live.filter(cancelled_at__isnull=True, lower=email.lower()).first()
        if existing is None:
            rsvp = EventRSVP(
                event=event,
                name=name.strip(),
                email=email,
                branch=branch,
                consent_version=consent_version,
                created_at=now,
                last_emailed_at=now,
            )
            rsvp.full_clean(exclude=["event", "branch"])
            try:
                with transaction.atomic():  # a savepoint: a racing twin is expected
                    rsvp.save()
            except IntegrityError:
                return ReplyOutcome.REPEAT  # the twin's confirmation is on its way
            _email("confirm", rsvp_id=rsvp.pk)
            schedule_reminder(rsvp, event.starts_at)
            return ReplyOutcome.CREATED
        # Details are not overwritten: anyone may type anyone's address here.
        if not existing.last_emailed_at or now - existing.last_emailed_at >= conf.resend_interval():
            EventRSVP.objects.filter(pk=existing.pk).update(last_emailed_at=now)
            _email("confirm", rsvp_id=existing.pk)
        return ReplyOutcome.REPEAT


def _is_member(email: str) -> bool:
    confirmed = (Member.Status.CONFIRMED, Member.Status.ACTIVE)
    return Member.objects.with_email(email).filter(status__in=confirmed).exists()


def rsvp_cancel(*, rsvp: EventRSVP, now: datetime | None = None) -> bool:
    """Cancel a reply (idempotent); return whether this call cancelled it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = EventRSVP.objects.select_for_update().get(pk=rsvp.pk)
        if locked.cancelled_at is not None:
            return False
        locked.cancelled_at = now
        locked.save(update_fields=["cancelled_at"])
    return True


def cancel_token(rsvp: EventRSVP) -> str:
    return signing.dumps([rsvp.pk, rsvp.secret], salt=CANCEL_SALT)


def rsvp_from_token(token: str) -> EventRSVP | None:
    """The reply a cancel link names, or None if tampered with or the reply is gone."""
    try:
        pk, secret = signing.loads(token, salt=CANCEL_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(secret, str):
        return None
    rsvp = EventRSVP.objects.select_related("event").filter(pk=pk).first()
    if rsvp is None or not constant_time_compare(rsvp.secret, secret):
        return None
    return rsvp


def attendance_record(*, event: Event, present: set[int], actor) -> int:
    """Record who came to `event`: the replies in `present` came, its other replies did not.

    Ids of other events' replies are ignored. Returns how many replies changed.
    """
    with transaction.atomic():
        replies = EventRSVP.objects.select_for_update().filter(event=event)
        came = replies.filter(pk__in=present, attended=False).update(attended=True)
        missed = replies.exclude(pk__in=present).filter(attended=True).update(attended=False)
        changed = came + missed
        if changed:
            audit_record(
                actor=actor,
                action="change",
                subject="campaign event attendance",
                object_id=event.pk,
                rows=changed,
                detail=f"attendance at {event.slug}",
            )
    return changed
