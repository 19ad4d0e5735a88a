"""Writes that do more than save one form: saving an article or tag (with all that
follows from it), loading many articles at once, merging tags, restoring a revision.

Every writer goes through these: the admin, the WordPress importer, the demo
loader and the tests' factories. The models' own ``save()`` is Django's.
"""

from collections.abc import Iterable
from functools import partial

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from articles.images import make_renditions
from articles.models import Article, Author, Redirect, Revision, Tag
from articles.rendering import render
from core.pagecache import invalidate as invalidate_page_cache

#: The fields whose change keeps the text replaced as a revision.
_TEXT_FIELDS = ("title", "standfirst", "body_markdown")


class ArticleError(Exception):
    """A request the articles app refuses, with a message an organiser can act on."""


def _render_into(article: Article, rendered=None) -> None:
    rendered = rendered or render(article.body_markdown)
    article.body_html, article.body_text = rendered.html, rendered.text
    article.reading_minutes = rendered.reading_minutes
    if article.status == Article.Status.PUBLISHED and not article.published_at:
        article.published_at = timezone.now()  # "publish now"


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def article_save(
    *,
    article: Article,
    user=None,
    tags: Iterable[Tag | int] | None = None,
    authors: Iterable[Author | int] | None = None,
    validate: bool = True,
) -> Article:
    """Save ``article`` (new or changed) with everything that follows from it; return it.

    Renders the Markdown (HTML, plain text for search, reading time); publishes
    now an article published without a time; keeps the text a change replaces
    as a Revision, recorded as by ``user`` (the organiser saving; None for
    imports and scripts); redirects a published article's old address after a
    change of slug; makes the renditions of a new lead image; and recomputes
    the stored search vectors. ``tags`` and ``authors`` (None: leave them as
    they are) are set before the vectors are, since tags are searched too.

    ``validate=False`` skips ``full_clean()``, for a caller that has just run it
    (the admin's form) or that brings text over as it was published elsewhere
    (the WordPress importer: the publishing checks are for organisers' edits).
    """
    if validate:
        article.full_clean()
    _render_into(article)
    old = None
    if article.pk:
        # Locked: two saves at once each keep the text the other replaced.
        old = (
            Article.objects.select_for_update()
            .filter(pk=article.pk)
            .values(*_TEXT_FIELDS, "slug", "published_at", "lead_image", "lead_image_renditions")
            .first()
        )
    image_changed = bool(article.lead_image) and (
        old is None or old["lead_image"] != article.lead_image.name
    )
    if not article.lead_image:
        article.lead_image_renditions = {}
        article.lead_image_width = article.lead_image_height = None
    article.save()
    if image_changed:
        make_renditions(article)
        Article.objects.filter(pk=article.pk).update(
            lead_image_renditions=article.lead_image_renditions,
            lead_image_width=article.lead_image_width,
            lead_image_height=article.lead_image_height,
        )
        if old and old["lead_image_renditions"]:
            stale = list(old["lead_image_renditions"].values())
            transaction.on_commit(partial(_delete_files, stale))
    for relation, chosen in (("tags", tags), ("authors", authors)):
        if chosen is None:
            continue
        manager = getattr(article, relation)
        if old is None:
            chosen = list(chosen)
            if chosen:
                manager.add(*chosen)  # new: nothing to compare with
        else:
            manager.set(chosen)
    if old:
        if any(old[f] != getattr(article, f) for f in _TEXT_FIELDS):
            Revision.objects.create(
                article=article,
                title=old["title"],
                standfirst=old["standfirst"],
                body_markdown=old["body_markdown"],
                author=user if user is not None and user.is_authenticated else None,
            )
        if old["slug"] != article.slug and old["published_at"]:
            Redirect.remember(
                old_path=reverse("articles:detail", kwargs={"slug": old["slug"]}), article=article
            )
    # The new address must never be shadowed by a redirect left over from a rename.
    Redirect.objects.filter(old_path=article.get_absolute_url()).delete()
    article_reindex(ids=[article.pk])
    return article


