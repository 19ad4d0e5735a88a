"""Import a WordPress export (WXR): posts, authors, tags, categories, attachments, permalinks.

Running it again changes nothing: posts are matched by their WordPress id,
authors by login, tags by slug, attachments by their old address, and
redirects by old path.
"""

import mimetypes
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils.text import slugify

from articles.html_to_markdown import html_to_markdown
from articles.models import Article, Attachment, Author, Redirect, Tag
from articles.services import article_save, tag_save
from core.uploads import safe_upload_to, validate_image

_IMAGE_UPLOAD = safe_upload_to("articles/images")

STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.SCHEDULED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,
}
SKIP_CATEGORIES = {"uncategorized", "uncategorised"}


class ImportFailed(Exception):
    """The file cannot be imported; nothing from it was saved. The message says why."""


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    skipped: int = 0
    authors: int = 0
    tags: int = 0
    attachments: int = 0
    redirects: int = 0
    missing_files: list[str] = field(default_factory=list)
    refused_files: list[str] = field(default_factory=list)  # not a usable image

    def __str__(self):
        text = (
            f"{self.created} posts imported, {self.unchanged} already here, "
            f"{self.skipped} skipped; {self.authors} new authors, {self.tags} new tags, "
            f"{self.attachments} attachments, {self.redirects} new redirects"
        )
        if self.missing_files:
            text += f"; {len(self.missing_files)} files not found locally"
        if self.refused_files:
            text += f"; {len(self.refused_files)} files refused (not an image we can use)"
        return text


class _Reader:
    """Find the namespaces this export uses (WXR 1.0, 1.1 and 1.2 differ)."""

    def __init__(self, root):
        self.wp = self.content = self.excerpt = self.dc = ""
        for el in root.iter():
            ns = el.tag[1:].split("}")[0] if el.tag.startswith("{") else ""
            if "excerpt" in ns:
                self.excerpt = ns
            elif ns.startswith("http://wordpress.org/export/"):
                self.wp = ns
            elif ns == "http://purl.org/rss/1.0/modules/content/":
                self.content = ns
            elif ns == "http://purl.org/dc/elements/1.1/":
                self.dc = ns

    def text(self, el, name: str, ns: str | None = None) -> str:
        tag = f"{{{ns if ns is not None else self.wp}}}{name}" if (ns or self.wp) else name
        found = el.find(tag)
        return (found.text or "").strip() if found is not None else ""


def _path(url: str) -> str:
    parts = urlsplit(url)
    path = unquote(parts.path) or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _date(value: str):
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ImportFailed(f"A post date is not YYYY-MM-DD HH:MM:SS: {value[:40]!r}") from exc


def _post_id(value: str, item) -> int:
    title = (item.findtext("title") or "").strip()[:60]
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= 2_147_483_647:
        raise ImportFailed(f"The post {title!r} has no valid post_id (got {value[:20]!r}).")
    return int(value)


def import_wxr(path: str | Path, *, media_dir: str | Path | None = None) -> ImportReport:
    """Import a WXR file; look for attachment files under ``media_dir`` (wp-content/uploads).

    All or nothing: any problem raises ImportFailed and the database is as it was
    (files already copied into storage stay, unreferenced).
    """
    try:
        tree = ET.parse(path)  # noqa: S314 - see the import note above
    except ET.ParseError as exc:
        raise ImportFailed(f"The file is not a well-formed XML export: {exc}") from exc
    channel = tree.getroot().find("channel")
    if channel is None:
        raise ImportFailed("The file is XML but not a WordPress export (no <channel>).")
    try:
        with transaction.atomic():
            return _import(tree, channel, media_dir)
    except DatabaseError as exc:
        # A value the database refused: the transaction is rolled back whole.
        raise ImportFailed(f"The database refused a value in the file: {exc}") from exc


def _import(tree, channel, media_dir) -> ImportReport:
    report = ImportReport()
    r = _Reader(tree.getroot())
    media = Path(media_dir) if media_dir else None

    authors = {}
    for el in channel.findall(f"{{{r.wp}}}author"):
        login = r.text(el, "author_login")
        name = r.text(el, "author_display_name") or login
        authors[login] = _author(login, name, report)

    tags_by_slug = {}
    old_tag_paths = []
    for el in channel.findall(f"{{{r.wp}}}category"):
        slug = r.text(el, "category_nicename")
        if slug and slug not in SKIP_CATEGORIES:
            tags_by_slug[slug] = _tag(slug, r.text(el, "cat_name"), report)
            old_tag_paths.append((f"/category/{slug}/", tags_by_slug[slug]))
    for el in channel.findall(f"{{{r.wp}}}tag"):
        slug = r.text(el, "tag_slug")
        if slug:
            tags_by_slug[slug] = _tag(slug, r.text(el, "tag_name"), report)
            old_tag_paths.append((f"/tag/{slug}/", tags_by_slug[slug]))

    items = channel.findall("item")
    attachments = {}
    for item in items:
        if r.text(item, "post_type") == "attachment":
            attachments[r.text(item, "post_id")] = item

    for item in items:
        if r.text(item, "post_type") != "post":
            continue
        status = STATUSES.get(r.text(item, "status"))
        if status is None:
            report.skipped += 1
            continue
        post_id = _post_id(r.text(item, "post_id"), item)
        article = Article.objects.filter(wp_post_id=post_id).first()
        if article is None:
            article = _create_article(
                item, r, post_id, status, authors, tags_by_slug, report, media
            )
            report.created += 1
        else:
            report.unchanged += 1
        link = (item.findtext("link") or "").strip()
        paths = {f"/?p={post_id}"}
        if link and urlsplit(link).path not in ("", "/"):
            paths.add(_path(link))
        for old in paths:
            if old != article.get_absolute_url() and _remember(old, article=article):
                report.redirects += 1
        _attach(item, r, article, attachments, media, report)

    for old, tag in old_tag_paths:
        if _remember(old, tag=tag):
            report.redirects += 1
    return report


