"""Erasure and retention leave nothing behind that names the member."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core import retention
from members import services
from members.models import BranchContactLink, Member
from tests.factories import BranchContactLinkFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _log(obj, flag=CHANGE):
    return LogEntry.objects.log_action(
        user_id=UserFactory().pk,
        content_type_id=ContentType.objects.get_for_model(obj).pk,
        object_id=obj.pk,
        object_repr=str(obj),
        action_flag=flag,
    )


def test_erasure_removes_the_admin_log_and_the_contact_links_the_download_lists():
    """The admin log keeps names as object labels; the member's links are in their download."""
    member = MemberFactory(name="Grace Hopper", email="grace@example.org")
    link = BranchContactLinkFactory(email="GRACE@example.org", contact_name="Grace Hopper")
    other = BranchContactLinkFactory(email="someone@example.org")
    _log(member, ADDITION)
    _log(link)
    kept = _log(other)

    services.member_erase(member=member)

    assert not Member.objects.filter(pk=member.pk).exists()
    assert list(BranchContactLink.objects.all()) == [other]
    assert list(LogEntry.objects.all()) == [kept]
    assert not LogEntry.objects.filter(object_repr__contains="Grace").exists()


def test_erasure_removes_the_name_given_in_reports_made_through_the_members_links():
    """What the branch nominated stays; who reported it, as they typed their name, goes."""
    from campaign.models import Nomination, NominationReport
    from tests.campaign.factories import NominationFactory, NominationReportFactory

    member = MemberFactory(name="Grace Hopper", email="grace@example.org")
    link = BranchContactLinkFactory(email="grace@example.org", contact_name="Grace Hopper")
    report = NominationReportFactory(link=link, reported_by="Grace H.")
    nomination = NominationFactory(meeting=report.meeting, report=report, reported_by="Grace H.")
    kept = NominationReportFactory(link=BranchContactLinkFactory(), reported_by="Alan Turing")

    services.member_erase(member=member)

    report.refresh_from_db()
    nomination.refresh_from_db()
    assert report.link is None
    assert nomination.report == report
    assert "Grace" not in report.reported_by
    assert "Grace" not in nomination.reported_by
    assert not NominationReport.objects.filter(reported_by__contains="Grace").exists()
    assert not Nomination.objects.filter(reported_by__contains="Grace").exists()
    kept.refresh_from_db()
    assert kept.reported_by == "Alan Turing"


def test_retention_purges_the_admin_log_of_left_members_and_old_links(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "left_members": 10, "signed_links": 10}
    gone = MemberFactory(status=Member.Status.LEFT)
    Member.objects.filter(pk=gone.pk).update(updated_at=timezone.now() - timedelta(days=11))
    old_link = BranchContactLinkFactory()
    BranchContactLink.objects.filter(pk=old_link.pk).update(
        created_at=timezone.now() - timedelta(days=40),
        expires_at=timezone.now() - timedelta(days=11),
    )
    _log(gone)
    _log(old_link)

    retention.enforce_retention()

    assert not LogEntry.objects.exists()


def test_the_admin_log_has_a_retention_period_of_its_own(settings):
    """Entries about anything (an article, a branch) go after RETENTION_DAYS['admin_log']."""
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "admin_log": 30}
    old, new = _log(MemberFactory()), _log(MemberFactory())
    LogEntry.objects.filter(pk=old.pk).update(action_time=timezone.now() - timedelta(days=31))

    counts = retention.enforce_retention()

    assert counts["admin_log"] == 1
    assert list(LogEntry.objects.all()) == [new]


def test_finished_and_failed_task_runs_are_purged_after_their_period(settings):
    """Task arguments name addresses and tracebacks quote SMTP errors: they do not stay."""
    from django_tasks_db.models import DBTaskResult

    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "task_results": 30}
    old = timezone.now() - timedelta(days=31)
    common = {
        "task_path": "members.tasks.send_member_email",
        "args_kwargs": {},
        "queue_name": "default",
        "backend_name": "default",
        "priority": 0,
    }
    DBTaskResult.objects.create(status="SUCCESSFUL", finished_at=old, **common)
    DBTaskResult.objects.create(status="FAILED", finished_at=old, **common)
    waiting = DBTaskResult.objects.create(status="READY", **common)
    recent = DBTaskResult.objects.create(status="SUCCESSFUL", finished_at=timezone.now(), **common)

    counts = retention.enforce_retention()

    assert counts["task_results"] == 2
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


def test_two_factor_secrets_are_hidden_in_django_otps_own_admin(settings):
    """Anyone with view permission on TOTP devices must not read every organiser's key."""
    from django_otp.conf import settings as otp_settings

    assert otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA is True
