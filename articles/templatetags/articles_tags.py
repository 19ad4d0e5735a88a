import json
from html import escape

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateformat import DateFormat
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from core.links import reverser

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
    # html.escape rather than format_html: the same escaping without Django's
    # lazy-string wrapper, which twenty items of a dozen values each paid for.
    items = []
    tz, url = timezone.get_current_timezone(), reverser()
    for article in articles:
        published = article.published_at.astimezone(tz)
        day = DateFormat(published)
        authors = article.listed_authors
        tags = article.listed_tags
        by = f" · by {escape(_names(authors))}" if authors else ""
        summary = ""
        if getattr(article, "excerpt", None):
            summary = f'<p class="article-item__excerpt">{conditional_escape(article.excerpt)}</p>'
        elif article.standfirst:
            summary = f'<p class="article-item__standfirst">{escape(article.standfirst)}</p>'
        tag_list = ""
        if tags:
            links = "".join(
                f'<li><a href="{escape(url("articles:tag", t.slug))}">{escape(t.name)}</a></li>'
                for t in tags
            )
            tag_list = f'<ul class="tag-list" aria-label="Tags">{links}</ul>'
        h, link = f"h{int(level)}", escape(url("articles:detail", article.slug))
        # Whole seconds: HTML allows at most three digits of a second's fraction.
        stamp = published.isoformat(timespec="seconds")
        items.append(
            f'<li class="article-item">\n'
            f'  <{h} class="article-item__title"><a href="{link}">'
            f"{escape(article.title)}</a></{h}>\n"
            f'  <p class="article-item__meta"><time datetime="{stamp}">'
            f"{day.j()} {day.F()} {day.Y()}</time>{by}</p>\n"
            f"  {summary}{tag_list}\n"
            "</li>\n"
        )
    return mark_safe("".join(items))  # noqa: S308 - every value is escaped above