def _author(login, name, report):
    login, name = login[:120], name[:120]  # the columns' lengths
    author = Author.objects.filter(wp_login=login).first()
    if author:
        return author
    slug = base = (slugify(name) or slugify(login) or "author")[:100]
    n = 2
    while Author.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    report.authors += 1
    return Author.objects.create(name=name, slug=slug, wp_login=login)


def _tag(wp_slug, name, report):
    # WordPress slugs are percent-encoded and may hold anything; ours go in URLs.
    slug = slugify(unquote(wp_slug))[:80] or slugify(name)[:80] or "tag"
    name = (name or wp_slug)[:80]
    tag = Tag.objects.filter(slug=slug).first() or Tag.objects.filter(name=name).first()
    if tag is None:
        report.tags += 1
        tag = tag_save(tag=Tag(slug=slug, name=name), validate=False)
    return tag


def _remember(old_path: str, **target) -> bool:
    if len(old_path) > Redirect._meta.get_field("old_path").max_length:
        return False  # an address too long to store is not worth keeping
    _obj, created = Redirect.objects.get_or_create(old_path=old_path, defaults=target)
    return created


_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def _local_images(markdown: str, media: Path | None, report) -> str:
    """Copy images the post shows from wp-content/uploads here, and point at the copies.

    Images left on the old site would be blocked by our content security policy.
    """

    def replace(match):
        alt, url = match.groups()
        local = _local_file(url, media)
        if local is None:
            if media is not None and "/wp-content/uploads/" in url:
                report.missing_files.append(url)
            return match.group(0)
        with local.open("rb") as fh:
            image = File(fh, name=local.name)
            try:
                validate_image(image)  # the same check as an organiser's upload
            except ValidationError:
                report.refused_files.append(url)
                return match.group(0)
            name = default_storage.save(_IMAGE_UPLOAD(None, local.name, image), image)
        report.attachments += 1
        return f"![{alt}]({default_storage.url(name)})"

    return _IMAGE_RE.sub(replace, markdown)


def _create_article(item, r, post_id, status, authors, tags_by_slug, report, media=None):
    title = (item.findtext("title") or "").strip() or f"Untitled post {post_id}"
    slug = slugify(unquote(r.text(item, "post_name")))[:190]
    slug = slug or slugify(title)[:180] or f"post-{post_id}"
    if Article.objects.filter(slug=slug).exists():
        slug = f"{slug[:180]}-wp{post_id}"
    published_at = _date(r.text(item, "post_date_gmt"))
    if status != Article.Status.DRAFT and published_at is None:
        status = Article.Status.DRAFT
    creator = r.text(item, "creator", r.dc)
    # Published there, so imported as it is: the publishing checks (validate)
    # are for organisers' edits, and a refused post would stop the import.
    return article_save(
        article=Article(
            title=title[:200],
            slug=slug,
            standfirst=r.text(item, "encoded", r.excerpt)[:400],
            body_markdown=_local_images(
                html_to_markdown(r.text(item, "encoded", r.content)), media, report
            ),
            status=status,
            published_at=published_at,
            wp_post_id=post_id,
        ),
        authors=[authors[creator]] if creator in authors else [],
        tags=[
            tags_by_slug[el.get("nicename")]
            for el in item.findall("category")
            if el.get("nicename") in tags_by_slug
        ],
        validate=False,
    )


def _local_file(url: str, media: Path | None) -> Path | None:
    if media is None or "/wp-content/uploads/" not in url:
        return None
    relative = unquote(urlsplit(url).path.split("/wp-content/uploads/", 1)[1])
    candidate = (media / relative).resolve()
    if media.resolve() not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def _attach(item, r, article, attachments, media, report):
    post_id = r.text(item, "post_id")
    thumbnail_id = None
    for meta in item.findall(f"{{{r.wp}}}postmeta"):
        if r.text(meta, "meta_key") == "_thumbnail_id":
            thumbnail_id = r.text(meta, "meta_value")
    for att_id, att in attachments.items():
        url = r.text(att, "attachment_url")
        is_thumbnail = att_id == thumbnail_id
        if r.text(att, "post_parent") != post_id and not is_thumbnail:
            continue
        kind = mimetypes.guess_type(url)[0] or ""
        local = _local_file(url, media)
        if local is None:
            if media is not None:
                report.missing_files.append(url)
            continue
        title = (att.findtext("title") or "").strip() or local.stem
        if kind == "application/pdf":
            if article.attachments.filter(source_url=url).exists():
                continue
            with local.open("rb") as fh:
                Attachment.objects.create(
                    article=article, title=title, file=File(fh, name=local.name), source_url=url
                )
            report.attachments += 1
        elif is_thumbnail and kind.startswith("image/") and not article.lead_image:
            alt = ""
            for meta in att.findall(f"{{{r.wp}}}postmeta"):
                if r.text(meta, "meta_key") == "_wp_attachment_image_alt":
                    alt = r.text(meta, "meta_value")
            with local.open("rb") as fh:
                article.lead_image.save(local.name, File(fh), save=False)
            article.lead_image_alt = alt or title
            article_save(article=article, validate=False)
            report.attachments += 1
