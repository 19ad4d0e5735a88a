"""The public reading site: home, article pages, archives, search, previews."""

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Window, prefetch_related_objects
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from articles import conf
from articles.caching import public_page
from articles.models import Article, Author, PreviewLink, Redirect, Tag
from articles.rendering import render as render_markdown
from core.ratelimit import ratelimit

MAX_PAGE = 100_000

# Sentinels that cannot occur in article text survive escaping, then become <mark>.
START_SEL, STOP_SEL = "\x02", "\x03"


def _old_address(request, path: str):
    target = Redirect.target_url(path)
    if target is None:
        raise Http404("No such page.")
    return HttpResponsePermanentRedirect(target)


def _page_number(request) -> int:
    number = request.GET.get("page", "1")
    # ASCII digits only ("²" passes isdigit() and fails int()), and no page so far
    # out that its offset overflows the database's integers.
    if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= MAX_PAGE:
        raise Http404("No such page.")
    return int(number)


@dataclass
class ArchivePage:
    """One page of an archive (newest first) with no count of the whole archive.

    Counting a big tag's public articles cost more database time than building
    the rest of its page (2,250 articles: 4-6 ms of 6), and a reader of an
    archive goes by "Older" and "Newer", not by "page 3 of 113". One row more
    than the page shows tells whether there is an older page.
    """

    object_list: list
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


def _archive_page(request, queryset) -> ArchivePage:
    number, size = _page_number(request), conf.PAGE_SIZE
    start, end = (number - 1) * size, number * size + 1
    if number == 1:
        rows = list(queryset[start:end])
    else:
        # Beyond the first page, the page's articles are picked by id first:
        # the rows skipped on the way had their authors' and tags' JSON built
        # too (to page 50: 1,000 rows' worth, 25 ms, to show 20).
        rows = list(queryset.filter(pk__in=queryset.values("pk")[start:end]))
    if not rows and number > 1:
        raise Http404("No such page.")
    return ArchivePage(rows[:size], number, more=len(rows) > size)


def _counted_page(request, queryset, size):
    """A page of a query that must find every match anyway (to rank them):
    the page's rows carry the total (``COUNT(*) OVER ()``), so the matches are
    not found a second time just to count them."""
    number = _page_number(request)
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
        raise Http404("No such page.")
    return Page(rows, number, paginator)


@require_safe
@public_page
def article_list(request):
    page = _archive_page(request, Article.objects.published().for_listing())
    return render(request, "articles/article_list.html", {"page": page})


@require_safe
@public_page
def tag_detail(request, slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        return _old_address(request, request.path)
    page = _archive_page(request, Article.objects.published().filter(tags=tag).for_listing())
    return render(request, "articles/tag_detail.html", {"tag": tag, "page": page})


@require_safe
@public_page
def author_detail(request, slug):
    author = Author.objects.filter(slug=slug).first()
    if author is None:
        return _old_address(request, request.path)
    page = _archive_page(request, Article.objects.published().filter(authors=author).for_listing())
    return render(request, "articles/author_detail.html", {"author": author, "page": page})


def _render_article(request, article, *, preview=False):
    """Render an article from ``Article.objects.for_page``."""
    prefetch_related_objects(
        [article],
        *(name for name in ("attachments", "corrections") if getattr(article, f"has_{name}")),
    )
    # A rendition about 1200 px wide, not the upload (which can be many megabytes).
    share = article.share_image() or {"url": "", "width": None, "height": None}
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "authors": article.page_authors,
            "tags": article.page_tags,
            "og_image": share["url"],
            "og_image_width": share["width"],
            "og_image_height": share["height"],
            "ld": _json_ld(article, share),
            "older": article.older,
            "newer": article.newer,
            "related": article.related,
            "preview": preview,
        },
    )


def _json_ld(article, image: dict) -> dict:
    """Return schema.org Article data for search engines."""
    site = settings.SITE_URL
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title[:110],
        "description": article.standfirst,
        "mainEntityOfPage": f"{site}{article.get_absolute_url()}",
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "author": [
            {"@type": "Person", "name": a.name, "url": f"{site}{a.get_absolute_url()}"}
            for a in article.page_authors
        ],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "url": site},
        "keywords": [t.name for t in article.page_tags],
    }
    if image["url"]:
        url = image["url"] if image["url"].startswith("http") else f"{site}{image['url']}"
        if image["width"] and image["height"]:
            data["image"] = {
                "@type": "ImageObject",
                "url": url,
                "width": image["width"],
                "height": image["height"],
            }
        else:
            data["image"] = url
    return data


@require_safe
@public_page
def article_detail(request, slug):
    article = Article.objects.for_page(slug=slug)
    staff = request.user.is_authenticated and request.user.is_staff
    if article is None:
        return _old_address(request, request.path)
    if not article.is_public and not staff:
        if article.status == Article.Status.WITHDRAWN and article.published_at:
            return render(request, "articles/article_gone.html", {"article": article}, status=410)
        raise Http404("No such article.")
    return _render_article(request, article, preview=not article.is_public)


@require_safe
@never_cache
@ratelimit("preview", methods=("GET", "HEAD"))
def article_preview(request, token):
    """Show an unpublished article to a reviewer holding a secret, unexpired link."""
    link = get_object_or_404(PreviewLink.objects.usable(), token=token)
    article = Article.objects.for_page(pk=link.article_id)
    if article is None:
        raise Http404("No such article.")
    response = _render_article(request, article, preview=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to linked sites
    return response


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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@require_safe
@public_page
def search(request):
    q = _CONTROL.sub("", request.GET.get("q", "")).strip()[:200]
    context = {"q": q, "page": None}
    if q:
        query = ParsedOnce(q, search_type="websearch", config="english")
        results = (
            Article.objects.published()
            .filter(search_vector=query)
            .annotate(rank=SearchRank(F("rank_vector"), query))
            .for_listing()
            .order_by("-rank", "-published_at", "-pk")
        )
        page = _counted_page(request, results, conf.SEARCH_PAGE_SIZE)
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
        context["page"] = page
    return render(request, "articles/search.html", context)


@require_safe
def legacy_redirect(request, **kwargs):
    """Old WordPress permalinks (/2018/05/13/slug/, /tag/x/, /category/x/)."""
    return _old_address(request, request.path)


@require_POST
def admin_preview(request):
    """Render Markdown for the admin's live preview (staff only; see articles/admin.py)."""
    rendered = render_markdown(request.POST.get("body", ""))
    return JsonResponse({"html": rendered.html, "problems": rendered.problems})
