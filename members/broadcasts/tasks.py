"""The queued work of a broadcast: start it at its time, send it batch by batch."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core.task_recovery import enqueue_with_commit, send_once, sent_key
from members.audit import audit_record
from members.broadcasts import delivery, mail
from members.models import Broadcast, User

logger = logging.getLogger(__name__)


def enqueue_later(task_obj, *, delay: timedelta, **kwargs) -> None:
    """Queue `task_obj` to run after `delay`, or now on a queue that cannot wait (tests')."""
    if delay > timedelta(0) and task_obj.get_backend().supports_defer:
        task_obj.using(run_after=timezone.now() + delay).enqueue(**kwargs)
    else:
        task_obj.enqueue(**kwargs)


@task()
def start_broadcast(*, broadcast_id: int) -> int:
    """Begin a scheduled broadcast once its time has come: write its delivery rows
    (the audience now) and queue the first batch; return the number of recipients.

    A run for a broadcast that was unscheduled, cancelled or moved later does
    nothing; the run queued for the new time starts it.
    """
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None or broadcast.status != Broadcast.Status.SCHEDULED:
            return 0
        if broadcast.send_at > timezone.now():
            return 0
        recipients = delivery.materialise(broadcast)
        broadcast.status = Broadcast.Status.SENDING
        broadcast.started_at = timezone.now()
        broadcast.recipients = recipients
        broadcast.save(update_fields=["status", "started_at", "recipients"])
        audit_record(
            actor=None,
            action="change",
            subject="members.broadcast",
            object_id=broadcast.pk,
            rows=recipients,
            detail=f"broadcast started: {broadcast.audience_description()}"[:500],
        )
        enqueue_with_commit(send_broadcast_batch, broadcast_id=broadcast.pk)
    return recipients


@task()
def send_broadcast_batch(*, broadcast_id: int) -> str:
    """Send one batch, then queue the next (or finish, or retry later, or pause)."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None or broadcast.status != Broadcast.Status.SENDING:
        return "not sending"
    rate = settings.BROADCAST_RATE_PER_MINUTE
    result = delivery.send_batch(
        broadcast, limit=settings.BROADCAST_BATCH_SIZE, per_message=60 / rate if rate else 0
    )
    found = delivery.record_counts(broadcast)
    if result.error:
        return _after_error(broadcast, result.error)
    if broadcast.retries:
        Broadcast.objects.filter(pk=broadcast.pk).update(retries=0, last_error="")
    if found[delivery.Status.QUEUED]:
        enqueue_later(send_broadcast_batch, delay=timedelta(0), broadcast_id=broadcast.pk)
        return f"sent {result.sent}; more queued"
    finished = Broadcast.objects.filter(pk=broadcast.pk, status=Broadcast.Status.SENDING).update(
        status=Broadcast.Status.SENT, finished_at=timezone.now()
    )
    if finished:
        audit_record(
            actor=None,
            action="change",
            subject="members.broadcast",
            object_id=broadcast.pk,
            rows=found[delivery.Status.SENT],
            detail=f"broadcast finished: {found[delivery.Status.SENT]} sent, "
            f"{found[delivery.Status.FAILED]} failed, {found[delivery.Status.SKIPPED]} not sent",
        )
    return f"sent {result.sent}; finished"


def _after_error(broadcast: Broadcast, error: str) -> str:
    """The mail server failed the batch: try again with backoff, then pause for an organiser."""
    retries = broadcast.retries + 1
    if retries > settings.BROADCAST_BATCH_RETRIES:
        Broadcast.objects.filter(pk=broadcast.pk, status=Broadcast.Status.SENDING).update(
            status=Broadcast.Status.PAUSED, last_error=error
        )
        audit_record(
            actor=None,
            action="change",
            subject="members.broadcast",
            object_id=broadcast.pk,
            detail="broadcast paused: the mail server kept failing",
        )
        logger.warning("broadcast %s paused after %d failed batches", broadcast.pk, retries - 1)
        return "paused"
    Broadcast.objects.filter(pk=broadcast.pk).update(retries=retries, last_error=error)
    delay = timedelta(seconds=60 * 2 ** (retries - 1))
    enqueue_later(send_broadcast_batch, delay=delay, broadcast_id=broadcast.pk)
    return f"mail server failed; retry {retries} in {delay}"


@task()
def send_broadcast_test(*, broadcast_id: int, user_id: int, dedupe_key: str = "") -> bool:
    """Send an organiser a test copy, their own name merged in; once per queued run."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if broadcast is None or user is None or not user.email:
        return False
    organiser = mail.Recipient(
        pk=None,
        name=user.get_full_name() or user.get_username(),
        email=user.email,
        branch="(your branch)",
    )
    composer = mail.Composer(broadcast, test=True)
    message = composer.message(organiser, delivery_id=f"test.{dedupe_key}")
    return send_once(
        sent_key("members.broadcasts.tasks.send_broadcast_test", dedupe_key), message.send
    )
