"""Sending a broadcast: materialise its delivery rows, then send them in batches.

Once per recipient. Each message is claimed, sent and marked in one
transaction, like ``core.task_recovery.send_once``, with the delivery row as
the marker (its unique constraint, one row per member and broadcast, stands in
for SentMarker's key): the row is marked sent first (the UPDATE locks it), the
mail server is given the message, then COMMIT. A worker killed before the mail
server accepted leaves the row queued (the transaction dies with the
connection) and the resumed send delivers it; a send that raised rolls back
the same way. The window left is send_once's: the server accepted and the
worker died before COMMIT finished. Those COMMITs skip waiting for the WAL
flush (``synchronous_commit = off``, this transaction only), which shrinks
that window to microseconds; the price is that a PostgreSQL crash (not a
worker's) may forget the last fraction of a second of marks, which are then
sent again. Both copies carry one Message-ID (mail.message_id), so mailbox
providers fold them. ``bench/broadcast.py`` counts what a SIGKILL does.

Consent, suppression, status and scope are checked again for each message,
inside its transaction: a member who unsubscribed after the send began (or
whose address bounced on another broadcast) is skipped.
"""

import logging
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Count

from members.broadcasts import mail
from members.broadcasts.audience import audience
from members.models import Broadcast, BroadcastDelivery, Suppression

logger = logging.getLogger(__name__)
Status = BroadcastDelivery.Status
TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError, TimeoutError)


STATUS_CHECK_EVERY = 50


def _still_sending(broadcast: Broadcast) -> bool:
    return Broadcast.objects.filter(pk=broadcast.pk, status=Broadcast.Status.SENDING).exists()


class MailServerDown(Exception):
    """The mail server cannot be reached or hung up: the batch stops, the row stays queued."""


def materialise(broadcast: Broadcast) -> int:
    """Write one queued delivery row for each member in the audience now; return how many.

    One INSERT ... SELECT (100,000 rows in about a second); ON CONFLICT makes it
    safe to run twice.
    """
    members = audience(broadcast).order_by().values("pk")
    sql, params = members.query.sql_with_params()
    table = BroadcastDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (broadcast_id, member_id, status, attempts, reason) "  # noqa: S608
            f"SELECT %s, audience.member_id, 'queued', 0, '' FROM ({sql}) AS audience(member_id) "
            "ON CONFLICT (broadcast_id, member_id) DO NOTHING",
            [broadcast.pk, *params],
        )
        return cursor.rowcount


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    error: str = ""  # the mail server's trouble that stopped the batch, if any


