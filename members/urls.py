from django.urls import path

from members import views
from members.broadcasts import views as broadcast_views

app_name = "members"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/check-your-email/", views.join_check_email, name="join_check_email"),
    path("join/confirm/<str:token>/", views.join_confirm, name="join_confirm"),
    path("join/welcome/", views.join_welcome, name="join_welcome"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("me/erased/", views.erased, name="erased"),
    path("unsubscribe/<str:token>/", broadcast_views.unsubscribe, name="unsubscribe"),
    path("me/links-cancelled/", views.links_cancelled, name="links_cancelled"),
    path("me/<str:token>/", views.manage, name="manage"),
    path("me/<str:token>/consent/", views.manage_consent, name="manage_consent"),
    path(
        "me/<str:token>/my-data.json",
        views.manage_download,
        {"fmt": "json"},
        name="manage_download_json",
    ),
    path(
        "me/<str:token>/my-data.csv",
        views.manage_download,
        {"fmt": "csv"},
        name="manage_download_csv",
    ),
    path("me/<str:token>/erase/", views.manage_erase, name="manage_erase"),
    path("me/<str:token>/cancel-links/", views.manage_cancel_links, name="manage_cancel_links"),
]
