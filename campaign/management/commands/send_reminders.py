"""Send the branch contacts' reminders that are due (or queue the daily run)."""

from django.core.management.base import BaseCommand

from campaign.outreach import send_due_reminders
from campaign.tasks import schedule_next


class Command(BaseCommand):
    help = "Send due reminders to branch contacts whose branch has not reported yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Instead, queue the daily reminders task for the worker (safe to repeat).",
        )

    def handle(self, *args, schedule, **options):
        if schedule:
            queued = schedule_next()
            self.stdout.write(
                "Queued the daily reminders task."
                if queued
                else "The daily reminders task is already queued (or no task queue)."
            )
            return
        counts = send_due_reminders()
        self.stdout.write(f"sent: {counts['sent']}, stopped (branch reported): {counts['stopped']}")
