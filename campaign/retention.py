"""Keep personal data only as long as settings.RETENTION_DAYS says.

``enforce_retention()`` deletes, for each rule, what is older than its window,
logs counts (never names or addresses) and writes one audit event. It runs from
``manage.py enforce_retention`` (cron) and from the daily task
``enforce_retention_task``, which re-enqueues itself for the next day so the
task worker (``manage.py db_worker``) is the scheduler; start the chain once
with ``manage.py enforce_retention --schedule`` (safe to repeat).
"""

import logging
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

DEFAULT_DAYS = {
    "unconfirmed_signups": 30,
    "left_members": 365,
    "signed_links": 90,
    "audit_events": 2 * 365,
    "login_records": 90,
}
SCHEDULE_EVERY = timedelta(days=1)


def retention_days() -> dict[str, int]:
    return {**DEFAULT_DAYS, **getattr(settings, "RETENTION_DAYS", {})}


def _cutoff(now: datetime, rule: str) -> datetime:
    return now - timedelta(days=retention_days()[rule])


def _purge_unconfirmed(now: datetime) -> int:
    """Sign-ups whose email was never confirmed."""
    from members import services

    return services.member_purge_unconfirmed(older_than=_cutoff(now, "unconfirmed_signups"))


def _purge_left_members(now: datetime) -> int:
    """People who left the faction, a while after their record last changed."""
    Member = apps.get_model("members", "Member")
    Consent = apps.get_model("members", "Consent")
    doomed = Member.objects.filter(
        status=Member.Status.LEFT, updated_at__lt=_cutoff(now, "left_members")
    )
    Consent.objects.filter(member__in=doomed).delete()  # kept as evidence until then
    return doomed.delete()[1].get("members.Member", 0)


def _purge_signed_links(now: datetime) -> int:
    """Branch contacts' links that expired or were revoked longer ago than the window."""
    try:
        Link = apps.get_model("campaign", "BranchContactLink")
    except LookupError:
        return 0
    from django.db.models import Q

    cutoff = _cutoff(now, "signed_links")
    doomed = Link.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff))
    return doomed.delete()[1].get(Link._meta.label, 0)


def _purge_audit_events(now: datetime) -> int:
    AuditEvent = apps.get_model("members", "AuditEvent")
    return AuditEvent.objects.filter(at__lt=_cutoff(now, "audit_events")).delete()[0]


def _purge_login_records(now: datetime) -> int:
    """django-axes' records of organiser logins: username, address and browser."""
    cutoff = _cutoff(now, "login_records")
    removed = 0
    for name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
        try:
            model = apps.get_model("axes", name)
        except LookupError:
            continue
        removed += (
            model.objects.filter(attempt_time__lt=cutoff).delete()[1].get(model._meta.label, 0)
        )
    return removed


def _purge_sessions(now: datetime) -> int:
    """Expired login sessions (what `manage.py clearsessions` does)."""
    Session = apps.get_model("sessions", "Session")
    return Session.objects.filter(expire_date__lt=now).delete()[0]


RULES = {
    "unconfirmed_signups": _purge_unconfirmed,
    "left_members": _purge_left_members,
    "signed_links": _purge_signed_links,
    "audit_events": _purge_audit_events,
    "login_records": _purge_login_records,
    "expired_sessions": _purge_sessions,
}


def enforce_retention(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what is past its retention period; return counts per rule.

    Each rule runs in its own transaction, so one failing rule does not undo
    the others; the failure is logged and the rule reported as -1.
    """
    from members.audit import audit_record

    now = now or timezone.now()
    counts = {}
    for name, rule in RULES.items():
        try:
            with transaction.atomic():
                counts[name] = rule(now)
        except Exception:
            logger.exception("retention rule %s failed", name)
            counts[name] = -1
    summary = ", ".join(f"{k}={v}" for k, v in counts.items())
    logger.info("retention: %s", summary)
    audit_record(
        actor=None,
        action="retention",
        subject="retention",
        rows=sum(v for v in counts.values() if v > 0),
        detail=summary,
    )
    return counts


TASK_PATH = "campaign.retention.enforce_retention_task"


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
