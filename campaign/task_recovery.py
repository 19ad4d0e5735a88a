"""Recover tasks whose worker died while running them, and retry failed ones.

django-tasks-db marks a task RUNNING when a worker claims it and never looks
at it again: if that worker is killed (OOM, deploy, power), the task stays
RUNNING for ever and its effect never happens. ``requeue_stale_tasks()`` puts
RUNNING tasks older than ``TASK_STALE_AFTER_MINUTES`` back to READY so a live
worker runs them again; ``recover_stale_tasks_task`` does it every few minutes
and re-enqueues itself, like the retention task. A task that may run twice this
way must be idempotent (check before acting), as every task here should be.

django-tasks-db does not retry a task that raised (say, the mail server was
down). ``retry_failed_tasks()`` re-enqueues failed tasks named in
``settings.TASK_RETRIES`` (path -> most attempts) with exponential backoff
(``TASK_RETRY_BACKOFF_SECONDS`` * 2**(attempt-1)); it runs with the check above.
Attempts are counted from the FAILED rows of the same task and arguments, and
a failure is retried only when nothing newer was queued for them, so a sweep
that runs twice queues one retry.
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


def retry_failed_tasks() -> int:
    """Queue another attempt of failed retryable tasks, with backoff; return how many."""
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    retries = getattr(settings, "TASK_RETRIES", {})
    base = getattr(settings, "TASK_RETRY_BACKOFF_SECONDS", 60)
    queued = 0
    for path, most in retries.items():
        failed = DBTaskResult.objects.filter(task_path=path, status="FAILED").order_by(
            "enqueued_at"
        )
        latest = {}
        for row in failed:
            latest[_args_key(row.args_kwargs)] = row  # the last failure of each call
        for row in latest.values():
            attempts = failed.filter(args_kwargs=row.args_kwargs).count()
            newer = DBTaskResult.objects.filter(
                task_path=path, args_kwargs=row.args_kwargs, enqueued_at__gt=row.enqueued_at
            ).exists()
            if newer or attempts >= most:
                continue
            delay = timedelta(seconds=base * 2 ** (attempts - 1))
            task_obj = import_string(path)
            task_obj.using(run_after=timezone.now() + delay).enqueue(
                *row.args_kwargs.get("args", []), **row.args_kwargs.get("kwargs", {})
            )
            queued += 1
    if queued:
        logger.warning("queued %d retry(ies) of failed tasks", queued)
    return queued


def _args_key(args_kwargs) -> str:
    import json

    return json.dumps(args_kwargs, sort_keys=True)


@task()
def recover_stale_tasks_task() -> int:
    schedule_next()
    return requeue_stale_tasks() + retry_failed_tasks()


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
