"""manage.py import_wordpress FILE [--media DIR]: bring a WordPress site's posts over."""

from django.core.management.base import BaseCommand, CommandError

from articles.wordpress import ImportFailed, import_wxr


class Command(BaseCommand):
    help = (
        "Import posts, authors, tags, categories (as tags), attachments and permalinks from a "
        "WordPress export file (WXR). Old addresses redirect to the new pages. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xml file from WordPress: Tools > Export.")
        parser.add_argument(
            "--media",
            help="A copy of wp-content/uploads, to import attachments and featured images.",
        )

    def handle(self, *args, file, media=None, **options):
        try:
            report = import_wxr(file, media_dir=media)
        except (OSError, ImportFailed) as exc:
            raise CommandError(f"Could not read {file}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(str(report)))
        for url in report.missing_files:
            self.stdout.write(f"  not found locally: {url}")
        for url in report.refused_files:
            self.stdout.write(f"  refused, not an image we can use: {url}")
