"""Conditional GET: ETag/Last-Modified, 304, a short shared cache, fresh after a save."""

import pytest
from django.urls import reverse

from articles.services import article_save
from tests.articles.factories import ArticleFactory

pytestmark = pytest.mark.django_db

URLS = ["/", "/articles/", "/feed/", "/sitemap.xml", "/search/?q=pay"]


@pytest.mark.parametrize("url", URLS)
def test_public_pages_send_validators_and_shared_cache_headers(client, url):
    ArticleFactory()
    response = client.get(url)
    assert response.status_code == 200
    assert response.has_header("ETag")
    # The home page also follows the election calendar, which a date cannot express.
    assert response.has_header("Last-Modified") == (url != "/")
    assert "public" in response["Cache-Control"]
    assert "max-age=" in response["Cache-Control"]


def test_conditional_request_gets_304_until_an_article_is_saved(client):
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    article.title = "A new title"
    article_save(article=article)
    fresh = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert "A new title" in fresh.content.decode()


def test_deleting_an_article_changes_the_etag(client):
    keep, gone = ArticleFactory(), ArticleFactory()
    etag = client.get(reverse("articles:list"))["ETag"]
    gone.delete()
    assert client.get(reverse("articles:list"), HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert keep
