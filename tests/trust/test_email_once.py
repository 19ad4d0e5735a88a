"""An email task run twice sends one message; a send that failed leaves nothing behind."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from campaign import task_recovery
from campaign.tasks import send_contact_link
from members.tasks import send_member_email
from tests.factories import BranchFactory, MemberFactory
from tests.trust.test_task_recovery import _run_ready_tasks, db_queue  # noqa: F401

pytestmark = pytest.mark.django_db

MAIL_DOWN = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def _markers() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM campaign_sent_marker")
        return cursor.fetchone()[0]


def test_member_email_with_the_same_key_goes_once(mailoutbox):
    member = MemberFactory()
    assert send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k1") is True
    assert send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k1") is False
    assert len(mailoutbox) == 1
    assert send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k2") is True
    assert len(mailoutbox) == 2


def test_contact_link_with_the_same_key_goes_once(mailoutbox):
    from campaign.models import BranchContactLink

    link, token = BranchContactLink.issue(
        branch=BranchFactory(), contact_name="Jo", email="jo@example.org"
    )
    assert send_contact_link.call(link.pk, token, dedupe_key="c1") is True
    assert send_contact_link.call(link.pk, token, dedupe_key="c1") is False
    assert len(mailoutbox) == 1


def test_a_failed_send_leaves_no_marker_so_the_retry_sends(mailoutbox):
    member = MemberFactory()
    with (
        mock.patch(MAIL_DOWN, side_effect=ConnectionRefusedError("mail server down")),
        pytest.raises(ConnectionRefusedError),
    ):
        send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k")
    assert _markers() == 0
    assert send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k") is True
    assert len(mailoutbox) == 1
    assert _markers() == 1


def test_two_separate_enqueues_both_send(mailoutbox):
    """Joining twice re-sends on purpose: each queued run has its own key."""
    member = MemberFactory()
    send_member_email.enqueue(member_id=member.pk, kind="confirm_again")
    send_member_email.enqueue(member_id=member.pk, kind="confirm_again")
    assert len(mailoutbox) == 2


def test_worker_killed_after_sending_requeued_task_does_not_send_again(db_queue, mailoutbox):  # noqa: F811
    """The worker sent the email and died before marking the task done: the rerun skips."""
    from django_tasks_db.models import DBTaskResult

    result = send_member_email.enqueue(member_id=MemberFactory().pk, kind="welcome")
    _run_ready_tasks()
    assert len(mailoutbox) == 1
    # As if the worker was killed before it recorded success: RUNNING, long ago.
    DBTaskResult.objects.filter(id=result.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1)
    )
    assert task_recovery.requeue_stale_tasks(older_than=timedelta(minutes=15)) == 1
    _run_ready_tasks()
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL"
    assert row.return_value is False  # the rerun found the marker
    assert len(mailoutbox) == 1


def test_worker_killed_during_the_send_requeued_task_sends(db_queue, mailoutbox):  # noqa: F811
    """Killed before the send finished (nothing committed): the rerun sends it."""
    from django_tasks_db.models import DBTaskResult

    result = send_member_email.enqueue(member_id=MemberFactory().pk, kind="welcome")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim("dead-worker")
    DBTaskResult.objects.filter(id=row.id).update(started_at=timezone.now() - timedelta(hours=1))
    task_recovery.requeue_stale_tasks(older_than=timedelta(minutes=15))
    _run_ready_tasks()
    assert len(mailoutbox) == 1


def test_old_markers_are_pruned():
    task_recovery.send_once("old", lambda: None)
    task_recovery.send_once("new", lambda: None)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE campaign_sent_marker SET sent_at = %s WHERE key = 'old'",
            [timezone.now() - timedelta(days=40)],
        )
    assert task_recovery.prune_sent_markers(days=30) == 1
    assert _markers() == 1
