"""Tasks whose worker was killed mid-run are run again, and their effect happens once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import task_recovery
from core.models import SentMarker

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _claimed(minutes_ago):
    from django_tasks_db.models import DBTaskResult

    result = task_recovery.probe_task.enqueue(marker=f"m{minutes_ago}")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim("dead-worker")
    DBTaskResult.objects.filter(id=row.id).update(
        started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def test_stale_running_tasks_go_back_to_the_queue(db_queue):
    """A task RUNNING for longer than the limit is READY again; a recent one is left alone."""
    from django_tasks_db.models import DBTaskResult

    stale, fresh = _claimed(60), _claimed(1)
    assert task_recovery.requeue_stale_tasks(older_than=timedelta(minutes=15)) == 1
    assert DBTaskResult.objects.get(id=stale.id).status == "READY"
    assert DBTaskResult.objects.get(id=fresh.id).status == "RUNNING"
    assert stale.id in set(DBTaskResult.objects.ready().values_list("id", flat=True))


def test_the_check_schedules_itself_once(db_queue):
    assert task_recovery.schedule_next() is True
    assert task_recovery.schedule_next() is False


def test_probe_effect_happens_once_even_when_run_twice():
    """Running the probe again (after a crash) does not repeat its effect."""
    assert task_recovery.probe_task.call(marker="once") is True
    assert task_recovery.probe_task.call(marker="once") is False
    assert SentMarker.objects.filter(key=task_recovery.probe_key("once")).count() == 1


def test_command(db_queue):
    import io

    from django.core.management import call_command

    _claimed(60)
    out = io.StringIO()
    call_command("recover_tasks", stdout=out)
    assert "Requeued 1 task(s)." in out.getvalue()


def _run_ready_tasks():
    """Do what one pass of `manage.py db_worker` does, inside the test's transaction."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    for row in DBTaskResult.objects.ready():
        row.claim(worker.worker_id)
        worker.run_task(row)


def test_failed_email_is_retried_with_backoff_until_it_goes(db_queue, settings, mailoutbox):
    """Mail server down: the send fails, is retried with growing delays, and is sent once."""
    from unittest import mock

    from django_tasks_db.models import DBTaskResult

    from members.tasks import send_member_email
    from tests.factories import MemberFactory

    settings.TASK_RETRIES = {"members.tasks.send_member_email": 5}
    settings.TASK_RETRY_BACKOFF_SECONDS = 0  # no waiting in the test
    member = MemberFactory()
    send_member_email.enqueue(member_id=member.pk, kind="welcome")
    down = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError("mail server down"),
    )
    with down:
        for _ in range(2):  # two attempts fail while the server is down
            _run_ready_tasks()
            assert task_recovery.retry_failed_tasks() == 1
            assert task_recovery.retry_failed_tasks() == 0  # one retry per failure
    _run_ready_tasks()
    rows = DBTaskResult.objects.filter(task_path="members.tasks.send_member_email")
    assert sorted(rows.values_list("status", flat=True)) == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert len(mailoutbox) == 1
    assert task_recovery.retry_failed_tasks() == 0


def test_retries_stop_after_the_most_attempts(db_queue, settings):
    from unittest import mock

    from members.tasks import send_member_email
    from tests.factories import MemberFactory

    settings.TASK_RETRIES = {"members.tasks.send_member_email": 2}
    settings.TASK_RETRY_BACKOFF_SECONDS = 0
    send_member_email.enqueue(member_id=MemberFactory().pk, kind="welcome")
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError,
    ):
        _run_ready_tasks()
        assert task_recovery.retry_failed_tasks() == 1
        _run_ready_tasks()
        assert task_recovery.retry_failed_tasks() == 0


def test_retries_wait_60_then_120_then_240_seconds(db_queue, settings):
    """Backoff with the production base: each retry runs base * 2**(attempt-1) after its failure."""
    from unittest import mock

    from django_tasks_db.models import DBTaskResult

    from members.tasks import send_member_email
    from tests.factories import MemberFactory

    settings.TASK_RETRIES = {"members.tasks.send_member_email": 8}
    settings.TASK_RETRY_BACKOFF_SECONDS = 60
    send_member_email.enqueue(member_id=MemberFactory().pk, kind="welcome")
    rows = DBTaskResult.objects.filter(task_path="members.tasks.send_member_email")
    delays = []
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError,
    ):
        for _ in range(3):
            _run_ready_tasks_due_or_not()
            failed_at = timezone.now()
            assert task_recovery.retry_failed_tasks() == 1
            retry = rows.filter(status="READY").get()
            delays.append((retry.run_after - failed_at).total_seconds())
    assert delays == pytest.approx([60, 120, 240], abs=5)


def _run_ready_tasks_due_or_not():
    """Run the queued tasks now, even those whose run_after is still in the future."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    _run_ready_tasks()
