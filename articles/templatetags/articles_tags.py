import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# The same escapes as django.utils.html.json_script: no "</script>" can end the block.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def ld_json(data: dict):
    """Return a JSON-LD block (data, not script: the CSP does not run it)."""
    payload = json.dumps(data, cls=DjangoJSONEncoder).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


@register.simple_tag(takes_context=True)
def absolute(context, url: str) -> str:
    """Return an absolute address on this site for a path (canonical, share tags, feeds)."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{context['SITE_URL']}{url}"


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """Return the current address with another page number (keeps the search query)."""
    params = context["request"].GET.copy()
    if number == 1:
        params.pop("page", None)
    else:
        params["page"] = number
    query = params.urlencode()
    return f"?{query}" if query else context["request"].path


@register.filter
def filesize(value: int) -> str:
    """Return a size readers understand: 240 KB, 1.3 MB."""
    if value < 1024 * 1024:
        return f"{max(1, round(value / 1024))} KB"
    return f"{value / (1024 * 1024):.1f} MB"


def _names(items) -> str:
    """ "A", "A and B", "A, B and C"."""
    names = [item.name for item in items]
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


@register.simple_tag
def article_items(articles, level=2):
    """Return the <li> of each article in a list (from ``Article.objects.for_listing``).

    Built here rather than by including a template per article: on a page of
    twenty, the includes cost more than everything else the page does.
    ``article.excerpt``, where set (search), is safe HTML shown instead of the
    standfirst.
    """
    items = []
    for article in articles:
        published = timezone.localtime(article.published_at)
        authors = article.listed_authors
        tags = article.listed_tags
        summary = ""
        if getattr(article, "excerpt", None):
            summary = format_html('<p class="article-item__excerpt">{}</p>', article.excerpt)
        elif article.standfirst:
            summary = format_html('<p class="article-item__standfirst">{}</p>', article.standfirst)
        tag_list = ""
        if tags:
            tag_list = format_html(
                '<ul class="tag-list" aria-label="Tags">{}</ul>',
                format_html_join(
                    "",
                    '<li><a href="{}">{}</a></li>',
                    ((t.get_absolute_url(), t.name) for t in tags),
                ),
            )
        items.append(
            format_html(
                '<li class="article-item">\n'
                '  <h{level} class="article-item__title"><a href="{url}">{title}</a></h{level}>\n'
                '  <p class="article-item__meta"><time datetime="{iso}">{date}</time>{by}</p>\n'
                "  {summary}{tags}\n"
                "</li>\n",
                level=int(level),
                url=article.get_absolute_url(),
                title=article.title,
                iso=published.isoformat(),
                date=format_date(published, "j F Y"),
                by=f" · by {escape(_names(authors))}" if authors else "",
                summary=summary,
                tags=tag_list,
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - every item is built by format_html
