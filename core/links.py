"""Reversed URLs, remembered per URLconf and script prefix.

A list page links twenty articles and their tags, and every page links the
same header and footer pages: reversing each link on each request cost more
than the page's query.
"""

from functools import lru_cache, partial

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=20_000)
def _reverse(urlconf, prefix, name, slug=None):
    return reverse(name, urlconf=urlconf, kwargs=None if slug is None else {"slug": slug})


def reverser():
    """Return ``url(name, slug=None)``, ``reverse()`` remembered; for many links at
    once, since the URLconf and prefix are looked up here, once."""
    return partial(_reverse, get_urlconf(), get_script_prefix())


def cached_reverse(name: str, slug: str | None = None) -> str:
    return reverser()(name, slug)


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
