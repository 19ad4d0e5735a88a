"""Tasks whose worker was killed mid-run are run again, and their effect happens once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaign import task_recovery
from members.models import AuditEvent

pytestmark = pytest.mark.django_db


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
    assert AuditEvent.objects.filter(subject="task probe", detail="once").count() == 1


def test_command(db_queue):
    import io

    from django.core.management import call_command

    _claimed(60)
    out = io.StringIO()
    call_command("recover_tasks", stdout=out)
    assert "Requeued 1 task(s)." in out.getvalue()
