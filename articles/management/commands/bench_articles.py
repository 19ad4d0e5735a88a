"""manage.py bench_articles [--articles N]: time the public article pages on a big data set.

Loads N demo articles (idempotent), then requests each public page several
times with the test client and prints the median time and the query count.
Run it against a scratch database, not production:

    DATABASE_URL=postgresql://.../bench_articles manage.py migrate
    DATABASE_URL=postgresql://.../bench_articles manage.py bench_articles --articles 10000
"""

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import demo
from articles.models import Article, Tag


class Command(BaseCommand):
    help = "Load N demo articles and time the public article pages (median of several runs)."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args, articles, runs, **options):
        started = time.perf_counter()
        with transaction.atomic():
            result = demo.load(articles=articles)
        self.stdout.write(f"load: {result} in {time.perf_counter() - started:.1f}s")
        article = Article.objects.published().order_by("-published_at")[articles // 2]
        tag = Tag.objects.get(slug="pay")
        pages = {
            "home": "/",
            "list page 1": reverse("articles:list"),
            "list page 250": reverse("articles:list") + "?page=250",
            "tag": tag.get_absolute_url(),
            "tag page 50": tag.get_absolute_url() + "?page=50",
            "article": article.get_absolute_url(),
            "search 'pay claim'": reverse("articles:search") + "?q=pay+claim",
            "search 'turnout -leeds'": reverse("articles:search") + "?q=turnout+-leeds",
            "feed": reverse("articles:feed"),
            "sitemap index": reverse("articles:sitemap"),
            "sitemap articles p.1": "/sitemap-articles.xml",
        }
        client = Client(HTTP_HOST="localhost")
        for name, url in pages.items():
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            self.stdout.write(
                f"{name:26} {statistics.median(times):8.1f} ms  {len(queries):2} queries"
            )
