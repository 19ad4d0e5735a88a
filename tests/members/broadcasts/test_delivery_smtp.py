"""Sending a broadcast through a real SMTP server (aiosmtpd on loopback)."""

import re

import pytest
from django.utils import timezone

from members.broadcasts import delivery, services, tasks
from members.models import AuditEvent, Broadcast, BroadcastDelivery, Consent, Suppression
from members.scoping import Scope
from tests.factories import UserFactory
from tests.members.factories import BroadcastFactory

pytestmark = pytest.mark.django_db


def _send(broadcast, actor, capture):
    with capture(execute=True):
        services.broadcast_send(broadcast=broadcast, actor=actor)
    broadcast.refresh_from_db()
    return broadcast


def _group_broadcast(people, **kwargs):
    kwargs.setdefault("body", "Hello {{ name }} of {{ branch }},\n\nCome to the **AGM**.")
    return BroadcastFactory(scope_group=people.world_a.group, **kwargs)


def test_one_message_per_consenting_member_in_scope_and_none_to_anyone_else(
    smtp, people, django_capture_on_commit_callbacks
):
    """Five consenting members of world A get one message each; the member without
    consent, with another consent only, unconfirmed, or in world B get none."""
    actor = UserFactory(role="group", group=people.world_a.group)
    broadcast = _send(_group_broadcast(people), actor, django_capture_on_commit_callbacks)

    assert broadcast.status == Broadcast.Status.SENT
    received = sorted(r for m in smtp.messages for r in m["rcpt"])
    assert received == sorted(m.email for m in people.consenting)
    for nobody in (people.no_consent, people.branch_only, people.pending, people.outside):
        assert smtp.to(nobody.email) == []
    assert (broadcast.recipients, broadcast.sent_count, broadcast.failed_count) == (5, 5, 0)
    assert broadcast.deliveries.filter(status="sent").count() == 5


def test_headers_and_both_parts(smtp, people, django_capture_on_commit_callbacks, settings):
    settings.BROADCAST_SENDER_EMAIL = "bulk@mailer.union.example"
    actor = UserFactory(role="national")
    broadcast = BroadcastFactory(
        subject="AGM for {{ branch }}",
        body="Hello {{ name }},\n\n[Read more](https://union.example/agm)\n\n<script>x</script>",
        reply_to="organiser@union.example",
        audience_branch=people.world_a.branch,
    )
    _send(broadcast, actor, django_capture_on_commit_callbacks)
    target = people.consenting[0]
    [got] = smtp.to(target.email)
    msg = got["message"]
    assert msg["From"] == "Rank and File <news@union.example>"
    assert msg["Sender"] == "bulk@mailer.union.example"
    assert msg["Reply-To"] == "organiser@union.example"
    assert msg["To"] == target.email
    assert msg["Subject"] == f"AGM for {people.world_a.branch.name}"
    row = broadcast.deliveries.get(member=target)
    assert msg["Message-ID"] == f"<broadcast.{broadcast.pk}.{row.pk}@union.example>"
    assert msg["Date"]
    assert msg["List-Id"] == "Rank and File broadcasts <broadcasts.union.example>"
    unsubscribe = re.fullmatch(
        r"<(https://union\.example/unsubscribe/[^/]+/)>", msg["List-Unsubscribe"].strip()
    )
    assert unsubscribe
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.is_multipart()
    assert msg.get_content_subtype() == "alternative"
    text, html = (part.get_payload(decode=True).decode() for part in msg.get_payload())
    assert msg.get_payload()[0].get_content_type() == "text/plain"
    assert msg.get_payload()[1].get_content_type() == "text/html"
    assert f"Hello {target.name}," in text
    assert f"Hello {target.name}," in html.replace("&#x27;", "'")
    assert unsubscribe.group(1) in text
    assert unsubscribe.group(1) in html
    assert "<strong>" not in text
    assert '<a href="https://union.example/agm"' in html
    assert "<script>" not in html
    assert "/me/" in text  # their own page, as every email to members has
    for header in ("X-Tracking", "X-Campaign"):
        assert header not in msg
    assert "<img" not in html  # no tracking pixel


