"""Public pages of the election campaign and of events, and the home page."""

from django.urls import path

from campaign import calendar, views
from campaign.events import views as events

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
    path("events/", events.event_list, name="event_list"),
    path("events/feed.ics", events.event_feed, name="event_feed"),
    path("events/cancel/<str:token>/", events.event_cancel, name="event_cancel"),
    path("events/<slug:slug>/", events.event_detail, name="event_detail"),
    path("events/<slug:slug>/event.ics", events.event_ical, name="event_ical"),
    path("events/<slug:slug>/reply/", events.event_rsvp, name="event_rsvp"),
    path("events/<slug:slug>/reply/done/", events.event_rsvp_done, name="event_rsvp_done"),
]
