"""Turn WordPress post HTML into the Markdown organisers write here.

Covers what WordPress posts contain: paragraphs (with or without <p>, as
WordPress stores them), headings, emphasis, links, images, lists (nested),
block quotes, tables (with caption and header row), code, rules and line
breaks. Scripts, styles, iframes and shortcodes are dropped.
"""

import re
from html.parser import HTMLParser

SHORTCODE_RE = re.compile(r"\[/?(?:caption|gallery|embed|audio|video|playlist)\b[^\]]*\]")
BLOCKS_CLOSED_BY_BLANK_LINE = {"p", "div", "section", "article", "figure", "figcaption",
                               "h1", "h2", "h3", "h4", "h5", "h6"}  # fmt: skip
SKIP = {"script", "style", "iframe", "object", "embed", "noscript", "form", "svg"}
_ESCAPE_RE = re.compile(r"([\\`*_\[\]])")


def _escape(text: str) -> str:
    return _ESCAPE_RE.sub(r"\\\1", text)


class _Converter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.buffers: list[list[str]] = [[]]
        self.lists: list[list] = []  # [kind, counter]
        self.skip = 0
        self.pre = 0
        self.links: list[str | None] = []
        self.tables: list[dict] = []

    # Output helpers ---------------------------------------------------------
    def out(self, text: str) -> None:
        self.buffers[-1].append(text)

    def push(self) -> None:
        self.buffers.append([])

    def pop(self) -> str:
        return "".join(self.buffers.pop())

    def block(self) -> None:
        self.out("\n\n")

    @property
    def in_cell(self) -> bool:
        return bool(self.tables) and self.tables[-1]["cell"] is not None

    # Parser callbacks -------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "p" or tag in ("div", "section", "article", "figure", "figcaption"):
            self.block()
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.block()
            self.out("#" * int(tag[1]) + " ")
        elif tag in ("strong", "b"):
            self.out("**")
        elif tag in ("em", "i"):
            self.out("*")
        elif tag in ("del", "s", "strike"):
            self.out("~~")
        elif tag == "a":
            self.links.append(attrs.get("href"))
            self.push()
        elif tag == "img":
            alt = (attrs.get("alt") or "").replace("]", "").strip()
            src = attrs.get("src") or ""
            if src:
                self.out(f"![{alt}]({src})")
        elif tag == "br":
            self.out(" " if self.in_cell else "  \n")
        elif tag == "hr":
            self.out("\n\n---\n\n")
        elif tag in ("ul", "ol"):
            if not self.lists:
                self.block()
            self.lists.append([tag, int(attrs.get("start") or 1)])
        elif tag == "li":
            depth = len(self.lists) - 1
            kind = self.lists[-1] if self.lists else ["ul", 1]
            marker = "-" if kind[0] == "ul" else f"{kind[1]}."
            if kind[0] == "ol":
                kind[1] += 1
            self.out("\n" + "    " * max(depth, 0) + marker + " ")
        elif tag == "blockquote":
            self.block()
            self.push()
        elif tag == "pre":
            self.pre += 1
            self.block()
            self.out("```\n")
        elif tag == "code" and not self.pre:
            self.out("`")
        elif tag == "table":
            self.block()
            self.tables.append({"rows": [], "row": None, "cell": None, "caption": None})
        elif tag == "caption" and self.tables:
            self.push()
        elif tag == "tr" and self.tables:
            self.tables[-1]["row"] = []
        elif tag in ("td", "th") and self.tables:
            self.tables[-1]["cell"] = tag
            self.push()

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in BLOCKS_CLOSED_BY_BLANK_LINE:
            self.block()
        elif tag in ("strong", "b"):
            self.out("**")
        elif tag in ("em", "i"):
            self.out("*")
        elif tag in ("del", "s", "strike"):
            self.out("~~")
        elif tag == "a" and self.links:
            text = self.pop().strip()
            href = self.links.pop()
            self.out(f"[{text}]({href})" if href and text else text)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self.block()
        elif tag == "blockquote" and len(self.buffers) > 1:
            text = _tidy(self.pop())
            self.out("\n".join(f"> {line}" if line else ">" for line in text.split("\n")))
            self.block()
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.out("\n```")
            self.block()
        elif tag == "code" and not self.pre:
            self.out("`")
        elif tag == "caption" and self.tables and len(self.buffers) > 1:
            self.tables[-1]["caption"] = " ".join(self.pop().split())
        elif tag in ("td", "th") and self.tables and self.tables[-1]["cell"]:
            table = self.tables[-1]
            text = " ".join(self.pop().split()).replace("|", "\\|")
            if table["row"] is None:
                table["row"] = []
            table["row"].append((table["cell"], text))
            table["cell"] = None
        elif tag == "tr" and self.tables and self.tables[-1]["row"] is not None:
            self.tables[-1]["rows"].append(self.tables[-1]["row"])
            self.tables[-1]["row"] = None
        elif tag == "table" and self.tables:
            self.out(_table(self.tables.pop()))
            self.block()

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            self.out(data)
            return
        text = _escape(data)
        if self.in_cell or self.lists or len(self.buffers) > 1:
            text = re.sub(r"\s+", " ", text)
        else:
            # WordPress keeps paragraphs as blank lines between text: keep them.
            text = re.sub(r"[ \t]+", " ", text)
        self.out(text)


def _table(table: dict) -> str:
    rows = [r for r in table["rows"] if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    lines = []
    if table["caption"]:
        lines += [f"Table: {table['caption']}", ""]
    for i, row in enumerate(rows):
        cells = [text for _kind, text in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


def _tidy(markdown: str) -> str:
    lines = [line.rstrip() if not line.endswith("  ") else line for line in markdown.split("\n")]
    text = "\n".join(
        line.lstrip(" ") if not re.match(r"^ {4,}[-\d]", line) else line for line in lines
    )
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def html_to_markdown(html: str) -> str:
    """Return Markdown for a WordPress post body."""
    converter = _Converter()
    converter.feed(SHORTCODE_RE.sub("", html or ""))
    converter.close()
    while len(converter.buffers) > 1:
        converter.out(converter.pop())
    return _tidy("".join(converter.buffers[0])) + "\n"
