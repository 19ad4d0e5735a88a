"""The site's URLs plus two that fail, so the browser sees the 500 and 503 pages.

Used as ROOT_URLCONF (a settings override) by tests/browser/test_pages.py.
"""

from django.db import OperationalError
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("A bug, on purpose: the browser tests want the 500 page.")


def database_down(request):
    raise OperationalError("The database is down, on purpose: the 503 page.")


urlpatterns = [
    path("test-errors/broken/", broken),
    path("test-errors/database-down/", database_down),
    *site_urlpatterns,
]

handler500 = "core.security.server_error"
