"""What organisers and members do to broadcasts: each one transaction, audited."""

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.task_recovery import enqueue_with_commit
from members import services as member_services
from members.audit import audit_record
from members.broadcasts import tasks
from members.broadcasts.delivery import record_counts
from members.broadcasts.rendering import unknown_fields
from members.models import AuditEvent, Broadcast, BroadcastDelivery, Member

SUBJECT = "members.broadcast"


class BroadcastError(Exception):
    """A broadcast operation that cannot be done, with a message fit for the organiser."""


def _locked(broadcast: Broadcast) -> Broadcast:
    return Broadcast.objects.select_for_update().get(pk=broadcast.pk)


def _audit(actor, broadcast: Broadcast, detail: str, rows: int | None = None) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        subject=SUBJECT,
        object_id=broadcast.pk,
        rows=rows,
        detail=detail[:500],
    )


def broadcast_send(*, broadcast: Broadcast, actor, send_at: datetime | None = None) -> Broadcast:
    """Send a draft now, or schedule it for `send_at`; the audience is taken when it starts."""
    now = timezone.now()
    if send_at is not None and send_at <= now:
        raise BroadcastError("Choose a time in the future, or send it now.")
    if unknown_fields(broadcast.subject, broadcast.body):
        raise BroadcastError("Only {{ name }} and {{ branch }} can be merged.")
    with transaction.atomic():
        locked = _locked(broadcast)
        if locked.status != Broadcast.Status.DRAFT:
            raise BroadcastError("This broadcast has already been sent or scheduled.")
        locked.status = Broadcast.Status.SCHEDULED
        locked.send_at = send_at or now
        locked.sent_by = actor
        locked.save(update_fields=["status", "send_at", "sent_by"])
        when = "now" if send_at is None else f"for {send_at:%Y-%m-%d %H:%M %Z}"
        _audit(actor, locked, f"broadcast sent {when} to {locked.audience_description()}")
        if send_at is None:
            enqueue_with_commit(tasks.start_broadcast, broadcast_id=locked.pk)
        elif tasks.start_broadcast.get_backend().supports_defer:
            enqueue_with_commit(
                tasks.start_broadcast.using(run_after=send_at), broadcast_id=locked.pk
            )
    return locked


def broadcast_unschedule(*, broadcast: Broadcast, actor) -> Broadcast:
    """Take a scheduled broadcast back to a draft (its queued start then does nothing)."""
    with transaction.atomic():
        locked = _locked(broadcast)
        if locked.status != Broadcast.Status.SCHEDULED:
            raise BroadcastError(
                "Only a scheduled broadcast that has not started can be unscheduled."
            )
        locked.status, locked.send_at = Broadcast.Status.DRAFT, None
        locked.save(update_fields=["status", "send_at"])
        _audit(actor, locked, "broadcast unscheduled")
    return locked


def broadcast_cancel(*, broadcast: Broadcast, actor) -> int:
    """Stop a broadcast: nothing more is sent; return how many were left unsent."""
    with transaction.atomic():
        locked = _locked(broadcast)
        if locked.status not in (
            Broadcast.Status.SCHEDULED,
            Broadcast.Status.SENDING,
            Broadcast.Status.PAUSED,
        ):
            raise BroadcastError("This broadcast is not being sent.")
        locked.status = Broadcast.Status.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        left = locked.deliveries.filter(status=BroadcastDelivery.Status.QUEUED).update(
            status=BroadcastDelivery.Status.SKIPPED, reason="broadcast cancelled"
        )
        _audit(actor, locked, "broadcast cancelled", rows=left)
    record_counts(locked)
    return left


def broadcast_resume(*, broadcast: Broadcast, actor) -> Broadcast:
    """Carry on sending a paused broadcast (or one whose worker stopped): each
    recipient still gets one message, since every row is claimed once."""
    with transaction.atomic():
        locked = _locked(broadcast)
        if locked.status not in (Broadcast.Status.PAUSED, Broadcast.Status.SENDING):
            raise BroadcastError("Only a paused or sending broadcast can be resumed.")
        locked.status, locked.retries, locked.last_error = Broadcast.Status.SENDING, 0, ""
        locked.save(update_fields=["status", "retries", "last_error"])
        _audit(actor, locked, "broadcast resumed")
        enqueue_with_commit(tasks.send_broadcast_batch, broadcast_id=locked.pk)
    return locked


def broadcast_test_send(*, broadcast: Broadcast, actor) -> None:
    """Email the organiser a test copy, with their own name merged in."""
    if not actor.email:
        raise BroadcastError("Your account has no email address to send a test to.")
    with transaction.atomic():
        _audit(actor, broadcast, "test copy sent to the organiser")
        enqueue_with_commit(
            tasks.send_broadcast_test,
            broadcast_id=broadcast.pk,
            user_id=actor.pk,
            dedupe_key=secrets.token_hex(8),
        )


def broadcast_unsubscribe(*, member_id: int, kind: str, broadcast_id: int) -> bool:
    """Withdraw the consent a broadcast's unsubscribe link names; return whether one was live.

    Recorded in the consent ledger with its time and source. It takes effect
    for messages already queued: each is checked again as it goes.
    """
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        return False
    with transaction.atomic():
        withdrawn = member_services.consent_withdraw(
            member=member, kind=kind, source=f"unsubscribe link (broadcast {broadcast_id})"
        )
        if withdrawn:
            Broadcast.objects.filter(pk=broadcast_id).update(
                unsubscribed_count=F("unsubscribed_count") + 1
            )
            audit_record(
                actor="member",
                action=AuditEvent.Action.CHANGE,
                subject="members.consent",
                object_id=member_id,
                detail=f"consent withdrawn by the unsubscribe link of broadcast {broadcast_id}",
            )
    return withdrawn
