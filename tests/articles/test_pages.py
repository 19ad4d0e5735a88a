"""The public reading pages: content, visibility, and a fixed number of queries."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction
from articles.services import article_save
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_article_page_shows_everything_a_reader_needs(client):
    author = AuthorFactory(name="Sam Okoro", bio="AO in a Leeds jobcentre.")
    tag = TagFactory(name="Pay", slug="pay")
    article = ArticleFactory(
        title="Our pay claim",
        standfirst="Why we want more.",
        body_markdown="Table: Pay by grade\n\n| Grade | Pay |\n| --- | ---: |\n| AA | £24,100 |\n",
        authors=[author],
        tags=[tag],
    )
    Correction.objects.create(article=article, note="We gave the wrong date for the AGM.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<h1 class="p-name">Our pay claim</h1>' in html
    assert "Why we want more." in html
    assert "Sam Okoro" in html
    assert "AO in a Leeds jobcentre." in html
    assert "minute to read" in html
    assert 'href="/tags/pay/"' in html
    assert "We gave the wrong date" in html
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Pay by grade">' in html
    assert "<caption>Pay by grade</caption>" in html
    assert 'property="og:title" content="Our pay claim"' in html
    assert 'name="twitter:card"' in html
    assert 'property="article:published_time"' in html
    assert '<script type="application/ld+json">' in html
    assert (
        f'<link rel="canonical" href="http://127.0.0.1:8000{article.get_absolute_url()}">' in html
    )


def test_json_ld_cannot_be_broken_out_of(client):
    """A title containing </script> stays inside the JSON-LD data."""
    article = ArticleFactory(title="Pay </script><script>alert(1)</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == 1


def test_script_in_markdown_never_reaches_the_page(client):
    article = ArticleFactory(
        body_markdown='<script>alert("x")</script>\n\n[click](javascript:alert(1))\n\n'
        "<img src=x onerror=alert(1)>"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    body = html.split('class="article__body e-content">')[1].split("</div>")[0]
    assert "<script" not in body
    assert "javascript:" not in body.replace("[click](javascript:alert(1))", "")
    assert "<img" not in body
    assert "&lt;script&gt;" in body


@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_unpublished_articles_are_404_for_the_public(client, status):
    article = ArticleFactory(status=status, published_at=timezone.now() + timedelta(days=1))
    assert client.get(article.get_absolute_url()).status_code == 404


def test_withdrawn_article_is_gone(client):
    article = ArticleFactory()
    article.status = Article.Status.WITHDRAWN
    article_save(article=article)
    assert client.get(article.get_absolute_url()).status_code == 410
    assert article.title not in client.get(reverse("articles:list")).content.decode()


def test_organiser_sees_draft_and_the_page_is_not_shared_cached(client):
    from tests.factories import UserFactory

    article = ArticleFactory(status="draft", published_at=None)
    client.force_login(UserFactory())
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Preview." in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_draft_needs_an_organiser_who_passed_two_factor_login(client, two_factor_on):
    """A password alone (a staff session that has not given its TOTP code) shows no draft."""
    from tests.factories import UserFactory
    from tests.two_factor import verified_login

    article = ArticleFactory(status="draft", published_at=None, title="Strike plans")
    organiser = UserFactory()
    client.force_login(organiser)
    assert client.get(article.get_absolute_url()).status_code == 404
    verified_login(client, organiser)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_scheduled_article_appears_when_its_time_comes_without_any_job(client):
    when = timezone.now() + timedelta(hours=2)
    article = ArticleFactory(status="scheduled", published_at=when, title="Ballot opens")
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Ballot opens" not in client.get(reverse("articles:list")).content.decode()
    with time_machine.travel(when + timedelta(minutes=1)):
        assert client.get(article.get_absolute_url()).status_code == 200
        assert "Ballot opens" in client.get(reverse("articles:list")).content.decode()


def test_list_is_paginated_by_twenty_with_real_links(client, many_articles):
    html = client.get(reverse("articles:list")).content.decode()
    assert html.count('class="article-item"') == 20
    assert 'rel="next" href="?page=2"' in html
    page2 = client.get(reverse("articles:list") + "?page=2").content.decode()
    assert 'rel="prev" href="/articles/"' in page2
    assert client.get(reverse("articles:list") + "?page=999").status_code == 404
    assert client.get(reverse("articles:list") + "?page=abc").status_code == 404


def test_last_archive_page_has_no_older_link_and_the_one_after_is_404(client, many_articles):
    """300 articles make exactly 15 pages: the 15th has no "Older", the 16th does not exist."""
    last = client.get(reverse("articles:list") + "?page=15").content.decode()
    assert last.count('class="article-item"') == 20
    assert "Branch report 299" in last
    assert 'rel="next"' not in last
    assert 'rel="prev" href="?page=14"' in last
    assert '<li aria-current="page">Page 15</li>' in last
    assert client.get(reverse("articles:list") + "?page=16").status_code == 404
    first = client.get(reverse("articles:list")).content.decode()
    assert 'rel="prev"' not in first
    assert '<li aria-current="page">Page 1</li>' in first


def test_tag_and_author_archives(client, many_articles):
    tag = many_articles["tags"][0]
    author = many_articles["authors"][0]
    html = client.get(tag.get_absolute_url()).content.decode()
    assert f"<h1>{tag.name}</h1>" in html
    assert f'href="http://127.0.0.1:8000/tags/{tag.slug}/feed/"' in html
    html = client.get(author.get_absolute_url()).content.decode()
    assert f"<h1>{author.name}</h1>" in html
    assert author.bio in html
    assert client.get("/tags/nope/").status_code == 404
    assert client.get("/authors/nope/").status_code == 404


def test_article_page_links_previous_next_and_related(client):
    tag = TagFactory()
    now = timezone.now()
    older = ArticleFactory(published_at=now - timedelta(days=3), tags=[tag])
    middle = ArticleFactory(published_at=now - timedelta(days=2), tags=[tag])
    newer = ArticleFactory(published_at=now - timedelta(days=1))
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'href="{older.get_absolute_url()}" rel="prev"' in html
    assert f'href="{newer.get_absolute_url()}" rel="next"' in html
    related = html.split('id="related-title"')[1]
    assert older.title in related
    assert newer.title not in related


def test_a_draft_preview_shows_related_articles_but_no_previous_or_next(client):
    from articles.models import PreviewLink

    tag = TagFactory()
    public = ArticleFactory(published_at=timezone.now() - timedelta(days=1), tags=[tag])
    draft = ArticleFactory(status="draft", published_at=None, tags=[tag])
    link = PreviewLink.objects.create(article=draft)
    html = client.get(link.get_absolute_url()).content.decode()
    assert public.title in html.split('id="related-title"')[1]
    assert 'rel="prev"' not in html
    assert 'rel="next"' not in html


def test_list_items_escape_titles_names_and_tags_exactly_once(client):
    author = AuthorFactory(name="Siân O'Brien & Co")
    tag = TagFactory(name="Pay <and> conditions")
    ArticleFactory(
        title="Why <b>we</b> said no",
        standfirst="Offer & counter-offer",
        authors=[author],
        tags=[tag],
    )
    html = client.get(reverse("articles:list")).content.decode()
    item = html.split('class="article-item"')[1]
    assert "Why &lt;b&gt;we&lt;/b&gt; said no" in item
    assert "· by Siân O&#x27;Brien &amp; Co" in item
    assert "Offer &amp; counter-offer" in item
    assert f'<a href="{tag.get_absolute_url()}">Pay &lt;and&gt; conditions</a>' in item
    assert "&amp;amp;" not in item
    assert "&amp;#x27;" not in item


def test_home_lists_latest_and_calls_to_action(client, many_articles):
    html = client.get("/").content.decode()
    newest = Article.objects.published().first()
    assert newest.title in html
    assert "Latest articles" in html
    assert "<script" not in html


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "list",
        "tag",
        "author",
        "detail",
        "search",
        "feed",
        "tag_feed",
        "sitemap",
        "sitemap_articles",
        "sitemap_tags",
    ],
)
def test_public_pages_run_a_fixed_number_of_queries(
    client, many_articles, django_assert_max_num_queries, name
):
    """Hundreds of articles, and each page still runs a handful of queries."""
    article = many_articles["articles"][150]
    tag, author = many_articles["tags"][2], many_articles["authors"][1]
    url = {
        "home": "/",
        "list": reverse("articles:list") + "?page=3",
        "tag": tag.get_absolute_url(),
        "author": author.get_absolute_url(),
        "detail": article.get_absolute_url(),
        "search": reverse("articles:search") + "?q=branch+report",
        "feed": reverse("articles:feed"),
        "tag_feed": reverse("articles:tag_feed", kwargs={"slug": tag.slug}),
        "sitemap": reverse("articles:sitemap"),
        "sitemap_articles": "/sitemap-articles.xml",
        "sitemap_tags": "/sitemap-tags.xml",
    }[name]
    # The version stamp, then one query for the page's articles with their
    # authors and tags (the article page brings previous/next and related in
    # it too); archives add their tag or author (and count nothing), search
    # its excerpts, home the current election.
    limit = {
        "home": 3,
        "list": 2,
        "tag": 3,
        "author": 3,
        "detail": 2,
        "search": 3,
        "feed": 2,
        "tag_feed": 3,
        "sitemap": 8,  # the index counts each section's pages: elections' too
        "sitemap_articles": 3,
        "sitemap_tags": 3,
    }[name]
    if name in ("detail", "home", "list", "tag", "author", "feed", "tag_feed", "search"):
        # The article's meta tags and content, the home page's latest articles
        # an archive page's items and a feed are built once per version of the articles
        # (fragments, read and stored in the shared cache); then the page reads them.
        with django_assert_max_num_queries(limit + 15):
            client.get(url)
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200


def test_home_calls_to_action_follow_the_election_calendar(client):
    """Join always; nominate until nominations close; then vote while the ballot is open."""
    import datetime

    from tests.campaign.factories import ElectionFactory

    election = ElectionFactory(name="NEC 2027", slug="nec-2027")
    with time_machine.travel(datetime.datetime(2027, 2, 1, 12, tzinfo=datetime.UTC)):
        first = client.get("/")
        html = first.content.decode()
        assert 'href="/join/"' in html
        assert "Nominate our candidates for NEC 2027" in html
        assert f'href="{election.get_absolute_url()}"' in html
        assert client.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with time_machine.travel(datetime.datetime(2027, 4, 10, 12, tzinfo=datetime.UTC)):
        response = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert response.status_code == 200
        assert "Vote for our slate in NEC 2027" in response.content.decode()
    with time_machine.travel(datetime.datetime(2027, 6, 1, 12, tzinfo=datetime.UTC)):
        html = client.get("/").content.decode()
        assert "NEC 2027" not in html


def test_wordpress_style_query_on_home_redirects(client):
    from articles.models import Redirect

    article = ArticleFactory()
    Redirect.objects.create(old_path="/?p=77", article=article)
    response = client.get("/?p=77")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert client.get("/?p=78").status_code == 200
    assert client.get("/?p=abc").status_code == 200


def test_listed_authors_and_tags_match_with_and_without_for_listing():
    author, tag = AuthorFactory(), TagFactory()
    article = ArticleFactory(authors=[author], tags=[tag])
    listed = Article.objects.for_listing().get(pk=article.pk)
    plain = Article.objects.get(pk=article.pk)
    assert [a.slug for a in listed.listed_authors] == [a.slug for a in plain.listed_authors]
    assert [t.slug for t in listed.listed_tags] == [t.slug for t in plain.listed_tags] == [tag.slug]


@pytest.mark.parametrize("page", ["²", "٣", "0", "-1", "1e3", "99999999999999999999"])
def test_page_numbers_that_are_not_a_page_are_404_not_500(client, page):
    """ "²" passes str.isdigit() yet int() refuses it; a page far enough out would
    overflow the database's OFFSET."""
    tag = TagFactory()
    ArticleFactory().tags.add(tag)
    for url in (reverse("articles:list"), tag.get_absolute_url(), reverse("articles:search")):
        assert client.get(url, {"page": page, "q": "pay"}).status_code == 404, url
    assert client.get("/", {"p": page}).status_code == 200  # not an old WordPress address
