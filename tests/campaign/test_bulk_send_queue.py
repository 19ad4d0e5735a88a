"""A bulk send through the database task queue loses no email and doubles none when the
worker is killed mid-batch: every link's task is queued with the links (one
transaction), and a task run again after a kill finds its email already sent."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from campaign import outreach
from core import task_recovery
from members.models import Branch, BranchContactLink
from tests.campaign.factories import ElectionFactory
from tests.core.test_task_recovery import _run_ready_tasks, db_queue  # noqa: F401
from tests.factories import BranchFactory, UserFactory

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

TASK = "members.tasks.send_contact_link"


def _killed(row, *, after_send: bool):
    """Claim one queued send and die (the row stays RUNNING), after or before the email."""
    from django_tasks_db.models import DBTaskResult

    from members.tasks import send_contact_link

    row.claim("doomed-worker")
    if after_send:  # the email went and its marker committed; the row never finished
        args = row.args_kwargs
        send_contact_link.call(*args["args"], **args["kwargs"])
    DBTaskResult.objects.filter(id=row.id).update(started_at=timezone.now() - timedelta(hours=1))


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(db_queue, mailoutbox):  # noqa: F811
    from django_tasks_db.models import DBTaskResult

    election = ElectionFactory()
    branches = [BranchFactory(code=f"Q{i:02}") for i in range(30)]
    recipients = [
        outreach.Recipient(b, f"Contact {i}", f"c{i}@example.org") for i, b in enumerate(branches)
    ]
    outreach.contact_links_bulk_send(election=election, recipients=recipients, user=UserFactory())
    rows = list(DBTaskResult.objects.filter(task_path=TASK).order_by("enqueued_at", "id"))
    assert len(rows) == 30  # queued with the links, in the same transaction

    # The worker dies twice: once right after an email went, once before sending.
    _killed(rows[0], after_send=True)
    _killed(rows[1], after_send=False)
    assert len(mailoutbox) == 1
    # Another worker takes the rest of the queue meanwhile.
    _run_ready_tasks()
    assert len(mailoutbox) == 29
    # The stale runs go back to the queue and run again.
    assert task_recovery.requeue_stale_tasks(older_than=timedelta(minutes=15)) == 2
    _run_ready_tasks()

    sent = Counter(m.to[0] for m in mailoutbox)
    assert len(sent) == 30  # none lost
    assert set(sent.values()) == {1}  # none doubled
    assert BranchContactLink.objects.count() == 30
    assert set(DBTaskResult.objects.filter(task_path=TASK).values_list("status", flat=True)) == {
        "SUCCESSFUL"
    }


def test_a_bad_file_queues_nothing(db_queue):  # noqa: F811
    from django_tasks_db.models import DBTaskResult

    BranchFactory(code="OK1")
    with pytest.raises(outreach.BulkSendError):
        outreach.recipients_from_csv(
            "OK1,a@example.org\nNOPE,b@example.org\n", Branch.objects.all()
        )
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()
    assert not BranchContactLink.objects.exists()
