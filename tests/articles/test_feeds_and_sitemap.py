"""Atom feeds (valid, full content, absolute links) and the sitemap."""

from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.sitemaps import SITEMAPS
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_feed_is_valid_atom_with_full_content(client):
    author = AuthorFactory(name="Jo Bell")
    tag = TagFactory(name="Pay", slug="pay")
    ArticleFactory(
        title="Pay news",
        body_markdown="Read [the claim](/articles/claim/).\n\n**Bold** words.",
        authors=[author],
        tags=[tag],
    )
    ArticleFactory(status="draft", published_at=None, title="Secret draft")
    response = client.get(reverse("articles:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Pay news"]
    entry = feed.entries[0]
    assert entry.link.startswith("http://testserver/articles/")
    assert "<strong>Bold</strong>" in entry.content[0].value
    assert 'href="http://127.0.0.1:8000/articles/claim/"' in entry.content[0].value
    assert entry.author == "Jo Bell"
    assert [t.term for t in entry.tags] == ["Pay"]


def test_tag_feed_lists_only_that_tag(client):
    pay, ballots = TagFactory(slug="pay"), TagFactory(slug="ballots")
    ArticleFactory(title="About pay", tags=[pay])
    ArticleFactory(title="About ballots", tags=[ballots])
    feed = feedparser.parse(client.get(reverse("articles:tag_feed", args=["pay"])).content)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["About pay"]
    assert client.get(reverse("articles:tag_feed", args=["nope"])).status_code == 404


def test_sitemap_lists_public_articles_tags_and_authors(client):
    tag, author = TagFactory(slug="pay"), AuthorFactory(slug="jo")
    public = ArticleFactory(tags=[tag], authors=[author])
    draft = ArticleFactory(status="draft", published_at=None)
    ArticleFactory(status="scheduled", published_at=timezone.now() + timedelta(days=1))
    TagFactory(slug="empty")
    index = client.get("/sitemap.xml").content.decode()
    assert "<sitemapindex" in index
    for section in ("articles", "tags", "authors", "pages"):
        assert f"http://testserver/sitemap-{section}.xml" in index
    xml = "".join(
        client.get(f"/sitemap-{section}.xml").content.decode()
        for section in ("articles", "tags", "authors")
    )
    assert f"http://testserver{public.get_absolute_url()}" in xml
    assert draft.get_absolute_url() not in xml
    assert "/tags/pay/" in xml
    assert "/authors/jo/" in xml
    assert "/tags/empty/" not in xml
    assert "<lastmod>" in xml


def test_sitemap_sections_can_be_extended_by_other_apps(client):
    from django.contrib.sitemaps import Sitemap

    class Extra(Sitemap):
        def items(self):
            return ["x"]

        def location(self, item):
            return "/elections/nec-2027/"

    SITEMAPS["extra"] = Extra
    try:
        assert "/sitemap-extra.xml" in client.get("/sitemap.xml").content.decode()
        assert "/elections/nec-2027/" in client.get("/sitemap-extra.xml").content.decode()
    finally:
        del SITEMAPS["extra"]


def test_a_kept_feed_is_the_built_one_until_an_article_changes(client):
    """The feed is written once per version of the articles: the same bytes and
    Last-Modified from the kept copy, and a new article shows at once."""
    ArticleFactory(title="First in the feed")
    built = client.get(reverse("articles:feed"))
    kept = client.get(reverse("articles:feed"))
    assert kept.content == built.content
    assert kept["Last-Modified"] == built["Last-Modified"]
    assert kept["Content-Type"] == built["Content-Type"]
    ArticleFactory(title="Second in the feed")
    assert b"Second in the feed" in client.get(reverse("articles:feed")).content
