"""Restore a backup made by backup_db (pg_restore, in one transaction)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, create_database, restore


class Command(BaseCommand):
    help = (
        "Restore a backup_db file. By default into the configured database, replacing "
        "what is there (asks first unless --yes); with --into NAME --create into a new "
        "database on the same server, to check a backup without touching live data."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--into", help="Name of the database to restore into.")
        parser.add_argument(
            "--create", action="store_true", help="Create the --into database first."
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, file, into, create, yes, database, **options):
        if create and not into:
            raise CommandError("--create needs --into NAME.")
        if not into and not yes:
            answer = input("This replaces ALL data in the configured database. Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            if create:
                create_database(into, alias=database)
            restore(file, database=into, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {file} into {into or 'the database'}."))
