"""Keep personal data only as long as settings.RETENTION_DAYS says.

``enforce_retention()`` deletes, for each rule, what is older than its window,
logs counts (never names or addresses) and writes one audit event. It runs from
``manage.py enforce_retention`` (cron) and from the daily task
``enforce_retention_task``, which re-enqueues itself for the next day so the
task worker (``manage.py db_worker``) is the scheduler; start the chain once
with ``manage.py enforce_retention --schedule`` (safe to repeat).
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from core.audit import audit
from core.registry import declared

logger = logging.getLogger(__name__)

SCHEDULE_EVERY = timedelta(days=1)


def cutoff(now: datetime, rule: str) -> datetime:
    """The moment before which rule `rule` removes rows (its period in RETENTION_DAYS)."""
    return now - timedelta(days=settings.RETENTION_DAYS[rule])


def rules() -> dict[str, Callable[[datetime], int]]:
    """Every app's rules (``AppConfig.retention_rules``), by name."""
    return {
        name: import_string(path)
        for _, declared_rules in declared("retention_rules")
        for name, path in declared_rules.items()
    }


def purge_login_records(now: datetime) -> int:
    """django-axes' records of organiser logins: username, address and browser."""
    before = cutoff(now, "login_records")
    removed = 0
    for name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
        try:
            model = apps.get_model("axes", name)
        except LookupError:
            continue
        removed += (
            model.objects.filter(attempt_time__lt=before).delete()[1].get(model._meta.label, 0)
        )
    return removed


def purge_task_results(now: datetime) -> int:
    """Finished and failed runs of background tasks: their arguments name people."""
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    done = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff(now, "task_results")
    )
    return done.delete()[0]


def purge_admin_log(now: datetime) -> int:
    """Django's admin log: each entry keeps the changed object's label (a member's name)."""
    LogEntry = apps.get_model("admin", "LogEntry")
    return LogEntry.objects.filter(action_time__lt=cutoff(now, "admin_log")).delete()[0]


def purge_sessions(now: datetime) -> int:
    """Expired login sessions (what `manage.py clearsessions` does)."""
    Session = apps.get_model("sessions", "Session")
    return Session.objects.filter(expire_date__lt=now).delete()[0]


def enforce_retention(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what is past its retention period; return counts per rule.

    Each rule runs in its own transaction, so one failing rule does not undo
    the others; the failure is logged and the rule reported as -1.
    """
    now = now or timezone.now()
    counts = {}
    for name, rule in rules().items():
        try:
            with transaction.atomic():
                counts[name] = rule(now)
        except Exception:
            logger.exception("retention rule %s failed", name)
            counts[name] = -1
    summary = ", ".join(f"{k}={v}" for k, v in counts.items())
    logger.info("retention: %s", summary)
    audit(
        actor=None,
        action="retention",
        subject="retention",
        rows=sum(v for v in counts.values() if v > 0),
        detail=summary,
    )
    return counts


TASK_PATH = "core.retention.enforce_retention_task"


def schedule_next(*, after: timedelta = SCHEDULE_EVERY) -> bool:
    """Queue the next daily run unless one is already waiting; return whether queued.

    Only with a backend that can defer tasks (the database queue): the
    immediate backend of the tests would run it at once, for ever.
    """
    backend = enforce_retention_task.get_backend()
    if not backend.supports_defer:
        return False
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        # The running task itself is RUNNING: look only for a run still to come.
        if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
            return False
    enforce_retention_task.using(run_after=timezone.now() + after).enqueue()
    return True


@task()
def enforce_retention_task() -> dict[str, int]:
    """The daily retention run; it queues tomorrow's run before it starts."""
    schedule_next()
    return enforce_retention()