@transaction.atomic
def article_create_many(
    *,
    articles: list[Article],
    tags: list[Iterable[Tag]] | None = None,
    authors: list[Iterable[Author]] | None = None,
) -> list[Article]:
    """Insert many new articles at once (demo and benchmark data); return them.

    What ``article_save`` does for a new article without a lead image, in a few
    queries: each distinct text is rendered once, ``tags[i]`` and
    ``authors[i]`` go with ``articles[i]``, the search vectors are computed
    together, and the page cache is told (a bulk insert sends no signals).
    """
    rendered = {}
    for article in articles:
        if article.pk is not None or article.lead_image:
            raise ValueError("Only new articles without a lead image can be created in bulk.")
        text = article.body_markdown
        if text not in rendered:
            rendered[text] = render(text)
        _render_into(article, rendered[text])
    created = Article.objects.bulk_create(articles, batch_size=1000)
    for relation, chosen, column in (("tags", tags, "tag_id"), ("authors", authors, "author_id")):
        if chosen is None:
            continue
        through = getattr(Article, relation).through
        through.objects.bulk_create(
            [
                through(article_id=a.pk, **{column: obj.pk})
                for a, objs in zip(created, chosen, strict=True)
                for obj in {o.pk: o for o in objs}.values()
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
    if created:
        Redirect.objects.filter(old_path__in=[a.get_absolute_url() for a in created]).delete()
        article_reindex(ids=[a.pk for a in created])
        invalidate_page_cache(model=Article)
    return created


def article_reindex(*, ids: Iterable[int] | None = None) -> None:
    """Recompute the stored search vectors (all articles, or those with these ids).

    ``search_vector`` holds every word (title and standfirst weighted A and
    B, tags B, body C) and is what a search matches; ``rank_vector`` holds
    only the title, standfirst and tags and is what results are ranked by.
    Ranking a common word's thousands of matches by their whole text cost
    three times as much, and body words only ever ranked lowest anyway.
    """
    heading = f"""
        setweight(to_tsvector('english', coalesce(a.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(a.standfirst, '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(t.name, ' ')
            FROM {Tag._meta.db_table} t
            JOIN {Article.tags.through._meta.db_table} at ON at.tag_id = t.id
            WHERE at.article_id = a.id), '')), 'B')
    """  # noqa: S608 - table names come from model metadata, not input
    sql = f"""
        UPDATE {Article._meta.db_table} AS a SET
            rank_vector = {heading},
            search_vector = {heading}
                || setweight(to_tsvector('english', coalesce(a.body_text, '')), 'C')
    """  # noqa: S608 - table names come from model metadata, not input
    params = []
    if ids is not None:
        ids = list(ids)
        if not ids:
            return
        sql += " WHERE a.id = ANY(%s)"
        params.append(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@transaction.atomic
def tag_save(*, tag: Tag, validate: bool = True) -> Tag:
    """Save ``tag``; return it. Renamed, its old address redirects to the new one
    and its articles' search vectors take the new name.

    ``validate=False`` skips ``full_clean()`` (see ``article_save``).
    """
    if validate:
        tag.full_clean()
    old = None
    if tag.pk:
        old = Tag.objects.filter(pk=tag.pk).values("slug", "name").first()
    tag.save()
    if old and old["slug"] != tag.slug:
        Redirect.remember(old_path=reverse("articles:tag", kwargs={"slug": old["slug"]}), tag=tag)
    if old and old["name"] != tag.name:
        article_reindex(ids=tag.articles.values_list("pk", flat=True))
    # The new address must never be shadowed by a redirect left over from a rename.
    Redirect.objects.filter(old_path=tag.get_absolute_url()).delete()
    return tag


@transaction.atomic
def author_save(*, author: Author, validate: bool = True) -> Author:
    """Save an author; a renamed slug keeps its old page as a permanent redirect.

    ``validate=False`` skips ``full_clean()`` (the admin form has just run it).
    """
    if validate:
        author.full_clean()
    old = Author.objects.filter(pk=author.pk).values_list("slug", flat=True).first()
    author.save()
    if old and old != author.slug:
        Redirect.remember(old_path=reverse("articles:author", kwargs={"slug": old}), author=author)
    # The new address must never be shadowed by a redirect left over from a rename.
    Redirect.objects.filter(old_path=author.get_absolute_url()).delete()
    return author


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
    article_reindex(ids=article_ids)
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
    # Only the text changes, and the check above is the one a text must pass.
    return article_save(article=article, user=user, validate=False)
