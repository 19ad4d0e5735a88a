"""Conditional GET and shared-cache headers for the public pages.

Every public page depends on the articles, tags and authors as a whole (lists,
previous/next, related articles), so one version stamp serves them all: the
latest change, deletion or publication time that has come. One small query,
answered from indexes whatever the size of the archive, answers a conditional
request with 304 before any page is built. A scheduled article going live
moves the stamp on by itself, because its publication time is part of it.
"""

import hashlib
from functools import wraps

from django.db import connection
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from articles import conf
from articles.models import Article, Author, Deletion, Tag
from core.pagecache import shows as pagecache_shows


def content_version(request):
    """Return (last modified, etag) for the public site, computed once per request."""
    cached = getattr(request, "_articles_version", None)
    if cached is not None:
        return cached
    a, t, au = Article._meta.db_table, Tag._meta.db_table, Author._meta.db_table
    d = Deletion._meta.db_table
    sql = f"""
        SELECT GREATEST(
            (SELECT MAX(updated_at) FROM {a}),
            (SELECT MAX(published_at) FROM {a}
              WHERE published_at <= %s AND status IN ('published', 'scheduled')),
            (SELECT MAX(updated_at) FROM {t}),
            (SELECT MAX(updated_at) FROM {au}),
            (SELECT MAX(deleted_at) FROM {d})
        )
    """  # noqa: S608 - table names come from model metadata
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now()])
        (last,) = cursor.fetchone()
    stamp = last.isoformat() if last else "-"
    etag = hashlib.blake2b(stamp.encode(), digest_size=12).hexdigest()
    request._articles_version = (last, etag)
    return request._articles_version


def public_page(view=None, *, extra_etag=None, shows=("articles",)):
    """Answer conditional requests with 304 and let shared caches keep the page briefly.

    ``shows`` names what the page shows (core.pagecache topics): only a change
    to those makes its stored copy stale; None: anything may show on it.

    ``extra_etag(request)`` adds what else the page shows (e.g. the home page's
    calls to action, which follow the election calendar) to the ETag; such a
    page sends no Last-Modified, since that could not account for it.
    Organisers (who may see drafts) get private, uncached pages instead.
    """
    if view is None:
        return lambda v: public_page(v, extra_etag=extra_etag, shows=shows)

    def etag(request, *args, **kwargs):
        tag = content_version(request)[1]
        if extra_etag is not None:
            extra = str(extra_etag(request)).encode()
            tag = hashlib.blake2b(tag.encode() + extra, digest_size=12).hexdigest()
        return tag

    conditional = condition(
        etag_func=etag,
        last_modified_func=None
        if extra_etag
        else (lambda request, *a, **kw: content_version(request)[0]),
    )(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304, 301, 404, 410):
            patch_cache_control(response, public=True, max_age=conf.CACHE_MAX_AGE)
        return response

    return wrapper if shows is None else pagecache_shows(*shows)(wrapper)
