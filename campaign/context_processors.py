from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

#: The pages the site header and footer link to, by URL name.
NAV = {
    "home": "articles:home",
    "articles": "articles:list",
    "search": "articles:search",
    "feed": "articles:feed",
    "join": "members:join",
    "privacy": "members:privacy",
    "elections": "campaign:election_list",
}


@lru_cache(maxsize=16)
def _nav_urls(urlconf, prefix) -> dict:
    urls = {}
    for key, name in NAV.items():
        try:
            urls[key] = reverse(name, urlconf=urlconf)
        except NoReverseMatch:  # an app that is switched off: no link
            urls[key] = None
    return urls


@receiver(setting_changed)
def _forget_nav(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _nav_urls.cache_clear()


def site(request):
    """Expose the site's name, absolute base URL and navigation links to every template.

    The links are reversed once per URLconf and script prefix, not on every page.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "nav": _nav_urls(get_urlconf(), get_script_prefix()),
    }
