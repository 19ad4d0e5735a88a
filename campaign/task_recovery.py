"""Recover tasks whose worker died while running them.

django-tasks-db marks a task RUNNING when a worker claims it and never looks
at it again: if that worker is killed (OOM, deploy, power), the task stays
RUNNING for ever and its effect never happens. ``requeue_stale_tasks()`` puts
RUNNING tasks older than ``TASK_STALE_AFTER_MINUTES`` back to READY so a live
worker runs them again; ``recover_stale_tasks_task`` does it every few minutes
and re-enqueues itself, like the retention task. A task that may run twice this
way must be idempotent (check before acting), as every task here should be.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=5)
TASK_PATH = "campaign.task_recovery.recover_stale_tasks_task"


def stale_after() -> timedelta:
    return timedelta(minutes=getattr(settings, "TASK_STALE_AFTER_MINUTES", 15))


def requeue_stale_tasks(*, older_than: timedelta | None = None) -> int:
    """Put tasks RUNNING for longer than `older_than` back in the queue; return how many."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - (stale_after() if older_than is None else older_than)
    with transaction.atomic():
        stale = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status="RUNNING", started_at__lt=cutoff
        )
        ids = list(stale.values_list("id", flat=True))
        count = DBTaskResult.objects.filter(id__in=ids).update(
            status="READY", started_at=None, run_after=timezone.now()
        )
    if count:
        logger.warning("requeued %d task(s) whose worker stopped while running them", count)
    return count


def schedule_next(*, after: timedelta = CHECK_EVERY) -> bool:
    """Queue the next check unless one is waiting (database queue only)."""
    from django_tasks_db.models import DBTaskResult

    if not recover_stale_tasks_task.get_backend().supports_defer:
        return False
    if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
        return False
    recover_stale_tasks_task.using(run_after=timezone.now() + after).enqueue()
    return True


@task()
def recover_stale_tasks_task() -> int:
    schedule_next()
    return requeue_stale_tasks()


@task()
def probe_task(*, marker: str, seconds: float = 0) -> bool:
    """A diagnostic task for bench/fault_worker_killed.py: wait, then record `marker` once.

    Idempotent the way real tasks should be: the effect is written only if it
    is not there yet, under a lock, so a re-run after a crash does it once.
    """
    import time

    from members.models import AuditEvent

    time.sleep(seconds)
    with transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [marker])
        if AuditEvent.objects.filter(subject="task probe", detail=marker).exists():
            return False
        AuditEvent.objects.create(
            actor_label="system", action="change", subject="task probe", detail=marker
        )
    return True
