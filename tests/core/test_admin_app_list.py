"""The admin's app list (its sidebar) is kept per role and permissions, and follows both."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import User
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def _models(client) -> set[str]:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return {m["object_name"] for app in response.context["available_apps"] for m in app["models"]}


def test_the_app_list_follows_a_change_of_permissions_and_of_role(client):
    group = GroupFactory()
    organiser = UserFactory(role=User.Role.GROUP, group=group)
    client.force_login(organiser)
    before = _models(client)
    assert "Article" not in before  # a group organiser holds no article permission
    organiser.user_permissions.add(Permission.objects.get(codename="view_article"))
    assert "Article" in _models(client)
    # Third-party admins are national-only: the same permissions with another role
    # (user accounts, two-factor devices) show only to a national organiser.
    assert "User" not in before
    organiser.role, organiser.group = User.Role.NATIONAL, None
    organiser.save()
    client.force_login(organiser)
    assert "User" in _models(client)


def test_organisers_with_the_same_role_and_permissions_share_one_app_list(client):
    admin.site._app_lists.clear()
    group = GroupFactory()
    for username in ("one", "two"):
        client.force_login(UserFactory(username=username, role=User.Role.GROUP, group=group))
        _models(client)
    kept = [key for key in admin.site._app_lists if key[0] is None]
    assert len(kept) == 1


def _sidebar(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<nav class="sticky" id="nav-sidebar"')
    return html[start : html.index("</nav>", start)]


def test_the_kept_sidebar_marks_the_current_page_and_follows_permissions(client):
    organiser = UserFactory(role=User.Role.GROUP, group=GroupFactory())
    client.force_login(organiser)
    nominations = reverse("admin:campaign_nomination_changelist")
    meetings = reverse("admin:campaign_branchmeeting_changelist")
    on_nominations = _sidebar(client, nominations)
    assert f'<a href="{nominations}" aria-current="page">' in on_nominations
    assert f'<a href="{meetings}">' in on_nominations
    on_meetings = _sidebar(client, meetings)
    assert f'<a href="{meetings}" aria-current="page">' in on_meetings
    assert f'<a href="{nominations}">' in on_meetings
    articles = reverse("admin:articles_article_changelist")
    assert articles not in on_meetings
    organiser.user_permissions.add(Permission.objects.get(codename="view_article"))
    assert articles in _sidebar(client, meetings)
