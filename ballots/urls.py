"""The ballots app's own pages: branch contacts' signed-link reporting."""

from django.urls import path

from ballots import views

app_name = "ballots"

urlpatterns = [
    path("ballots/report/", views.contact_report, name="contact_report"),
]
