"""The demo articles: realistic, publishable, idempotent, and fast in bulk."""

import pytest

from articles import demo
from articles.models import Article, Author, Tag
from articles.rendering import render

pytestmark = pytest.mark.django_db


def test_demo_articles_are_publishable_and_searchable():
    result = demo.load(articles=40)
    assert result["articles"] == 40
    assert Article.objects.published().count() == 40
    assert Author.objects.exclude(bio="").count() >= 6
    assert Tag.objects.filter(slug="pay").exists()
    for article in Article.objects.all():
        assert render(article.body_markdown).problems == [], article.title
        assert article.authors.exists()
        assert article.tags.exists()
    assert Article.objects.filter(search_vector="turnout").exists()
    assert Article.objects.filter(body_html__contains="<caption>").count() >= 20


def test_demo_twice_adds_nothing():
    demo.load(articles=40)
    assert demo.load(articles=40)["articles"] == 0
    assert Article.objects.count() == 40


def test_demo_bulk_size_makes_unique_articles():
    demo.load(articles=500)
    assert Article.objects.count() == 500
    assert Article.objects.filter(search_vector__isnull=True).count() == 0
