"""Migrate, collect static files, load the Rank and File bench's articles; print the pages to load.

    python manage.py bench_load ARTICLES_JSON --list-position N

After ``makemigrations`` (the tutorial's models are made into migrations here,
as the tutorial does). The posts are made as an editor's would be, one page at a time under the blog
index (Wagtail's tree, search index and reference index all updated). A second
run with the same file and database changes nothing.
"""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Site

from blog.models import POSTS_PER_PAGE, BlogIndexPage, BlogPage

STAMP = Path(settings.BASE_DIR) / "bench-loaded.txt"  # database name and the file's digest


class Command(BaseCommand):
    help = "Load the bench's articles (a JSON file) as blog posts; print the pages to load."

    def add_arguments(self, parser):
        parser.add_argument("articles", help="the JSON file bench/peers writes")
        parser.add_argument(
            "--list-position",
            type=int,
            default=0,
            help="the place, from 0, of the post whose index page is loaded",
        )

    def handle(self, *args, articles, list_position, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        content = Path(articles).read_bytes()
        stamp = f"{settings.DATABASES['default']['NAME']} {hashlib.sha256(content).hexdigest()}"
        posts = json.loads(content)
        current = STAMP.exists() and STAMP.read_text() == stamp
        if not current or BlogPage.objects.live().count() != len(posts):
            self.load(posts)
            STAMP.write_text(stamp)
        blog = BlogIndexPage.objects.get()
        newest = blog.get_children().live().order_by("-first_published_at").first()
        page = list_position // POSTS_PER_PAGE + 1
        paths = {"home": "/", "article": newest.url, "list": f"{blog.url}?page={page}"}
        self.stdout.write(json.dumps(paths))

    @transaction.atomic
    def load(self, posts):
        home = Site.objects.get(is_default_site=True).root_page.specific
        for old in BlogIndexPage.objects.all():
            old.delete()  # with its posts
        home.body = "<p>Welcome to our new site!</p>"
        home.save()
        blog = home.add_child(
            instance=BlogIndexPage(title="Blog", slug="blog", intro="<p>News and reports.</p>")
        )
        for post in reversed(posts):  # oldest first, as they were written
            when = datetime.strptime(post["published_at"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            blog.add_child(
                instance=BlogPage(
                    title=post["title"],
                    slug=post["slug"],
                    date=when.date(),
                    intro=post["intro"][:250],
                    body=post["body"],
                    first_published_at=when,
                    last_published_at=when,
                )
            )
