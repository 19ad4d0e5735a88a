"""Markdown to safe HTML, and the checks an article must pass before it is published.

Organisers write CommonMark with GitHub-style tables; raw HTML is off, and the
output goes through nh3 as well, so no script can be stored or served.

Table captions: a paragraph that starts with ``Table:`` written on the line
directly above a table (blank line between them, as Markdown needs) becomes the
table's ``<caption>``::

    Table: Pay by grade, April 2026

    | Grade | Pay |
    | --- | --- |
    | AA | £24,100 |

Every table is wrapped in a focusable, labelled region that scrolls sideways on
a phone instead of widening the page.
"""

import html
import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt

CAPTION_PREFIX = "Table:"
WORDS_PER_MINUTE = 220

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "del", "div", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "mark",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "div": {"tabindex", "role", "aria-label"},
    "th": {"scope"},
    "td": set(),
    "ol": {"start"},
    "abbr": {"title"},
}
ALLOWED_CLASSES = {
    "div": {"table-scroll"},
    "th": {"num", "center"},
    "td": {"num", "center"},
}


@dataclass
class Rendered:
    html: str
    text: str
    problems: list[str] = field(default_factory=list)
    words: int = 0

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / WORDS_PER_MINUTE))


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("table_captions", _table_captions)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("heading_open", _render_heading)
    md.add_render_rule("heading_close", _render_heading)
    for name in ("th_open", "td_open"):
        md.add_render_rule(name, _render_cell_open)
    return md


def _table_captions(state) -> None:
    """Move a ``Table: ...`` paragraph directly above a table into the table's meta."""
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if (
            tok.type == "paragraph_open"
            and i + 3 < len(tokens)
            and tokens[i + 1].type == "inline"
            and tokens[i + 1].content.startswith(CAPTION_PREFIX)
            and tokens[i + 2].type == "paragraph_close"
            and tokens[i + 3].type == "table_open"
        ):
            inline = tokens[i + 1]
            caption = inline.content[len(CAPTION_PREFIX) :].strip()
            if caption:
                table = tokens[i + 3]
                table.meta["caption"] = caption
                # Drop the prefix from the inline children so markup in the caption still renders.
                children = inline.children or []
                if children and children[0].type == "text":
                    children[0].content = children[0].content[len(CAPTION_PREFIX) :].lstrip()
                table.meta["caption_children"] = children
                del tokens[i : i + 3]
                continue
        i += 1


def _render_table_open(self, tokens, idx, options, env):
    meta = tokens[idx].meta or {}
    caption = meta.get("caption")
    inner = self.renderInline(meta["caption_children"], options, env) if caption else ""
    label = html.escape(html_to_text(inner) or "Table", quote=True)
    out = f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}">\n<table>\n'
    if caption:
        out += f"<caption>{inner}</caption>\n"
    return out


def _render_table_close(self, tokens, idx, options, env):
    return "</table>\n</div>\n"


def _render_heading(self, tokens, idx, options, env):
    """Make a top-level heading an <h2>: the article title is the page's only <h1>."""
    token = tokens[idx]
    level = max(int(token.tag[1]), 2)
    token.tag = f"h{level}"
    return self.renderToken(tokens, idx, options, env)


_ALIGN_CLASS = {"text-align:right": "num", "text-align:center": "center"}


def _render_cell_open(self, tokens, idx, options, env):
    """Turn column alignment into a class: the CSP forbids inline style attributes."""
    token = tokens[idx]
    style = token.attrGet("style")
    if style is not None:
        token.attrs.pop("style", None)
        if style in _ALIGN_CLASS:
            token.attrSet("class", _ALIGN_CLASS[style])
    if token.type == "th_open":
        token.attrSet("scope", "col")
    return self.renderToken(tokens, idx, options, env)


def _render_image(self, tokens, idx, options, env):
    token = tokens[idx]
    token.attrSet("loading", "lazy")
    return self.image(tokens, idx, options, env)


_MD = _markdown()


def _problems(tokens) -> list[str]:
    """List what must be fixed before publishing: alt text, table headers and captions."""
    problems = []
    table_no = 0
    for i, tok in enumerate(tokens):
        if tok.type == "inline":
            for child in tok.children or []:
                if child.type != "image":
                    continue
                src = child.attrGet("src") or ""
                alt = "".join(c.content for c in child.children or []).strip() or child.content
                if not alt.strip():
                    problems.append(
                        f"The image {src!r} has no alt text. Write it between the square "
                        "brackets: ![What the picture shows](address)."
                    )
                if re.match(r"^(https?:)?//", src):
                    problems.append(
                        f"The image {src!r} is on another website. Upload it here instead, "
                        "so readers are not tracked by other sites."
                    )
        elif tok.type == "table_open":
            table_no += 1
            if not (tok.meta or {}).get("caption"):
                problems.append(
                    f"Table {table_no} has no caption. Write a line starting "
                    f"'{CAPTION_PREFIX}' directly above it."
                )
            header_text = _header_text(tokens, i)
            if not header_text:
                problems.append(
                    f"Table {table_no} has no header row. Name each column in the first row."
                )
    return problems


def _header_text(tokens, start: int) -> str:
    text = []
    inside = False
    for tok in tokens[start:]:
        if tok.type == "thead_open":
            inside = True
        elif tok.type == "thead_close" or tok.type == "table_close":
            break
        elif inside and tok.type == "inline":
            text.append(tok.content.strip())
    return "".join(text)


_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")
# Control characters never belong in text, and \x02/\x03 mark search highlights.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def html_to_text(markup: str) -> str:
    """Return the words of an HTML fragment (for search and excerpts)."""
    text = html.unescape(_TAG_RE.sub(" ", markup))
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", text)).strip()


def sanitise(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def render(markdown: str) -> Rendered:
    """Render an article body: safe HTML, its plain text, and what blocks publishing."""
    env: dict = {}
    tokens = _MD.parse(markdown or "", env)
    raw = _MD.renderer.render(tokens, _MD.options, env)
    clean = sanitise(raw)
    text = html_to_text(clean)
    return Rendered(html=clean, text=text, problems=_problems(tokens), words=len(text.split()))
