from django.conf import settings
from django.urls import NoReverseMatch

from campaign.links import reverser

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


def _nav() -> dict:
    url, links = reverser(), {}
    for key, name in NAV.items():
        try:
            links[key] = url(name)
        except NoReverseMatch:  # an app that is switched off: no link
            links[key] = None
    return links


def site(request):
    """Expose the site's name, absolute base URL and navigation links to every template.

    The links are reversed once per URLconf and script prefix (``campaign.links``),
    not on every page.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "nav": _nav(),
    }
