"""What a broadcast leaves behind: retention, erasure, the member's data download,
scheduled starts, the privacy page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.retention import enforce_retention
from members import services as member_services
from members.broadcasts import delivery, tasks
from members.download import member_data
from members.models import Broadcast, BroadcastDelivery, Suppression
from tests.members.factories import BroadcastFactory

pytestmark = pytest.mark.django_db


def _sent(people, **kwargs):
    broadcast = BroadcastFactory(
        scope_group=people.world_a.group, status=Broadcast.Status.SENDING, **kwargs
    )
    delivery.materialise(broadcast)
    delivery.send_batch(broadcast, limit=100)
    delivery.record_counts(broadcast)
    broadcast.refresh_from_db()
    return broadcast


def test_delivery_rows_are_purged_after_the_retention_period_and_counts_stay(
    people, settings, mailoutbox
):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "broadcast_deliveries": 90}
    old, recent = _sent(people), _sent(people)
    Broadcast.objects.filter(pk=old.pk).update(
        status="sent", finished_at=timezone.now() - timedelta(days=91)
    )
    Broadcast.objects.filter(pk=recent.pk).update(
        status="sent", finished_at=timezone.now() - timedelta(days=89)
    )
    removed = enforce_retention()
    assert removed["broadcast_deliveries"] == 5
    assert not BroadcastDelivery.objects.filter(broadcast=old).exists()
    assert BroadcastDelivery.objects.filter(broadcast=recent).count() == 5
    old.refresh_from_db()
    assert old.sent_count == 5


def test_erasure_removes_the_members_delivery_rows_and_suppressed_address(people, mailoutbox):
    broadcast = _sent(people)
    target = people.consenting[0]
    Suppression.objects.create(email=target.email.upper(), reason="refused")
    member_services.member_erase(member=target)
    assert not BroadcastDelivery.objects.filter(member_id=target.pk).exists()
    assert not Suppression.objects.exists()
    assert broadcast.deliveries.count() == 4
    broadcast.refresh_from_db()
    assert broadcast.sent_count == 5  # the count of what went stays


def test_the_data_download_lists_the_broadcasts_sent_to_the_member(
    people, mailoutbox, django_assert_max_num_queries
):
    broadcast = _sent(people, subject="Ballot news 2026")
    target = people.consenting[0]
    data = member_data(target)
    [row] = data["emails_from_organisers"]
    assert row["subject"] == broadcast.subject
    assert row["status"] == "Sent"
    assert row["sent_at"]
    assert member_data(people.no_consent)["emails_from_organisers"] == []


def test_withdrawal_source_is_in_the_download(people):
    target = people.consenting[0]
    member_services.consent_withdraw(
        member=target, kind="faction", source="unsubscribe link (broadcast 7)"
    )
    [consent] = member_data(target)["consents"]
    assert consent["withdrawn_through"] == "unsubscribe link (broadcast 7)"


def test_a_scheduled_broadcast_starts_only_at_its_time(people, mailoutbox, time_machine):
    """'Tuesday 07:00': the start task run early does nothing; at the time it sends,
    to the audience as it is then."""
    send_at = timezone.now() + timedelta(days=1)
    broadcast = BroadcastFactory(
        scope_group=people.world_a.group, status=Broadcast.Status.SCHEDULED, send_at=send_at
    )
    assert tasks.start_broadcast.func(broadcast_id=broadcast.pk) == 0
    assert mailoutbox == []
    people.consenting[4].consents.update(withdrawn_at=timezone.now())
    time_machine.move_to(send_at + timedelta(seconds=1))
    assert tasks.start_broadcast.func(broadcast_id=broadcast.pk) == 4
    tasks.send_broadcast_batch.func(broadcast_id=broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    assert len(mailoutbox) == 4


def test_an_unscheduled_or_cancelled_broadcast_never_starts(people, mailoutbox):
    for status in (Broadcast.Status.DRAFT, Broadcast.Status.CANCELLED):
        broadcast = BroadcastFactory(status=status, send_at=timezone.now())
        assert tasks.start_broadcast.func(broadcast_id=broadcast.pk) == 0
        assert not broadcast.deliveries.exists()
    assert mailoutbox == []


def test_the_privacy_page_describes_broadcast_records(client):
    from members import privacy

    kinds = {k.key: k for k in privacy.registry()}
    assert "do not record whether you open" in kinds["broadcasts"].purpose
    assert (
        "90 days" in kinds["broadcasts"].retention or "days after" in kinds["broadcasts"].retention
    )
    assert "Emails we send you" in client.get("/privacy/").content.decode()


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_on_the_database_queue_a_scheduled_send_waits_for_its_time_and_commits_with_it(
    db_queue, people
):
    """The start task is queued in the same transaction, to run at the chosen time."""
    from django_tasks_db.models import DBTaskResult

    from members.broadcasts import services
    from tests.factories import UserFactory

    send_at = timezone.now() + timedelta(days=3)
    broadcast = BroadcastFactory()
    services.broadcast_send(broadcast=broadcast, actor=UserFactory(), send_at=send_at)
    [row] = DBTaskResult.objects.filter(task_path="members.broadcasts.tasks.start_broadcast")
    assert row.status == "READY"
    assert row.run_after == send_at
    assert row.args_kwargs["kwargs"] == {"broadcast_id": broadcast.pk}


def test_on_the_database_queue_each_batch_queues_the_next(db_queue, people, mailoutbox, settings):
    from django_tasks_db.models import DBTaskResult

    settings.BROADCAST_BATCH_SIZE = 2
    broadcast = BroadcastFactory(scope_group=people.world_a.group)
    broadcast.status, broadcast.send_at = Broadcast.Status.SCHEDULED, timezone.now()
    broadcast.save()
    assert tasks.start_broadcast.func(broadcast_id=broadcast.pk) == 5
    queued = DBTaskResult.objects.filter(task_path="members.broadcasts.tasks.send_broadcast_batch")
    assert queued.count() == 1
    tasks.send_broadcast_batch.func(broadcast_id=broadcast.pk)
    assert len(mailoutbox) == 2
    assert queued.count() == 2  # the next batch, queued by this one
