"""The peers' side of the bench (bench/peers): what they are loaded with, and where their rows go.

Installing and serving the peers is the bench's own run (`make bench-peers`), not the suite's.
"""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from articles.models import Article
from bench.peers import place_rows
from bench.peers.articles import list_position, load_file, peer_articles
from bench.run.pages import Result, Row
from bench.run.report import print_beside_peers
from tests.articles.factories import ArticleFactory


@pytest.mark.django_db
def test_peers_get_the_newest_published_articles_as_a_stock_blog_post():
    """Newest first, published only; intro = standfirst, body = rendered HTML, date in UTC."""
    london = ZoneInfo("Europe/London")
    newest = ArticleFactory(title="Newest", published_at=datetime(2026, 7, 1, 9, 30, tzinfo=london))
    older = ArticleFactory(title="Older", published_at=datetime(2026, 1, 5, 8, 0, tzinfo=london))
    ArticleFactory(title="Draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(title="Scheduled", published_at=timezone.now() + timedelta(days=2))

    posts = json.loads(load_file(peer_articles()))

    assert [p["title"] for p in posts] == ["Newest", "Older"]
    assert posts[0]["slug"] == newest.slug
    assert posts[0]["intro"] == newest.standfirst
    assert posts[0]["body"] == newest.body_html
    assert "<h2" in posts[0]["body"]  # the rendered page, not the Markdown
    assert posts[0]["published_at"] == "2026-07-01 08:30:00"  # summer time, given in UTC
    assert posts[1]["published_at"] == older.published_at.astimezone(UTC).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    assert [a.title for a in peer_articles(count=1)] == ["Newest"]


def test_list_position_is_our_list_pages_first_article_within_what_peers_hold():
    """Our page 50 of 20 a page starts at the 981st article; fewer articles: the peer's last."""
    assert list_position(50, 20, 1000) == 980  # Wagtail's page 50 (20 a page), WordPress's 99
    assert list_position(1, 20, 1000) == 0
    assert list_position(50, 20, 400) == 399


def _rows():
    return [
        Row("static ceiling (whitenoise)", "/static/bench/article.html", public=False),
        Row("home", "/", kind="home"),
        Row("home, page cache off", "/", server="cold", kind="home"),
        Row("article page", "/a/", kind="article"),
        Row("article page, page cache off", "/a/", server="cold", kind="article"),
        Row("tag archive", "/t/"),
        Row("article list page 50", "/l/", kind="list"),
        Row("Atom feed", "/feed/"),
    ]


def _peer_rows(peer):
    return [
        Row(f"{peer} {kind}", f"/{peer}/{kind}", server=peer.lower(), kind=kind, peer=peer)
        for kind in ("home", "article", "list")
    ]


def test_peer_rows_load_right_after_ours_of_the_same_kind():
    """Each peer's home, article and list row follows ours (and earlier peers') of that kind."""
    rows = _rows()
    place_rows(rows, _peer_rows("Wagtail"))
    place_rows(rows, _peer_rows("WordPress"))

    assert [r.name for r in rows] == [
        "static ceiling (whitenoise)",
        "home",
        "home, page cache off",
        "Wagtail home",
        "WordPress home",
        "article page",
        "article page, page cache off",
        "Wagtail article",
        "WordPress article",
        "tag archive",
        "article list page 50",
        "Wagtail list",
        "WordPress list",
        "Atom feed",
    ]


def test_beside_the_peers_table_gives_each_row_as_a_ratio_to_the_one_ceiling():
    """The second table: the ceiling, then home, article and list rows, ours first, and ratios."""
    rows = _rows()
    place_rows(rows, _peer_rows("Wagtail"))
    for row in rows:
        row.results[16] = Result(rps=500.0, p50_ms=1.0, p99_ms=2.0, requests=10)
    rows[0].results[16].rps = 1000.0  # the ceiling
    next(r for r in rows if r.name == "Wagtail article").results[16].rps = 800.0
    lines = []

    print_beside_peers(rows, [16], rows[0], 5, workers=3, out=lines.append)

    table = [line for line in lines if line and not line.startswith(("row", "-", "Beside"))]
    names = [line[:42].strip() for line in table if not line.startswith("Wagtail:")]
    assert names == [
        "static ceiling (whitenoise)",
        "home",
        "home, page cache off",
        "Wagtail home",
        "article page",
        "article page, page cache off",
        "Wagtail article",
        "article list page 50",
        "Wagtail list",
    ]
    wagtail_article = next(line for line in table if line.startswith("Wagtail article"))
    assert wagtail_article.split()[-1] == "0.80"  # 800 requests a second against 1,000
    assert "Wagtail: home /Wagtail/home, article /Wagtail/article, list /Wagtail/list" in lines
