"""Root URLs. Public paths are stable: they are shared and indexed."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core import security, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
    path("", include("members.urls")),
    path("", include("campaign.urls")),
    path("", include("ballots.urls")),
]

if settings.SERVE_MEDIA:
    # Uploads go through a view that sets nosniff, a sandbox CSP and attachment
    # downloads for anything but images and PDFs (never django's static()).
    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns.append(path(f"{media_prefix}/<path:path>", security.serve_media, name="media"))

# A database outage answers 503 "try again" instead of a 500 (core.security).
handler500 = "core.security.server_error"
