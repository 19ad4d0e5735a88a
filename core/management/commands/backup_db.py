"""Back up the whole database to one file (pg_dump custom format)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup, backup_name, list_backups, rotate


class Command(BaseCommand):
    help = (
        "Dump the database with pg_dump (custom format) to --output, by default "
        "BACKUP_DIR/rankandfile-YYYYMMDD-HHMMSS.dump (mode 600). It holds members' "
        "personal data: store it encrypted and delete old copies (--rotate)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="File to write.")
        parser.add_argument("--database", default="default", help="Database alias.")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Then delete old backups in BACKUP_DIR, keeping the newest of each of "
            "the last BACKUP_KEEP_DAILY (7) days and BACKUP_KEEP_WEEKLY (4) weeks.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Make no backup: exit 1 unless BACKUP_DIR has one newer than --max-age-hours.",
        )
        parser.add_argument("--max-age-hours", type=float, default=26)

    def handle(self, *args, output, database, rotate: bool, check, max_age_hours, **options):
        directory = Path(settings.BACKUP_DIR)
        if check:
            backups = list_backups(directory)
            age = datetime.now(UTC) - backups[0][0] if backups else None
            if age is None or age > timedelta(hours=max_age_hours):
                raise CommandError(f"No backup in {directory} newer than {max_age_hours} hours.")
            self.stdout.write(f"Newest backup: {backups[0][1].name}")
            return
        if output is None:
            output = directory / backup_name(datetime.now(UTC))
        try:
            path = backup(output, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size_kb = path.stat().st_size // 1024
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path} ({size_kb} KB)."))
        if rotate:
            deleted = rotate_backups(directory)
            self.stdout.write(f"Rotation: deleted {len(deleted)} old backup(s).")


def rotate_backups(directory: Path) -> list[Path]:
    return rotate(directory, daily=settings.BACKUP_KEEP_DAILY, weekly=settings.BACKUP_KEEP_WEEKLY)
