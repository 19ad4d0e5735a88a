"""Public pages of the election campaign (the campaign app's own URLs)."""

from django.urls import path

from campaign import public_views

app_name = "campaign"

urlpatterns = [
    path(
        "elections/nominations-sheet/<slug:group_code>/",
        public_views.nominations_sheet,
        name="nominations_sheet",
    ),
    path("elections/<slug:slug>/", public_views.slate, name="slate"),
    path("elections/<slug:slug>/og.png", public_views.og_image, name="og_image"),
    path("elections/<slug:slug>/report/", public_views.report, name="report"),
]
