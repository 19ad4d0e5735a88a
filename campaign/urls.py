"""Public pages of the election campaign, and the home page."""

from django.urls import path

from campaign import calendar, views

app_name = "campaign"

urlpatterns = [
    path("", views.home, name="home"),
    path("elections/", views.election_list, name="election_list"),
    path(
        "elections/nominations-sheet/", views.nominations_sheet, name="national_nominations_sheet"
    ),
    path(
        "elections/nominations-sheet/<slug:group_code>/",
        views.nominations_sheet,
        name="nominations_sheet",
    ),
    path("elections/<slug:slug>/", views.slate, name="slate"),
    path("elections/<slug:slug>/og.png", views.og_image, name="og_image"),
    path("elections/<slug:slug>/report/", views.report, name="report"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
]
