import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
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
