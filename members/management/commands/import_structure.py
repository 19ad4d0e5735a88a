"""Import branches and workplaces from a CSV file (see members/imports.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.audit import audit_record
from members.imports import ImportFailed, structure_import
from members.models import AuditEvent


class Command(BaseCommand):
    help = "Import branches and workplaces from CSV (code,name,group,region[,workplace,town])."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            report = structure_import(data=data)
        except ImportFailed as exc:
            for line, message in exc.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError("Nothing was imported: fix the lines above.") from exc
        audit_record(
            actor="import_structure",
            action=AuditEvent.Action.IMPORT,
            subject="branches and workplaces",
            rows=report.rows,
            detail="from the command line",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.branches_created} branches created, {report.branches_updated} updated, "
                f"{report.workplaces_created} workplaces created."
            )
        )
