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

Emails are the effect that must not happen twice. ``send_once(key, send)``
writes a marker row for `key` and sends in one transaction that commits only
after the send returned: a failed send leaves no marker (so the retry sends),
and a run after a successful one finds the marker and sends nothing. The key
is the id of the running task result (kept when a stale task is requeued), or
one the enqueuer passes.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.signals import task_finished, task_started

from core.models import SentMarker

logger = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=5)
TASK_PATH = "core.task_recovery.recover_stale_tasks_task"


# The id of the task result this thread is running, set by the backends'
# task_started signal: a task need not take a context argument (and so can
# still be called directly) to know which queued run it is. A stack, since the
# immediate backend runs a task enqueued by a task inside it.
_running_task_ids: ContextVar[tuple[str, ...]] = ContextVar("running_task_ids", default=())


def _on_task_started(sender, task_result, **kwargs) -> None:
    _running_task_ids.set((*_running_task_ids.get(), str(task_result.id)))


def _on_task_finished(sender, task_result, **kwargs) -> None:
    _running_task_ids.set(_running_task_ids.get()[:-1])


task_started.connect(_on_task_started, dispatch_uid="core.task_recovery.started")
task_finished.connect(_on_task_finished, dispatch_uid="core.task_recovery.finished")


def enqueue_with_commit(task_obj, *args, **kwargs) -> None:
    """Queue `task_obj` so it exists exactly when the surrounding transaction commits.

    With the database queue the task's row is written in the same transaction:
    a sign-up and its confirmation email are saved together or not at all
    (queued after COMMIT, a database restart in between lost the email). A
    queue that runs tasks at once (the tests') runs it after COMMIT instead,
    so the task sees committed rows.
    """
    if task_obj.get_backend().supports_defer:
        task_obj.enqueue(*args, **kwargs)
    else:
        # robust: the change is saved; a queue that fails must not turn the answer
        # into an error page (the exception is logged).
        transaction.on_commit(lambda: task_obj.enqueue(*args, **kwargs), robust=True)


def running_task_id() -> str | None:
    """The id of the queued task result being run now, or None outside a worker."""
    ids = _running_task_ids.get()
    return ids[-1] if ids else None


def send_once(key: str | None, send: Callable[[], object]) -> bool:
    """Call `send` unless it already succeeded for `key`; return whether it was called.

    The marker is inserted first, in a transaction that commits only after
    `send` returned. The INSERT locks the key: a second run of the same task
    (a requeued stale task, a worker that overlaps) waits, then finds the row
    and sends nothing. If `send` raises, the transaction rolls back and leaves
    no marker, so the retry sends.

    The window left: the mail server has accepted the message and the worker
    dies before COMMIT (the length of one COMMIT), or the database drops the
    connection at any moment while `send` talks to the mail server (the length
    of the send: the topology test sees about one duplicate in 500 sign-ups
    across a PostgreSQL restart). The marker is then lost and the message goes
    a second time. Closing it needs the marker committed before the send and
    marked done after it, retried until the database is back.

    With no key (the function was called directly, not run from the queue)
    there is nothing to deduplicate on, and `send` is simply called.
    """
    if not key:
        send()
        return True
    table = connection.ops.quote_name(SentMarker._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The ORM cannot say whether ON CONFLICT skipped the row; RETURNING can.
            cursor.execute(
                f"INSERT INTO {table} (key, sent_at) VALUES (%s, now())"  # noqa: S608
                " ON CONFLICT (key) DO NOTHING RETURNING key",
                [key[:200]],
            )
            if cursor.fetchone() is None:
                logger.info("skipped a send already done (%s)", key)
                return False
        send()
    return True


def sent_key(task_path: str, dedupe_key: str | None = None) -> str | None:
    """The marker key of one send: the enqueuer's key, else the running task's id."""
    key = dedupe_key or running_task_id()
    return f"{task_path}:{key}" if key else None


def prune_sent_markers(*, days: int | None = None) -> int:
    """Delete markers older than any retry or requeue can reach; return how many."""
    days = settings.SENT_MARKER_DAYS if days is None else days
    return SentMarker.objects.filter(sent_at__lt=timezone.now() - timedelta(days=days)).delete()[0]


def stale_after() -> timedelta:
    return timedelta(minutes=settings.TASK_STALE_AFTER_MINUTES)


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

    retries = settings.TASK_RETRIES
    base = settings.TASK_RETRY_BACKOFF_SECONDS
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
    prune_sent_markers()
    return requeue_stale_tasks() + retry_failed_tasks()


@task()
def probe_task(*, marker: str, seconds: float = 0) -> bool:
    """A diagnostic task for bench/fault_worker_killed.py: wait, then record `marker` once.

    Idempotent the way real tasks should be: the effect is written only if it
    is not there yet, under a lock, so a re-run after a crash does it once.
    """
    import time

    time.sleep(seconds)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [marker])
        if SentMarker.objects.filter(key=probe_key(marker)).exists():
            return False
        SentMarker.objects.create(key=probe_key(marker))
    return True


def probe_key(marker: str) -> str:
    """The row that records a probe task's effect."""
    return f"probe:{marker}"
