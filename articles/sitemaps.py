"""The sitemap. Other apps add their sections to ``SITEMAPS``:

    from articles.sitemaps import SITEMAPS
    SITEMAPS["elections"] = ElectionSitemap   # in your AppConfig.ready()

/sitemap.xml is an index of the sections (``/sitemap-<name>.xml``, paged); it
reads the dict on each request, so later additions appear.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author, Tag


def _public():
    return Q(
        articles__status__in=["published", "scheduled"],
        articles__published_at__lte=timezone.now(),
    )


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 1000

    def items(self):
        return (
            Article.objects.published()
            .only("slug", "updated_at", "published_at")
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, item):
        return max(item.updated_at, item.published_at)

    def get_latest_lastmod(self):
        # Django's default walks every item; one aggregate does for the index.
        return Article.objects.published().aggregate(
            latest=Max(Greatest("updated_at", "published_at"))
        )["latest"]


class TagSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return (
            Tag.objects.annotate(latest=Max("articles__published_at", filter=_public()))
            .filter(latest__isnull=False)
            .only("slug")
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.latest


class AuthorSitemap(TagSitemap):
    def items(self):
        return (
            Author.objects.annotate(latest=Max("articles__published_at", filter=_public()))
            .filter(latest__isnull=False)
            .only("slug")
            .order_by("slug")
        )


class PagesSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["articles:list"]

    def location(self, item):
        return reverse(item)


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": PagesSitemap,
    "articles": ArticleSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
