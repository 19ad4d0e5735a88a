"""The articles app's settings, read once (values and reasons in config/settings.py)."""

from django.conf import settings

PAGE_SIZE = settings.ARTICLES_PAGE_SIZE
SEARCH_PAGE_SIZE = settings.ARTICLES_SEARCH_PAGE_SIZE
CACHE_MAX_AGE = settings.ARTICLES_CACHE_MAX_AGE
IMAGE_WIDTHS = tuple(settings.ARTICLES_IMAGE_WIDTHS)
PREVIEW_DAYS = settings.ARTICLES_PREVIEW_DAYS
FEED_SIZE = settings.ARTICLES_FEED_SIZE
