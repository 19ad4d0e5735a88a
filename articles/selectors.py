"""The public pages' heavier reads: an article with all its page shows, archive
pages that count nothing, and ranked search with highlighted excerpts.

Each returns None where there is no such page; the view answers 404.
"""

import html
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Window
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import conf
from articles.models import Article, Attachment, Author, Correction, Tag

#: Article fields its page never shows: left out of ``article_for_page``.
_NOT_ON_PAGE = {"body_markdown", "search_vector", "rank_vector"}

# Sentinels that cannot occur in article text survive escaping, then become <mark>.
START_SEL, STOP_SEL = "\x02", "\x03"


def article_for_page(*, slug=None, pk=None, related=3, window=20) -> Article | None:
    """Return the article with ``slug`` (or ``pk``) and all its page shows, or None.

    One query, since a page built from scratch is bound by the Python that
    runs each query rather than by the database: the article's fields (not
    its Markdown or search vectors), ``has_attachments``, ``has_corrections``,
    ``page_authors`` and ``page_tags`` (lists), and, among the public
    articles, ``older`` and ``newer`` (by publication time; None for an
    article not public itself) and ``related``:
    up to ``related`` articles sharing most tags, newest first on ties,
    chosen among the ``window`` newest of each tag (read from the indexes,
    so the cost does not grow with the archive).
    """
    if (slug is None) == (pk is None):
        raise TypeError("Pass slug or pk.")
    a, aa, at = (
        Article._meta.db_table,
        Article.authors.through._meta.db_table,
        Article.tags.through._meta.db_table,
    )
    au, t, att, cor = (
        Author._meta.db_table,
        Tag._meta.db_table,
        Attachment._meta.db_table,
        Correction._meta.db_table,
    )
    fields = [f for f in Article._meta.concrete_fields if f.name not in _NOT_ON_PAGE]
    columns = ", ".join(f"page.{connection.ops.quote_name(f.column)}" for f in fields)
    public = "{0}.status IN ('published', 'scheduled') AND {0}.published_at <= %(now)s"
    sql = f"""
        SELECT {columns},
          EXISTS (SELECT 1 FROM {att} WHERE article_id = page.id),
          EXISTS (SELECT 1 FROM {cor} WHERE article_id = page.id),
          (SELECT json_agg(json_build_array(au.id, au.name, au.slug, au.bio)
                           ORDER BY au.name, au.id)
             FROM {au} au JOIN {aa} aa ON aa.author_id = au.id
            WHERE aa.article_id = page.id),
          (SELECT json_agg(json_build_array(t.id, t.name, t.slug) ORDER BY t.name, t.id)
             FROM {t} t JOIN {at} at ON at.tag_id = t.id WHERE at.article_id = page.id),
          (SELECT json_build_array(o.id, o.title, o.slug) FROM {a} o
            WHERE {public.format("o")} AND o.published_at < page.published_at
            ORDER BY o.published_at DESC, o.id DESC LIMIT 1),
          (SELECT json_build_array(n.id, n.title, n.slug) FROM {a} n
            WHERE {public.format("n")} AND n.published_at > page.published_at
            ORDER BY n.published_at, n.id LIMIT 1),
          (SELECT json_agg(json_build_array(r.id, r.title, r.slug, r.published_at)
                           ORDER BY top.shared DESC, r.published_at DESC, r.id DESC)
             FROM (
               SELECT c.id, COUNT(*) AS shared, MAX(c.published_at) AS newest
               FROM {at} pt
               CROSS JOIN LATERAL (
                 SELECT c.id, c.published_at FROM {a} c
                 JOIN {at} ct ON ct.article_id = c.id
                 WHERE ct.tag_id = pt.tag_id AND c.id <> page.id AND {public.format("c")}
                 ORDER BY c.published_at DESC LIMIT %(window)s
               ) AS c
               WHERE pt.article_id = page.id
               GROUP BY c.id
               ORDER BY shared DESC, newest DESC, c.id DESC
               LIMIT %(related)s
             ) AS top
             JOIN {a} r ON r.id = top.id)
        FROM {a} page
        WHERE page.{"slug" if slug is not None else "id"} = %(key)s
    """  # noqa: S608 - table and column names come from model metadata
    params = {
        "key": slug if slug is not None else pk,
        "now": timezone.now(),
        "window": window,
        "related": related,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    db = connection.alias
    values = [
        f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v
        for f, v in zip(fields, row, strict=False)
    ]
    article = Article.from_db(db, [f.attname for f in fields], values)
    extra = row[len(fields) :]
    article.has_attachments, article.has_corrections = extra[0], extra[1]
    article.page_authors = [
        Author.from_db(db, ["id", "name", "slug", "bio"], r) for r in extra[2] or []
    ]
    article.page_tags = [Tag.from_db(db, ["id", "name", "slug"], r) for r in extra[3] or []]
    # Previous and next only for a public article (a draft has no place in
    # the sequence yet); related for drafts too, so a preview shows them.
    article.older, article.newer = (
        Article.from_db(db, ["id", "title", "slug"], r) if r and article.is_public else None
        for r in extra[4:6]
    )
    article.related = [
        Article.from_db(
            db, ["id", "title", "slug", "published_at"], [*r[:3], datetime.fromisoformat(r[3])]
        )
        for r in extra[6] or []
    ]
    return article


@dataclass
class ArchivePage:
    """One page of an archive (newest first) with no count of the whole archive.

    Counting a big tag's public articles cost more database time than building
    the rest of its page (2,250 articles: 4-6 ms of 6), and a reader of an
    archive goes by "Older" and "Newer", not by "page 3 of 113". One row more
    than the page shows tells whether there is an older page.
    """

    object_list: list | str  # the articles, or their items' HTML (articles.views._archive)
    number: int
    more: bool
    paginator = None  # nothing counted: the pager shows no "of N"

    def has_next(self):
        return self.more

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.more or self.number > 1

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def article_archive(*, number: int, tag=None, author=None) -> ArchivePage | None:
    """Return page ``number`` of the public articles (of ``tag`` or ``author``), or None."""
    queryset = Article.objects.published()
    if tag is not None:
        queryset = queryset.filter(tags=tag)
    if author is not None:
        queryset = queryset.filter(authors=author)
    queryset = queryset.for_listing()
    size = conf.PAGE_SIZE
    start, end = (number - 1) * size, number * size + 1
    if number == 1:
        rows = list(queryset[start:end])
    else:
        # Beyond the first page, the page's articles are picked by id first:
        # the rows skipped on the way had their authors' and tags' JSON built
        # too (to page 50: 1,000 rows' worth, 25 ms, to show 20).
        rows = list(queryset.filter(pk__in=queryset.values("pk")[start:end]))
    if not rows and number > 1:
        return None
    return ArchivePage(rows[:size], number, more=len(rows) > size)


def highlight(headline: str) -> str:
    """Escape a ts_headline excerpt completely, then turn the sentinels into <mark>."""
    escaped = html.escape(headline)
    escaped = escaped.replace(START_SEL, "<mark>").replace(STOP_SEL, "</mark>")
    return mark_safe(escaped)  # noqa: S308 - everything but our own <mark> is escaped above


class ParsedOnce(SearchQuery):
    """A search query that PostgreSQL parses once per search, not once per row.

    A prepared statement may run on a plan made for any search words, where
    ``websearch_to_tsquery($1)`` is no constant: ranking 2,000 matches parsed
    the words 2,000 times. As a subquery it is parsed once (an InitPlan).
    """

    template = "(SELECT %(function)s(%(expressions)s))"


def _counted_page(queryset, number: int, size: int) -> Page | None:
    """A page of a query that must find every match anyway (to rank them):
    the page's rows carry the total (``COUNT(*) OVER ()``), so the matches are
    not found a second time just to count them."""
    start = (number - 1) * size
    rows = list(queryset.annotate(total=Window(Count("*")))[start : start + size])
    paginator = Paginator(queryset, size, allow_empty_first_page=True)
    if rows:
        paginator.count = rows[0].total
    elif number != 1:  # beyond the last page no row carries the total: count, then 404
        paginator.count = queryset.count()
    else:
        paginator.count = 0
    if number > max(paginator.num_pages, 1):
        return None
    return Page(rows, number, paginator)


def article_search(*, q: str, number: int) -> Page | None:
    """Return page ``number`` of the public articles matching ``q`` (web search
    syntax), best first, or None.

    Ranked by title, standfirst and tags, then newest first; an article whose
    excerpt shows the words matched (or that has no standfirst) gets it as
    ``excerpt``: safe HTML with the words in <mark>.
    """
    query = ParsedOnce(q, search_type="websearch", config="english")
    results = (
        Article.objects.published()
        .filter(search_vector=query)
        .annotate(rank=SearchRank(F("rank_vector"), query))
        .for_listing()
        .order_by("-rank", "-published_at", "-pk")
    )
    page = _counted_page(results, number, conf.SEARCH_PAGE_SIZE)
    if page is None:
        return None
    # Excerpts for this page's articles only, in a query of their own: in the
    # ranked query the database would make one for every article it skips
    # on the way to a deep page.
    headlines = dict(
        Article.objects.filter(pk__in=[a.pk for a in page.object_list])
        .annotate(
            headline=SearchHeadline(
                "body_text",
                query,
                config="english",
                start_sel=START_SEL,
                stop_sel=STOP_SEL,
                max_words=30,
                min_words=15,
                max_fragments=1,
                fragment_delimiter=" … ",
            )
        )
        .values_list("pk", "headline")
    )
    for article in page.object_list:
        headline = headlines.get(article.pk, "")
        # A match only in the title or tags: the standfirst says more than the body's start.
        if START_SEL in headline or not article.standfirst:
            article.excerpt = highlight(headline)
    return page
