"""Full-text search: stored vector, web syntax, ranking, safe highlights."""

import pytest
from django.urls import reverse

from articles.models import Article
from articles.selectors import highlight
from articles.services import article_save, tag_save
from tests.articles.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db


def _search(client, q, **extra):
    return client.get(reverse("articles:search"), {"q": q, **extra})


def test_title_match_ranks_above_body_match(client):
    body_only = ArticleFactory(title="Branch news", body_markdown="The turnout was strong.")
    title = ArticleFactory(title="Turnout in the ballot", body_markdown="Members voted.")
    html = _search(client, "turnout").content.decode()
    assert html.index(title.title) < html.index(body_only.title)


def test_body_only_matches_rank_by_heading_then_newest(client):
    """Ranking reads only the title, standfirst and tags: body matches come newest first."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    older_body = ArticleFactory(
        title="Report A", body_markdown="Casework. " * 30, published_at=now - timedelta(days=2)
    )
    newer_body = ArticleFactory(
        title="Report B", body_markdown="Casework once.", published_at=now - timedelta(days=1)
    )
    standfirst = ArticleFactory(
        title="Report C",
        standfirst="Casework in the tax offices.",
        body_markdown="x",
        published_at=now - timedelta(days=3),
    )
    html = _search(client, "casework").content.decode()
    order = [html.index(a.title) for a in (standfirst, newer_body, older_body)]
    assert order == sorted(order)


def test_search_pages_hold_ten_results(client, many_articles):
    html = _search(client, "branch").content.decode()
    assert html.count('class="article-item"') == 10
    last = _search(client, "branch", page="30").content.decode()
    assert last.count('class="article-item"') == 10
    assert "300 articles found" in last
    assert "<mark>" in last  # excerpts are made for a deep page's articles too
    assert _search(client, "branch", page="31").status_code == 404


def test_vector_is_stored_and_kept_current_on_save():
    article = ArticleFactory(body_markdown="Nothing special here.")
    assert not Article.objects.filter(search_vector="casework").exists()
    article.body_markdown = "Casework piles up in every office."
    article_save(article=article)
    assert Article.objects.filter(search_vector="casework").exists()
    article.title = "Casework crisis"
    article_save(article=article)
    assert Article.objects.filter(rank_vector="casework").exists()


def test_tags_are_searchable_and_renaming_a_tag_updates_vectors():
    tag = TagFactory(name="Picket lines")
    ArticleFactory(tags=[tag], body_markdown="Nothing here.")
    assert Article.objects.filter(search_vector="picket").count() == 1
    tag.name = "Strike pay"
    tag_save(tag=tag)
    assert Article.objects.filter(search_vector="picket").count() == 0
    assert Article.objects.filter(search_vector="strike").count() == 1
    assert Article.objects.filter(rank_vector="strike").count() == 1


def test_websearch_syntax_phrase_exclusion_and_or(client):
    ArticleFactory(title="Pay claim for London", body_markdown="x")
    ArticleFactory(title="Pay claim for Wales", body_markdown="x")
    ArticleFactory(title="Claim about pay", body_markdown="x")
    html = _search(client, '"pay claim" -london').content.decode()
    assert "Wales" in html
    assert "London" not in html.split('id="results"')[1]
    html = _search(client, "london or wales").content.decode()
    assert "2 articles found" in html


def test_stemming_finds_other_forms(client):
    ArticleFactory(title="Members balloted", body_markdown="x")
    assert "1 article found" in _search(client, "ballots").content.decode()


def test_excerpt_is_highlighted_and_article_text_cannot_inject_markup(client):
    ArticleFactory(
        title="Report",
        body_markdown="The <b>turnout</b> figure was <script>alert(1)</script> low.",
    )
    html = _search(client, "turnout").content.decode()
    assert "<mark>turnout</mark>" in html
    assert "<script>alert" not in html
    assert "<b>" not in html.split('id="results"')[1]


def test_highlight_escapes_everything_but_the_marks():
    out = highlight('a <img src=x onerror=1> \x02pay\x03 "b"')
    assert out == "a &lt;img src=x onerror=1&gt; <mark>pay</mark> &quot;b&quot;"


EMPTY_HINT = "Type a few words above: a grade (“EO”), a department (“HMRC”)"
NO_RESULTS = "No articles found for"


@pytest.mark.parametrize("q", ["", "   ", "\x00\x01"])
def test_empty_query_gets_a_hint_on_what_to_type(client, q):
    ArticleFactory()
    response = _search(client, q)
    assert response.status_code == 200
    html = response.content.decode()
    assert EMPTY_HINT in html
    assert NO_RESULTS not in html
    assert 'class="article-list"' not in html


@pytest.mark.parametrize(
    ("q", "shown"),
    [
        ("the and of", "the and of"),
        ("!!! ((( ", "!!! ((("),
        ('"', "&quot;"),
        ("-", "-"),
        ("a" * 500, "a" * 200),
        ("\x00xqzvbnm", "xqzvbnm"),
        ("<b>pay</b>xyzzy", "&lt;b&gt;pay&lt;/b&gt;xyzzy"),
    ],
)
def test_nonsense_query_says_nothing_matched_and_what_to_try(client, q, shown):
    ArticleFactory(title="Pay claim")
    response = _search(client, q)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{NO_RESULTS} “{shown}”" in html
    assert "Check the spelling, or try fewer or more general words." in html
    assert "Common words such as “the” and “of” are left out" in html
    assert "Search for a single word such as “ballot” or “turnout”." in html
    assert f'<a href="{reverse("articles:list")}">browse all articles</a>' in html
    assert EMPTY_HINT not in html
    assert "Pay claim" not in html
    # The query stays in the box, to be corrected rather than typed again.
    assert f'name="q" value="{shown}"' in html


def test_search_is_paginated(client, many_articles):
    html = _search(client, "branch").content.decode()
    assert "300 articles found" in html
    assert 'href="?q=branch&amp;page=2"' in html
    assert _search(client, "branch", page="2").status_code == 200


def test_search_words_are_parsed_once_per_search_not_once_per_match(client):
    """A prepared statement's generic plan would call websearch_to_tsquery($1) for
    every row it ranks; as a subquery (an InitPlan) it runs once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ArticleFactory(title="Pay ballot result")
    with CaptureQueriesContext(connection) as queries:
        assert "Pay ballot result" in _search(client, "ballot").content.decode()
    ranked = next(q["sql"] for q in queries if "ts_rank" in q["sql"])
    assert "websearch_to_tsquery" in ranked
    assert ranked.count("websearch_to_tsquery") == ranked.count("(SELECT websearch_to_tsquery")
