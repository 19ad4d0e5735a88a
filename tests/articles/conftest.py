from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.services import article_create_many
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory


@pytest.fixture
def many_articles(db):
    """Three hundred published articles with tags and authors, plus drafts (bulk-inserted)."""
    tags = [TagFactory() for _ in range(8)]
    authors = [AuthorFactory() for _ in range(5)]
    body = "## What happened\n\nThe branch report was agreed.\n\n- one\n- two\n"
    now = timezone.now()
    articles = article_create_many(
        articles=[
            Article(
                title=f"Branch report {i}",
                slug=f"bulk-report-{i}",
                standfirst="What the branch decided.",
                body_markdown=body,
                status="published",
                published_at=now - timedelta(hours=i + 1),
            )
            for i in range(300)
        ],
        tags=[[tags[(i + k) % 8] for k in (0, 3)] for i in range(300)],
        authors=[[authors[i % 5]] for i in range(300)],
    )
    for _ in range(5):
        ArticleFactory(status="draft", published_at=None)
    return {"articles": articles, "tags": tags, "authors": authors}
