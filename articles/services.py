"""Writes that do more than save one form: merging tags, restoring a revision."""

from django.db import transaction

from articles.models import Article, Redirect, Revision, Tag
from articles.rendering import render


class ArticleError(Exception):
    """A request the articles app refuses, with a message an organiser can act on."""


@transaction.atomic
def tag_merge(*, sources: list[Tag], target: Tag) -> int:
    """Move every article of ``sources`` onto ``target``, delete them, redirect their pages.

    Return the number of tags merged away.
    """
    sources = [s for s in sources if s.pk != target.pk]
    if not sources:
        raise ArticleError("Choose at least one tag other than the one to keep.")
    through = Article.tags.through
    source_ids = [s.pk for s in sources]
    Tag.objects.select_for_update().filter(pk__in=[*source_ids, target.pk]).exists()
    article_ids = set(
        through.objects.filter(tag_id__in=source_ids).values_list("article_id", flat=True)
    )
    already = set(through.objects.filter(tag=target).values_list("article_id", flat=True))
    through.objects.bulk_create(
        [through(article_id=a, tag_id=target.pk) for a in article_ids - already]
    )
    Redirect.objects.filter(tag_id__in=source_ids).update(tag=target)
    for source in sources:
        Redirect.remember(old_path=source.get_absolute_url(), tag=target)
    Tag.objects.filter(pk__in=source_ids).delete()
    target.save()  # moves its Last-Modified on
    Article.objects.update_search_vectors(ids=list(article_ids))
    return len(sources)


@transaction.atomic
def revision_restore(*, revision: Revision, user=None) -> Article:
    """Put a revision's text back into its article (the current text becomes a revision).

    ``user`` is the organiser restoring it, recorded as the new revision's author.
    """
    article = Article.objects.select_for_update().get(pk=revision.article_id)
    article.title = revision.title
    article.standfirst = revision.standfirst
    article.body_markdown = revision.body_markdown
    if article.status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED):
        # Keep the publishing rule: a public article never gets a text that could not be published.
        problems = render(article.body_markdown).problems
        if problems:
            raise ArticleError(
                "This version cannot be restored while the article is public: " + " ".join(problems)
            )
    article.save(revision_author=user)
    return article
