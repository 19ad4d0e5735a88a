"""An email task run twice sends one message; a send that failed leaves nothing behind."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from core import task_recovery
from core.models import SentMarker
from members.tasks import send_contact_link, send_member_email
from tests.core.test_task_recovery import _run_ready_tasks, db_queue  # noqa: F401
from tests.factories import BranchFactory, MemberFactory

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

MAIL_DOWN = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def _markers() -> int:
    return SentMarker.objects.count()


def test_member_email_with_the_same_key_goes_once(mailoutbox):
    member = MemberFactory()
    assert send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k1") is True
    assert send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k1") is False
    assert len(mailoutbox) == 1
    assert send_member_email.call(member_id=member.pk, kind="welcome", dedupe_key="k2") is True
    assert len(mailoutbox) == 2


def test_contact_link_with_the_same_key_goes_once(mailoutbox):
    from members.models import BranchContactLink

    link = BranchContactLink.create_unsent(
        branch=BranchFactory(), contact_name="Jo", email="jo@example.org"
    )
    assert send_contact_link.call(link.pk, dedupe_key="c1") is True
    sent_hash = BranchContactLink.objects.get(pk=link.pk).token_hash
    assert send_contact_link.call(link.pk, dedupe_key="c1") is False
    assert len(mailoutbox) == 1
    # The skipped run made no new token: the one emailed still works.
    assert BranchContactLink.objects.get(pk=link.pk).token_hash == sent_hash
    assert BranchContactLink.from_token(_emailed_token(mailoutbox[0])) == link


def _emailed_token(message) -> str:
    import re

    tokens = set(re.findall(r"[?&]token=([A-Za-z0-9_-]+)", message.body))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def _send_a_contact_link(django_capture_on_commit_callbacks):
    from members import services
    from tests.factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        return services.contact_link_send(
            branch=BranchFactory(),
            contact_name="Jo",
            email="jo@example.org",
            created_by=UserFactory(),
        )


def test_no_contact_link_token_is_stored_in_the_task_queue(
    db_queue,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """The queued task holds the link's id, never its token, before and after it runs."""
    from django_tasks_db.models import DBTaskResult

    from members.models import BranchContactLink

    link = _send_a_contact_link(django_capture_on_commit_callbacks)
    assert DBTaskResult.objects.filter(task_path="members.tasks.send_contact_link").count() == 1
    _run_ready_tasks()
    [message] = mailoutbox
    token = _emailed_token(message)
    assert BranchContactLink.from_token(token) == link
    # Search every column of every task row, as text, for the token.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE t::text LIKE %s)"
            f" FROM {DBTaskResult._meta.db_table} t",
            [f"%{token}%"],
        )
        rows, with_token = cursor.fetchone()
    assert rows >= 1
    assert with_token == 0
    row = DBTaskResult.objects.get(task_path="members.tasks.send_contact_link")
    assert row.status == "SUCCESSFUL"
    assert token not in str(row.args_kwargs)
    assert row.args_kwargs["args"] == [link.pk]


def test_a_failed_contact_link_is_retried_with_a_working_token(
    db_queue,  # noqa: F811
    settings,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """Mail down: the link is retried (once named in TASK_RETRIES) and the token emailed works."""
    from django_tasks_db.models import DBTaskResult

    from members.models import BranchContactLink

    settings.TASK_RETRIES = {"members.tasks.send_contact_link": 8}
    settings.TASK_RETRY_BACKOFF_SECONDS = 0
    link = _send_a_contact_link(django_capture_on_commit_callbacks)
    unsent_hash = link.token_hash
    with mock.patch(MAIL_DOWN, side_effect=ConnectionRefusedError("mail server down")):
        _run_ready_tasks()
    link.refresh_from_db()
    assert link.token_hash == unsent_hash  # the failed send made no token
    assert _markers() == 0
    assert task_recovery.retry_failed_tasks() == 1
    _run_ready_tasks()
    [message] = mailoutbox
    assert BranchContactLink.from_token(_emailed_token(message)) == link
    rows = DBTaskResult.objects.filter(task_path="members.tasks.send_contact_link")
    assert sorted(rows.values_list("status", flat=True)) == ["FAILED", "SUCCESSFUL"]
    # A later sweep or a requeue of the good run sends nothing more.
    assert task_recovery.retry_failed_tasks() == 0
    good = rows.get(status="SUCCESSFUL")
    DBTaskResult.objects.filter(id=good.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1)
    )
    task_recovery.requeue_stale_tasks(older_than=timedelta(minutes=15))
    _run_ready_tasks()
    assert len(mailoutbox) == 1
    assert BranchContactLink.from_token(_emailed_token(message)) == link


def test_a_contact_link_withdrawn_before_it_goes_sends_nothing_and_marks_nothing(mailoutbox):
    from members.models import BranchContactLink

    link = BranchContactLink.create_unsent(
        branch=BranchFactory(), contact_name="Jo", email="jo@example.org"
    )
    link.revoke()
    assert send_contact_link.call(link.pk, dedupe_key="w") is False
    assert mailoutbox == []
    assert _markers() == 0


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
    SentMarker.objects.filter(key="old").update(sent_at=timezone.now() - timedelta(days=40))
    assert task_recovery.prune_sent_markers(days=30) == 1
    assert _markers() == 1


def test_the_migrations_take_old_tokens_out_of_the_task_queue(db_queue, mailoutbox):  # noqa: F811
    """Runs queued before the fix held the raw token, under the task's old path: rewritten
    (campaign 0006), moved to the task's new module (core 0003), a waiting one still sends."""
    import importlib

    from django.apps import apps
    from django_tasks_db.models import DBTaskResult

    from members.models import BranchContactLink

    scrub = importlib.import_module(
        "campaign.migrations.0006_scrub_contact_link_tokens_from_task_queue"
    )
    move = importlib.import_module("core.migrations.0003_task_paths_after_the_move")
    link, old_token = BranchContactLink.issue(
        branch=BranchFactory(), contact_name="Jo", email="jo@example.org"
    )
    result = send_contact_link.enqueue(link.pk)
    # As the old code queued it: the token as the second argument, the campaign's path.
    DBTaskResult.objects.filter(id=result.id).update(
        task_path="campaign.tasks.send_contact_link",
        args_kwargs={"args": [link.pk, old_token], "kwargs": {}},
    )
    scrub.scrub(apps, None)
    move.forwards(apps, None)
    row = DBTaskResult.objects.get(id=result.id)
    assert row.task_path == "members.tasks.send_contact_link"
    assert old_token not in str(row.args_kwargs)
    assert row.args_kwargs == {"args": [link.pk], "kwargs": {"dedupe_key": f"link-{link.pk}"}}
    _run_ready_tasks()
    [message] = mailoutbox
    assert BranchContactLink.from_token(_emailed_token(message)) == link
    assert BranchContactLink.from_token(old_token) is None
