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
    assert "paragraph 31" in kinds["union"].special_category
    assert "paragraph 31" in kinds["faction"].special_category


def test_registry_covers_campaign_and_account_data():
    kinds = {k.key: k for k in privacy.registry()}
    assert set(kinds) == {
        "contact",
        "union",
        "faction",
        "broadcasts",
        "mover",
        "event_replies",
        "petition_signatures",
        "vote_pledges",
        "candidates",
        "branch_contacts",
        "other_candidates",
        "authors",
        "organisers",
    }
    for kind in kinds.values():
        assert all((kind.about, kind.items, kind.purpose, kind.lawful_basis)), kind.key
        assert all((kind.retention, kind.who_sees)), kind.key
    # reserved seats reveal race, health, sex or sexual orientation: special category
    candidates = kinds["candidates"]
    assert any("reserved seats" in item for item in candidates.items)
    assert "Article 9(2)(a)" in candidates.special_category
    assert any("photo" in item for item in candidates.items)
    assert any("email address" in item for item in kinds["branch_contacts"].items)
    assert "paragraph 31" in kinds["mover"].special_category
    # where nothing deletes the data by itself, the page says so
    for key in ("mover", "candidates", "other_candidates", "authors"):
        assert "no automatic deletion" in kinds[key].retention.lower()


def test_the_page_lists_the_campaign_kinds(client):
    html = client.get("/privacy/").content.decode()
    for heading in (
        "Our candidates",
        "Branch contacts",
        "Moving our nominations at your branch meeting",
        "Other candidates nominated by branches",
        "Authors of articles",
        "Organisers&#x27; accounts",
    ):
        assert f">{heading}</h2>" in html
    assert "Black, disabled, women or LGBT+ members" in html
    assert "People who stand on our slate in a union election" in html


def test_retention_follows_settings(settings):
    settings.RETENTION_DAYS = {
        **settings.RETENTION_DAYS,
        "unconfirmed_signups": 12,
        "left_members": 99,
        "signed_links": 45,
        "audit_events": 400,
    }
    kinds = {k.key: k for k in privacy.registry()}
    assert "Deleted 12 days after you sign up" in kinds["contact"].retention
    assert "deleted 99 days after you leave" in kinds["contact"].retention
    assert "99 days after you leave" in kinds["mover"].retention
    assert "deleted with your link 45 days after it expires" in kinds["branch_contacts"].retention
    assert "Audit entries are deleted after 400 days" in kinds["organisers"].retention
