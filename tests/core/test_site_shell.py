"""The shell every public page shares, /healthz and /robots.txt."""

import re
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_ok_when_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_503_when_database_does_not_answer(client):
    """A load balancer must take an app server out when its database is gone."""
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503


def test_healthz_answers_a_health_check_by_internal_address_over_http(client, settings):
    """Docker and load balancers call http://<container address>/healthz: neither an
    allowed host nor HTTPS, so no 400 and no redirect."""
    settings.ALLOWED_HOSTS = ["rankandfile.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="172.18.0.5:8000")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert client.get("/", HTTP_HOST="172.18.0.5:8000").status_code == 400


def test_base_template_landmarks_and_skip_link(client):
    """Pages have a skip link to main, a labelled nav, and self-hosted CSS only."""
    html = client.get("/").content.decode()
    assert '<html lang="en-GB">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert "<footer" in html
    assert 'name="viewport"' in html
    external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert all(url.startswith(settings.SITE_URL) for url in external), external
    assert "<script" not in html


def test_robots_txt_points_at_sitemap_and_hides_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body
