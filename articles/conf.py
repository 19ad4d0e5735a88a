"""Settings for the articles app, each with a default (override in settings.py)."""

from django.conf import settings

#: Articles on each list page (/articles/, tag and author archives).
PAGE_SIZE = getattr(settings, "ARTICLES_PAGE_SIZE", 20)
#: Results on each search page: each has an excerpt, made for it by the database.
SEARCH_PAGE_SIZE = getattr(settings, "ARTICLES_SEARCH_PAGE_SIZE", 10)
#: Seconds a shared cache (CDN, proxy) may keep a public page.
CACHE_MAX_AGE = getattr(settings, "ARTICLES_CACHE_MAX_AGE", 60)
#: Widths, in pixels, of the lead image renditions offered in srcset.
IMAGE_WIDTHS = tuple(getattr(settings, "ARTICLES_IMAGE_WIDTHS", (480, 800, 1200)))
#: Days a new preview link works for.
PREVIEW_DAYS = getattr(settings, "ARTICLES_PREVIEW_DAYS", 7)
#: Articles in each feed.
FEED_SIZE = getattr(settings, "ARTICLES_FEED_SIZE", 20)
