from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.rendering import render
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory


@pytest.fixture
def many_articles(db):
    """Three hundred published articles with tags and authors, plus drafts (bulk-inserted)."""
    tags = [TagFactory() for _ in range(8)]
    authors = [AuthorFactory() for _ in range(5)]
    body = "## What happened\n\nThe branch report was agreed.\n\n- one\n- two\n"
    rendered = render(body)
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            title=f"Branch report {i}",
            slug=f"bulk-report-{i}",
            standfirst="What the branch decided.",
            body_markdown=body,
            body_html=rendered.html,
            body_text=rendered.text,
            status="published",
            published_at=now - timedelta(hours=i + 1),
        )
        for i in range(300)
    )
    Article.tags.through.objects.bulk_create(
        Article.tags.through(article_id=a.pk, tag_id=tags[(i + k) % 8].pk)
        for i, a in enumerate(articles)
        for k in (0, 3)
    )
    Article.authors.through.objects.bulk_create(
        Article.authors.through(article_id=a.pk, author_id=authors[i % 5].pk)
        for i, a in enumerate(articles)
    )
    for _ in range(5):
        ArticleFactory(status="draft", published_at=None)
    Article.objects.update_search_vectors()
    return {"articles": articles, "tags": tags, "authors": authors}
