"""The campaign's sections of the sitemap (added to articles.sitemaps.SITEMAPS)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from campaign.models import Election


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["campaign:home", "campaign:election_list"]

    def location(self, item):
        return reverse(item)


class ElectionSitemap(Sitemap):
    """Every published slate page (one query)."""

    changefreq = "daily"
    priority = 0.8

    def items(self):
        # No lastmod: the sitemap index would read every election again for the newest.
        return Election.objects.published().only("slug").order_by("-ballot_opens")
