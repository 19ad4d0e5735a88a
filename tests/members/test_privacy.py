"""The privacy page is generated from the registry in members/privacy.py."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from members import privacy

pytestmark = pytest.mark.django_db


def test_privacy_page_shows_every_registry_entry(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get("/privacy/")
    html = response.content.decode()
    assert response.status_code == 200
    for kind in privacy.registry():
        assert escape(kind.name) in html
        assert escape(kind.purpose) in html
        assert escape(kind.lawful_basis) in html
        assert escape(kind.retention) in html
    assert "Schedule 1, paragraph 31" in html
    assert reverse("members:privacy") == "/privacy/"


def test_union_and_faction_data_carry_the_art9_condition():
    kinds = {k.key: k for k in privacy.registry()}
    assert set(kinds) == {"contact", "union", "faction"}
    assert "paragraph 31" in kinds["union"].special_category
    assert "paragraph 31" in kinds["faction"].special_category


def test_retention_follows_settings(settings):
    settings.RETENTION_DAYS = {"unconfirmed_signups": 12, "left_members": 99}
    contact = privacy.registry()[0]
    assert "Deleted 12 days after you sign up" in contact.retention
    assert "deleted 99 days after you leave" in contact.retention
