"""A broadcast's body: Markdown to sanitised HTML, its plain-text part, merge fields.

Sanitised as articles are (articles/rendering.py; the members app imports no
other app): raw HTML in the Markdown is off and the output goes through nh3's
allow-list, so nothing but text, links and simple formatting reaches an inbox.
Images are not allowed: a remote image is how mailers track opens, and we do
not watch our members.

Merge fields are ``{{ name }}`` and ``{{ branch }}``, nothing else personal.
The body is rendered once per broadcast with the fields left in; each member's
values are put in afterwards, HTML-escaped in the HTML part, so a member's name
can never become markup or a link.
"""

import html
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

MERGE_FIELDS = ("name", "branch")
_FIELD_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"scope"}}
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


@dataclass(frozen=True)
class Body:
    html: str
    text: str


def unknown_fields(*texts: str) -> list[str]:
    """The ``{{ ... }}`` fields in these texts that are not merge fields."""
    found = {m.group(1) for text in texts for m in _FIELD_RE.finditer(text or "")}
    return sorted(found - set(MERGE_FIELDS))


def render(markdown: str) -> Body:
    """Render the body once, merge fields left in place."""
    clean = nh3.clean(
        _MD.render(markdown or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    # Markdown is written to be read as plain text: the source is the text part.
    return Body(html=clean, text=(markdown or "").strip())


def merge(template: str, values: dict[str, str], *, escape: bool) -> str:
    """Put each member's values into the merge fields of a rendered part."""

    def value(match):
        text = values.get(match.group(1), "")
        return html.escape(text) if escape else text

    return _FIELD_RE.sub(value, template)
