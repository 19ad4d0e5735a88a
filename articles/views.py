"""The public reading site: home, article pages, archives, search, previews."""

import hashlib
import re

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from articles import conf
from articles.caching import content_version, public_page
from articles.models import Article, Author, PreviewLink, Redirect, Tag
from articles.rendering import render as render_markdown
from articles.selectors import ArchivePage, article_archive, article_for_page, article_search
from articles.templatetags.articles_tags import article_items
from core.admin_site import verified_staff
from core.pagecache import fragment
from core.ratelimit import ratelimit

MAX_PAGE = 100_000


def _old_address(request, path: str):
    target = Redirect.target_url(path)
    if target is None:
        raise Http404("No such page.")
    return HttpResponsePermanentRedirect(target)


def _archive(request, **of):
    """A page of an archive, its items' HTML built once per version of the articles.

    The items (and whether an older page exists) are the same for every reader
    until an article, tag or author changes or one is published: a fragment
    (core.pagecache.fragments) holds them; its first character says whether
    there is an older page, and an empty one that there is no such page.
    """
    number = _page_number(request)
    of_what = ":".join(f"{k}{v.pk}" for k, v in sorted(of.items()))
    name = f"articles:archive:{of_what}:{number}:{content_version(request)[1]}"

    def build():
        page = article_archive(number=number, **of)
        if page is None:
            return ""
        return ("+" if page.more else "-") + article_items(page.object_list)

    kept = fragment(name, ("articles",), build)
    if not kept:
        raise Http404("No such page.")
    items = mark_safe(kept[1:])  # noqa: S308 - article_items escapes every value
    return ArchivePage(items, number, more=kept[0] == "+")


def _page_number(request) -> int:
    number = request.GET.get("page", "1")
    # ASCII digits only ("²" passes isdigit() and fails int()), and no page so far
    # out that its offset overflows the database's integers.
    if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= MAX_PAGE:
        raise Http404("No such page.")
    return int(number)


@require_safe
@public_page
def article_list(request):
    page = _archive(request)
    return render(request, "articles/article_list.html", {"page": page})


@require_safe
@public_page
def tag_detail(request, slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        return _old_address(request, request.path)
    page = _archive(request, tag=tag)
    return render(request, "articles/tag_detail.html", {"tag": tag, "page": page})


@require_safe
@public_page
def author_detail(request, slug):
    author = Author.objects.filter(slug=slug).first()
    if author is None:
        return _old_address(request, request.path)
    page = _archive(request, author=author)
    return render(request, "articles/author_detail.html", {"author": author, "page": page})


def _render_article(request, article, *, preview=False):
    """Render an article from ``selectors.article_for_page``."""
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
            # The same for every reader of this version of the articles: the
            # page's meta tags and content are built once (core.pagecache.fragments).
            "fragment_name": None
            if preview
            else f"articles:page:{article.pk}:{content_version(request)[1]}",
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
    article = article_for_page(slug=slug)
    staff = verified_staff(request.user)
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
    article = article_for_page(pk=link.article_id)
    if article is None:
        raise Http404("No such article.")
    response = _render_article(request, article, preview=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to linked sites
    return response


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@require_safe
@public_page
def search(request):
    q = _CONTROL.sub("", request.GET.get("q", "")).strip()[:200]
    context = {"q": q, "page": None}
    if q:
        context["page"] = _search_page(request, q, _page_number(request))
    return render(request, "articles/search.html", context)


def _search_page(request, q: str, number: int) -> Page:
    """A page of results, its items' HTML and total kept per search words, page and
    version of the articles (a fragment): a search repeated (a common word, a
    shared link) is not ranked again until an article changes."""
    words = hashlib.blake2b(q.encode(), digest_size=12).hexdigest()
    name = f"articles:search:{words}:{number}:{content_version(request)[1]}"

    def build():
        page = article_search(q=q, number=number)
        if page is None:
            return ""
        items = article_items(page.object_list, level=3) if page.object_list else ""
        return f"{page.paginator.count}:{items}"

    kept = fragment(name, ("articles",), build)
    if not kept:
        raise Http404("No such page.")
    count, _, items = kept.partition(":")
    paginator = Paginator(range(int(count)), conf.SEARCH_PAGE_SIZE, allow_empty_first_page=True)
    return Page(mark_safe(items), number, paginator)  # noqa: S308 - article_items escapes


@require_safe
def legacy_redirect(request, **kwargs):
    """Old WordPress permalinks (/2018/05/13/slug/, /tag/x/, /category/x/)."""
    return _old_address(request, request.path)


@require_POST
def admin_preview(request):
    """Render Markdown for the admin's live preview (staff only; see articles/admin.py)."""
    rendered = render_markdown(request.POST.get("body", ""))
    return JsonResponse({"html": rendered.html, "problems": rendered.problems})
