"""Background work of the campaign: the daily reminders to branch contacts."""

from datetime import timedelta

from django.apps import apps
from django.utils import timezone
from django_tasks import task

from campaign.outreach import send_due_reminders

TASK_PATH = "campaign.tasks.send_reminders_task"
EVERY = timedelta(days=1)


def schedule_next(*, after: timedelta = EVERY) -> bool:
    """Queue the next daily run unless one is waiting; return whether queued.

    Only with a queue that can defer (the database's): the tests' immediate
    queue would run it at once, for ever.
    """
    if not send_reminders_task.get_backend().supports_defer:
        return False
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
            return False
    send_reminders_task.using(run_after=timezone.now() + after).enqueue()
    return True


@task()
def send_reminders_task() -> dict[str, int]:
    """The daily reminders run; it queues tomorrow's before it starts."""
    schedule_next()
    return send_due_reminders()