def send_batch(broadcast: Broadcast, *, limit: int, per_message: float = 0.0) -> BatchResult:
    """Send up to `limit` queued messages over one SMTP connection, pacing each
    `per_message` seconds apart."""
    result = BatchResult()
    ids = list(
        broadcast.deliveries.filter(status=Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    claim = Claim(broadcast)
    composer = mail.Composer(broadcast)
    smtp = get_connection()
    try:
        # Opened here, one connection serves the batch (send_messages alone would open
        # and close one a message).
        smtp.open()
    except (*TRANSIENT, smtplib.SMTPException) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:300]
        return result
    try:
        for i, delivery_id in enumerate(ids):
            if i % STATUS_CHECK_EVERY == 0 and i and not _still_sending(broadcast):
                break  # cancelled or paused by an organiser meanwhile
            started = time.monotonic()
            try:
                outcome = _send_one(claim, composer, delivery_id, smtp)
            except MailServerDown as exc:
                result.error = str(exc)[:300]
                break
            if outcome:
                setattr(result, outcome, getattr(result, outcome) + 1)
            wait = per_message - (time.monotonic() - started)
            if wait > 0:
                time.sleep(wait)
    finally:
        smtp.close()
    return result


class Claim:
    """One statement, compiled once a batch, that marks a delivery row sent (locking
    it) and returns its member if, at this moment, the audience still holds them:
    consent live, address not suppressed, confirmed, in scope, matching the filters."""

    COLUMNS = ("pk", "name", "email", "branch__name", "branch_not_listed", "secret")

    def __init__(self, broadcast: Broadcast):
        members = audience(broadcast).order_by().values(*self.COLUMNS)
        sql, self.params = members.query.sql_with_params()
        table = BroadcastDelivery._meta.db_table
        self.sql = (
            f"WITH claimed AS (UPDATE {table} SET status = 'sent', sent_at = now(), "  # noqa: S608
            "attempts = attempts + 1 WHERE id = %s AND status = 'queued' RETURNING member_id) "
            "SELECT claimed.member_id, m.name, m.email, m.branch, m.branch_not_listed, m.secret "
            f"FROM claimed LEFT JOIN ({sql}) AS m(id, name, email, branch, branch_not_listed, "
            "secret) ON m.id = claimed.member_id"
        )

    def __call__(self, delivery_id: int) -> tuple[bool, mail.Recipient | None]:
        """(claimed, recipient): not claimed when another run took the row first;
        claimed with no recipient when the member is no longer in the audience."""
        with connection.cursor() as cursor:
            # Only this transaction skips waiting for the WAL flush (module docstring).
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(self.sql, [delivery_id, *self.params])
            row = cursor.fetchone()
        if row is None:
            return False, None
        member_id, name, email, branch, branch_not_listed, secret = row
        if email is None:
            return True, None
        return True, mail.Recipient(member_id, name, email, branch or branch_not_listed, secret)


def _send_one(claim: Claim, composer: mail.Composer, delivery_id: int, smtp) -> str | None:
    """Send one delivery row; return "sent", "skipped", "failed" or None (done by another run)."""
    try:
        with transaction.atomic():
            claimed, recipient = claim(delivery_id)
            if not claimed:
                return None  # sent, skipped or failed by an overlapping run
            if recipient is None:
                BroadcastDelivery.objects.filter(pk=delivery_id).update(
                    status=Status.SKIPPED, sent_at=None, reason="no consent, suppressed or left"
                )
                return "skipped"
            smtp.send_messages([composer.message(recipient, delivery_id=delivery_id)])
        return "sent"
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (550, b""))
        return _refused(delivery_id, code, text)
    except smtplib.SMTPResponseException as exc:
        if isinstance(exc, smtplib.SMTPSenderRefused) or exc.smtp_code == 421:
            smtp.close()
            raise MailServerDown(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        return _refused(delivery_id, exc.smtp_code, exc.smtp_error)
    except TRANSIENT as exc:
        smtp.close()  # the next message opens a new connection
        raise MailServerDown(f"{type(exc).__name__}: {exc}") from exc


def _text(raw) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _refused(delivery_id: int, code: int, text) -> str | None:
    """The server turned this recipient away: for good (5xx: suppress the address)
    or for now (4xx: try again later, a few times)."""
    reason = f"{code} {_text(text)}"[:300]
    with transaction.atomic():
        delivery = (
            BroadcastDelivery.objects.select_for_update()
            .select_related("member")
            .filter(pk=delivery_id, status=Status.QUEUED)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.reason = reason
        if code >= 500 or delivery.attempts >= settings.BROADCAST_MAX_ATTEMPTS:
            delivery.status = Status.FAILED
        delivery.save(update_fields=["attempts", "reason", "status"])
        if code >= 500:
            suppress(delivery.member.email, reason=Suppression.Reason.REFUSED, detail=reason)
    return "failed" if delivery.status == Status.FAILED else None


def suppress(email: str, *, reason: str, detail: str = "") -> None:
    """Put an address on the suppression list (once)."""
    email = email.strip().lower()
    if not Suppression.objects.filter(email=email).exists():
        Suppression.objects.create(email=email, reason=reason, detail=detail[:300])


def counts(broadcast: Broadcast) -> dict[str, int]:
    """Delivery rows by status (one query)."""
    found = dict.fromkeys(Status.values, 0)
    rows = broadcast.deliveries.order_by().values_list("status").annotate(n=Count("pk"))
    found.update(dict(rows))
    return found


def record_counts(broadcast: Broadcast) -> dict[str, int]:
    """Copy the delivery counts onto the broadcast (they outlive the rows)."""
    found = counts(broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(
        sent_count=found[Status.SENT],
        failed_count=found[Status.FAILED],
        skipped_count=found[Status.SKIPPED],
    )
    return found
