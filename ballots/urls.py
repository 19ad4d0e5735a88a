"""The ballots app's own pages: branch contacts' signed-link reporting,
petitions, and members' own 'I've voted' reports."""

from django.urls import path

from ballots import views
from ballots.petitions import views as petitions
from ballots.pledges import views as pledges

app_name = "ballots"

urlpatterns = [
    path("ballots/report/", views.contact_report, name="contact_report"),
    path("ballots/<int:pk>/voted/", pledges.pledge_form, name="pledge_form"),
    path("ballots/<int:pk>/voted/sent/", pledges.pledge_sent, name="pledge_sent"),
    path("ballots/voted/<str:token>/", pledges.pledge_confirm, name="pledge_confirm"),
    path("petitions/confirm/<str:token>/", petitions.petition_confirm, name="petition_confirm"),
    path("petitions/<slug:slug>/", petitions.petition_detail, name="petition_detail"),
    path("petitions/<slug:slug>/sign/", petitions.petition_sign, name="petition_sign"),
    path("petitions/<slug:slug>/sign/done/", petitions.petition_signed, name="petition_signed"),
]
