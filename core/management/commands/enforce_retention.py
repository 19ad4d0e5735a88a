"""Delete personal data past its retention period (settings.RETENTION_DAYS)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.retention import enforce_retention, schedule_next


class Command(BaseCommand):
    help = (
        "Delete unconfirmed sign-ups, members who left, expired signed links and old audit "
        "rows past their retention period. Prints counts only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Instead, queue the daily retention task for the worker (safe to repeat).",
        )

    def handle(self, *args, schedule, **options):
        if schedule:
            queued = schedule_next()
            self.stdout.write(
                "Queued the daily retention task."
                if queued
                else "The daily retention task is already queued (or no task queue)."
            )
            return
        days = settings.RETENTION_DAYS
        counts = enforce_retention()
        for rule, count in counts.items():
            window = f" (older than {days[rule]} days)" if rule in days else ""
            shown = "FAILED, see the log" if count < 0 else count
            self.stdout.write(f"{rule}{window}: {shown}")