def test_no_sender_header_when_it_would_repeat_from(
    smtp, people, django_capture_on_commit_callbacks
):
    _send(
        _group_broadcast(people), UserFactory(role="national"), django_capture_on_commit_callbacks
    )
    assert all("Sender" not in m["message"] for m in smtp.messages)


def test_a_name_cannot_inject_markup(smtp, people, django_capture_on_commit_callbacks):
    target = people.consenting[0]
    target.name = '<a href="https://evil.example">Win</a>'
    target.save()
    _send(
        _group_broadcast(people), UserFactory(role="national"), django_capture_on_commit_callbacks
    )
    html = smtp.to(target.email)[0]["message"].get_payload()[1].get_payload(decode=True).decode()
    assert 'evil.example">' not in html
    assert "&lt;a href=" in html


def test_consent_withdrawn_after_queueing_is_checked_at_the_moment_of_sending(
    smtp, people, django_capture_on_commit_callbacks
):
    """Rows are written when the send starts; a withdrawal before a row's turn skips it,
    and a newly suppressed address too."""
    broadcast = _group_broadcast(people)
    broadcast.status, broadcast.send_at = Broadcast.Status.SCHEDULED, timezone.now()
    broadcast.save()
    with django_capture_on_commit_callbacks(execute=False):
        tasks.start_broadcast.func(broadcast_id=broadcast.pk)  # rows queued, batch not run
    quitter, bounced = people.consenting[0], people.consenting[1]
    Consent.objects.filter(member=quitter).update(withdrawn_at=timezone.now())
    Suppression.objects.create(email=bounced.email.upper(), reason="manual")
    tasks.send_broadcast_batch.func(broadcast_id=broadcast.pk)
    broadcast.refresh_from_db()
    assert smtp.to(quitter.email) == []
    assert smtp.to(bounced.email) == []
    assert len(smtp.messages) == 3
    assert (broadcast.sent_count, broadcast.skipped_count) == (3, 2)
    assert broadcast.status == Broadcast.Status.SENT


def test_a_member_moved_out_of_scope_meanwhile_is_skipped(
    smtp, people, django_capture_on_commit_callbacks
):
    broadcast = _group_broadcast(people)
    broadcast.status, broadcast.send_at = Broadcast.Status.SCHEDULED, timezone.now()
    broadcast.save()
    with django_capture_on_commit_callbacks(execute=False):
        tasks.start_broadcast.func(broadcast_id=broadcast.pk)
    mover = people.consenting[0]
    mover.branch, mover.group = people.world_b.branch, people.world_b.group
    mover.save()
    tasks.send_broadcast_batch.func(broadcast_id=broadcast.pk)
    assert smtp.to(mover.email) == []
    assert len(smtp.messages) == 4


def test_refused_recipient_is_suppressed_and_the_rest_still_go(
    smtp, people, django_capture_on_commit_callbacks
):
    refused = people.consenting[2]
    smtp.refuse[refused.email] = "550 5.1.1 No such mailbox"
    broadcast = _send(
        _group_broadcast(people), UserFactory(role="national"), django_capture_on_commit_callbacks
    )
    assert len(smtp.messages) == 4
    assert smtp.to(refused.email) == []
    row = broadcast.deliveries.get(member=refused)
    assert row.status == BroadcastDelivery.Status.FAILED
    assert row.reason.startswith("550")
    assert Suppression.objects.filter(email=refused.email, reason="refused").exists()
    assert (broadcast.sent_count, broadcast.failed_count, broadcast.status) == (4, 1, "sent")
    # The next broadcast leaves the address out from the start.
    second = _send(
        _group_broadcast(people),
        UserFactory(role="national", username="n2"),
        django_capture_on_commit_callbacks,
    )
    assert second.recipients == 4


def test_temporary_refusal_is_tried_again_then_failed_without_suppression(
    smtp, people, django_capture_on_commit_callbacks, settings
):
    settings.BROADCAST_MAX_ATTEMPTS = 2
    greylisted = people.consenting[0]
    smtp.refuse[greylisted.email] = "450 4.2.0 Try later"
    broadcast = _send(
        _group_broadcast(people), UserFactory(role="national"), django_capture_on_commit_callbacks
    )
    row = broadcast.deliveries.get(member=greylisted)
    assert (row.status, row.attempts) == ("failed", 2)
    assert not Suppression.objects.exists()
    assert len(smtp.messages) == 4


