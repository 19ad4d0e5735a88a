"""Root URLs. Public paths are stable: they are shared and indexed."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from campaign import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
    path("", include("members.urls")),
    path("", include("campaign.election_urls")),
    path("", include("ballots.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
