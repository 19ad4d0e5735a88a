"""The articles the peers are loaded with, in the file each peer's loader reads."""

import hashlib
import json
from datetime import UTC

COUNT = 1000  # the newest published articles of the bench database


def peer_articles(count: int = COUNT) -> list:
    """Return the newest `count` articles the public may read, newest first."""
    from articles.models import Article

    return list(
        Article.objects.published()
        .order_by("-published_at", "-pk")
        .only("title", "slug", "standfirst", "body_html", "published_at")[:count]
    )


def load_file(articles) -> bytes:
    """The peers' load file: one JSON list, newest first, of what a stock blog post has.

    The standfirst is the post's intro (WordPress: its excerpt), the rendered
    HTML its body, and the publication time its date, in UTC.
    """
    return json.dumps(
        [
            {
                "title": article.title,
                "slug": article.slug,
                "intro": article.standfirst,
                "body": article.body_html,
                "published_at": article.published_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            }
            for article in articles
        ],
        ensure_ascii=False,
    ).encode()


def digest(content: bytes) -> str:
    """What a peer records of the file it loaded, so a later run loads only a different one."""
    return hashlib.sha256(content).hexdigest()


def list_position(list_page: int, page_size: int, count: int) -> int:
    """The place (from 0, newest first) of the first article of our list page `list_page`.

    Our list page 50 of 10,000 articles shows the 981st to the 1,000th newest:
    the oldest of the 1,000 the peers have. Each peer loads its list page that
    shows that place, with its own number of posts a page.
    """
    return max(0, min((list_page - 1) * page_size, count - 1))