def test_mail_server_down_retries_then_pauses_and_resume_sends_each_once(
    smtp, people, django_capture_on_commit_callbacks, settings
):
    """The server hangs up on every message: the batch is retried with backoff, then
    the broadcast pauses with the error shown; resumed, every member gets one message."""
    settings.BROADCAST_BATCH_RETRIES = 2
    smtp.disconnect = True
    actor = UserFactory(role="national")
    broadcast = _send(_group_broadcast(people), actor, django_capture_on_commit_callbacks)
    assert broadcast.status == Broadcast.Status.PAUSED
    assert "421" in broadcast.last_error
    assert smtp.messages == []
    assert broadcast.deliveries.filter(status="queued").count() == 5
    smtp.disconnect = False
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_resume(broadcast=broadcast, actor=actor)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    assert sorted(r for m in smtp.messages for r in m["rcpt"]) == sorted(
        m.email for m in people.consenting
    )
    assert AuditEvent.objects.filter(detail="broadcast resumed").count() == 1
    assert AuditEvent.objects.filter(detail__startswith="broadcast paused").count() == 1


def test_mail_server_unreachable_leaves_rows_queued(people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    broadcast = _group_broadcast(people, status=Broadcast.Status.SENDING)
    delivery.materialise(broadcast)
    result = delivery.send_batch(broadcast, limit=10)
    assert result.sent == 0
    assert result.error
    assert broadcast.deliveries.filter(status="queued").count() == 5


def test_a_send_that_dies_before_commit_is_sent_again_once(smtp, people, monkeypatch):
    """A worker that dies mid-message (here: the send raises after the server took it)
    leaves the row queued; the rerun sends it, and rows already marked are never resent."""
    broadcast = _group_broadcast(people, status=Broadcast.Status.SENDING)
    delivery.materialise(broadcast)
    delivery.send_batch(broadcast, limit=2)
    assert len(smtp.messages) == 2
    original = delivery.mail.Composer.message
    calls = {"n": 0}

    def dying_message(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionResetError("worker killed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(delivery.mail.Composer, "message", dying_message)
    result = delivery.send_batch(broadcast, limit=10)
    assert result.sent == 1
    assert result.error
    monkeypatch.setattr(delivery.mail.Composer, "message", original)
    delivery.send_batch(broadcast, limit=10)
    delivery.send_batch(broadcast, limit=10)  # nothing left: sends nothing
    counted = sorted(r for m in smtp.messages for r in m["rcpt"])
    assert counted == sorted(m.email for m in people.consenting)  # each exactly once


def test_two_overlapping_runs_send_each_message_once(smtp, people):
    broadcast = _group_broadcast(people, status=Broadcast.Status.SENDING)
    delivery.materialise(broadcast)
    first = delivery.send_batch(broadcast, limit=10)
    second = delivery.send_batch(broadcast, limit=10)
    assert (first.sent, second.sent) == (5, 0)
    assert len(smtp.messages) == 5
    assert delivery.materialise(broadcast) == 0  # a second start adds no rows


def test_the_audience_never_leaves_the_broadcasts_scope(people):
    """A regional broadcast whose filter names another group's branch reaches nobody."""
    from members.broadcasts.audience import audience

    broadcast = BroadcastFactory(
        scope_region=people.world_a.region, audience_branch=people.world_b.branch
    )
    assert broadcast.scope == Scope(region_id=people.world_a.region.pk)
    assert list(audience(broadcast)) == []
    broadcast.audience_branch = None
    assert set(audience(broadcast)) == set(people.consenting)


def test_test_copy_goes_to_the_organiser_only(smtp, people, django_capture_on_commit_callbacks):
    actor = UserFactory(role="national", first_name="Olive", last_name="Organiser")
    broadcast = _group_broadcast(people)
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_test_send(broadcast=broadcast, actor=actor)
    [got] = smtp.messages
    assert got["rcpt"] == [actor.email]
    assert got["message"]["Subject"].startswith("[Test] ")
    assert (
        "Hello Olive Organiser" in got["message"].get_payload()[0].get_payload(decode=True).decode()
    )
    assert broadcast.deliveries.count() == 0
