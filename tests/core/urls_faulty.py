"""The real URLs plus views that fail the way a database outage does (for tests)."""

from django.db import InterfaceError, OperationalError
from django.urls import path

from config.urls import handler500
from config.urls import urlpatterns as real_urlpatterns


def db_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def connection_closed(request):
    raise InterfaceError("connection already closed")


def plain_bug(request):
    raise ValueError("a bug")


urlpatterns = [
    path("fault/db-gone/", db_gone),
    path("fault/connection-closed/", connection_closed),
    path("fault/bug/", plain_bug),
    *real_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
