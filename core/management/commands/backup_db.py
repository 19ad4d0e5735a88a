"""Back up the whole database to one file (pg_dump custom format)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Dump the database with pg_dump (custom format) to --output, by default "
        "backups/rankandfile-YYYYMMDD-HHMMSS.dump. It holds members' personal data: "
        "store it encrypted and delete old copies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="File to write.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, output, database, **options):
        if output is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.BASE_DIR) / "backups" / f"rankandfile-{stamp}.dump"
        try:
            path = backup(output, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        path.chmod(0o600)  # personal data: readable by the owner only
        size_kb = path.stat().st_size // 1024
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path} ({size_kb} KB)."))
