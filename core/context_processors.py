from django.conf import settings

from core.links import reverser


def site(request):
    """Expose the site's name, absolute base URL and navigation links to every template.

    The links (``settings.SITE_NAVIGATION``: key -> URL name) are reversed once
    per URLconf and script prefix (``core.links``), not on every page.
    """
    url = reverser()
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "nav": {key: url(name) for key, name in settings.SITE_NAVIGATION.items()},
    }
