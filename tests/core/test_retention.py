"""Retention: what is past its period is deleted, counted and audited."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from core import retention
from members.models import AuditEvent, Member
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

DAY = timedelta(days=1)


def _aged(days, **kwargs):
    """Create a member as if made `days` ago."""
    with time_machine.travel(timezone.now() - days * DAY, tick=False):
        return MemberFactory(**kwargs)


def _link(*, created_days_ago, lifetime_days=14, revoked_days_ago=None):
    from members.models import BranchContactLink

    created = timezone.now() - created_days_ago * DAY
    return BranchContactLink.objects.create(
        branch=BranchFactory(),
        contact_name="Branch secretary",
        email="secretary@example.org",
        token_hash=f"{created_days_ago:064d}"[-64:] if revoked_days_ago is None else "f" * 64,
        created_at=created,
        expires_at=created + lifetime_days * DAY,
        revoked_at=None if revoked_days_ago is None else timezone.now() - revoked_days_ago * DAY,
    )


def test_settings_name_every_period():
    """Every rule has a period in settings, in whole days."""
    from django.conf import settings

    assert set(settings.RETENTION_DAYS) == {
        "unconfirmed_signups",
        "left_members",
        "signed_links",
        "audit_events",
        "login_records",
        "task_results",
        "admin_log",
        "broadcast_deliveries",
        "event_replies",
        "petition_signatures",
        "vote_pledges",
    }
    assert settings.RETENTION_DAYS["unconfirmed_signups"] == 30


def test_unconfirmed_signups_past_the_window_are_deleted(settings):
    """Pending sign-ups older than the window go; newer ones and confirmed members stay."""
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "unconfirmed_signups": 30}
    old = _aged(31, status=Member.Status.PENDING)
    fresh = _aged(29, status=Member.Status.PENDING)
    confirmed = _aged(400, status=Member.Status.CONFIRMED)
    counts = retention.enforce_retention()
    assert counts["unconfirmed_signups"] == 1
    assert not Member.objects.filter(pk=old.pk).exists()
    assert Member.objects.filter(pk__in=[fresh.pk, confirmed.pk]).count() == 2


def test_members_who_left_are_deleted_after_their_window(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "left_members": 365}
    gone = _aged(366, status=Member.Status.LEFT)
    recent = _aged(100, status=Member.Status.LEFT)
    active = _aged(1000, status=Member.Status.ACTIVE)
    counts = retention.enforce_retention()
    assert counts["left_members"] == 1
    assert not Member.objects.filter(pk=gone.pk).exists()
    assert Member.objects.filter(pk__in=[recent.pk, active.pk]).count() == 2


def test_expired_and_revoked_links_are_deleted_after_their_window(settings):
    from members.models import BranchContactLink

    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "signed_links": 90}
    expired_long_ago = _link(created_days_ago=200)  # expired 186 days ago
    live = _link(created_days_ago=1)
    expired_lately = _link(created_days_ago=30)  # expired 16 days ago
    counts = retention.enforce_retention()
    assert counts["signed_links"] == 1
    remaining = set(BranchContactLink.objects.values_list("pk", flat=True))
    assert remaining == {live.pk, expired_lately.pk}
    assert expired_long_ago.pk not in remaining


def test_old_audit_rows_are_deleted(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "audit_events": 730}
    from members.audit import audit_record

    with time_machine.travel(timezone.now() - 731 * DAY, tick=False):
        old = audit_record(actor=None, action="view", subject="members.member", object_id=1)
    recent = audit_record(actor=None, action="view", subject="members.member", object_id=2)
    counts = retention.enforce_retention()
    assert counts["audit_events"] == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_old_login_records_are_deleted(settings):
    """Axes keeps each organiser login's username, address and browser: not for ever."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "login_records": 90}
    made = {}
    for days in (91, 1):
        with time_machine.travel(timezone.now() - days * DAY, tick=False):
            who = {"username": f"organiser{days}", "ip_address": "10.0.0.1", "user_agent": "test"}
            made[days] = [
                AccessAttempt.objects.create(
                    **who, get_data="", post_data="", failures_since_start=1
                ),
                AccessFailureLog.objects.create(**who),
                AccessLog.objects.create(**who),
            ]
    counts = retention.enforce_retention()
    assert counts["login_records"] == 3
    for model, old, recent in zip(
        (AccessAttempt, AccessFailureLog, AccessLog), made[91], made[1], strict=True
    ):
        assert not model.objects.filter(pk=old.pk).exists()
        assert model.objects.filter(pk=recent.pk).exists()


def test_the_run_is_audited_with_counts_and_no_personal_data(caplog):
    """One RETENTION audit row and one log line carry counts only, never a name or email."""
    member = _aged(31, status=Member.Status.PENDING)
    with caplog.at_level("INFO", logger="core.retention"):
        retention.enforce_retention()
    event = AuditEvent.objects.filter(subject="retention").get()
    assert event.action == AuditEvent.Action.RETENTION
    assert "unconfirmed_signups=1" in event.detail
    assert event.rows >= 1
    text = event.detail + caplog.text
    assert member.email not in text
    assert member.name not in text


def test_nothing_to_delete_is_fine():
    counts = retention.enforce_retention()
    assert counts["unconfirmed_signups"] == 0
    assert all(v >= 0 for v in counts.values())


def test_command_prints_counts():
    _aged(45, status=Member.Status.PENDING)
    out = io.StringIO()
    call_command("enforce_retention", stdout=out)
    assert "unconfirmed_signups (older than 30 days): 1" in out.getvalue()


def test_task_runs_the_rules_and_does_not_loop_on_the_immediate_backend():
    """The test queue runs tasks at once; the task must not re-enqueue itself for ever."""
    _aged(45, status=Member.Status.PENDING)
    result = retention.enforce_retention_task.enqueue()
    assert result.return_value["unconfirmed_signups"] == 1
    assert retention.schedule_next() is False


def test_task_queues_tomorrows_run_once_on_the_database_queue(settings):
    """With the database queue, scheduling is idempotent: one waiting run, a day ahead."""
    from django_tasks_db.models import DBTaskResult

    # The setting_changed signal makes django-tasks reload its backends.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    try:
        assert retention.schedule_next() is True
        assert retention.schedule_next() is False
        waiting = DBTaskResult.objects.get(task_path=retention.TASK_PATH)
        assert waiting.status == "READY"
        assert waiting.run_after > timezone.now() + timedelta(hours=23)
    finally:
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        }
