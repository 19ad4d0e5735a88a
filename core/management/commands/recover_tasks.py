"""Requeue background tasks whose worker died mid-run; or schedule that check."""

from django.core.management.base import BaseCommand

from core.task_recovery import requeue_stale_tasks, schedule_next, stale_after


class Command(BaseCommand):
    help = (
        "Put tasks stuck as RUNNING (worker killed) back in the queue. With --schedule, "
        "queue the self-repeating check for the worker instead (safe to repeat)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true")
        parser.add_argument(
            "--minutes", type=float, help="Stale after this many minutes (default: setting)."
        )

    def handle(self, *args, schedule, minutes, **options):
        if schedule:
            queued = schedule_next()
            self.stdout.write("Queued the check." if queued else "The check is already queued.")
            return
        from datetime import timedelta

        older_than = stale_after() if minutes is None else timedelta(minutes=minutes)
        self.stdout.write(f"Requeued {requeue_stale_tasks(older_than=older_than)} task(s).")
