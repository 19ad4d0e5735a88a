"""Share tags on every public page, and markup that a strict HTML5 parser accepts."""

import io
import json

import html5lib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Article, Attachment, Correction
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory

pytestmark = pytest.mark.django_db

SITE_URL = "http://127.0.0.1:8000"
DEFAULT_IMAGE = f"{SITE_URL}/static/img/share-default.png"


def _png(width=1600, height=900) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (179, 18, 31)).save(buffer, "PNG")
    return SimpleUploadedFile("picket.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def site(db):
    """One of each public page type, with content that exercises the templates."""
    author = AuthorFactory(name="Sam Okoro", slug="sam-okoro", bio="AO in a Leeds jobcentre.")
    tag = TagFactory(name="Pay", slug="pay", description="Pay claims and offers.")
    article = ArticleFactory(
        title="Our pay claim",
        slug="our-pay-claim",
        standfirst="Why we want more.",
        body_markdown=(
            "## The figures\n\nTable: Pay by grade\n\n| Grade | Pay |\n| --- | ---: |\n"
            "| AA | £24,100 |\n| AO | £25,900 |\n\n> A quote from the branch.\n\n"
            "- one\n- two\n\n1. first\n2. second\n"
        ),
        authors=[author],
        tags=[tag],
    )
    Correction.objects.create(article=article, note="We gave the wrong date for the AGM.")
    Attachment.objects.create(
        article=article,
        title="The pay report",
        file=SimpleUploadedFile("Pay report.pdf", b"%PDF-1.4\n" + b"x" * 3000),
    )
    pictured = ArticleFactory(
        title="On the picket line",
        slug="on-the-picket-line",
        lead_image=_png(),
        lead_image_alt="Members on a picket line",
        authors=[author],
        tags=[tag],
    )
    from tests.campaign.factories import CandidateFactory, ElectionFactory, PositionFactory

    election = ElectionFactory(name="NEC 2027", slug="nec-2027")
    CandidateFactory(
        name="Jo Bloggs", position=PositionFactory(election=election, title="President")
    )
    return {
        "author": author,
        "tag": tag,
        "article": article,
        "pictured": pictured,
        "election": election,
    }


def _meta(html: str) -> dict[str, str]:
    """The page's <meta property|name=... content=...> tags, parsed, not string-matched."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    found = {}
    for meta in document.iter("meta"):
        key = meta.get("property") or meta.get("name")
        if key:
            found.setdefault(key, meta.get("content"))
    return found


def _feed_links(html: str) -> list[str]:
    document = html5lib.parse(html, namespaceHTMLElements=False)
    return [
        link.get("href")
        for link in document.iter("link")
        if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
    ]


SHARE_PAGES = {
    "home": lambda s: "/",
    "list": lambda s: reverse("articles:list"),
    "tag": lambda s: s["tag"].get_absolute_url(),
    "author": lambda s: s["author"].get_absolute_url(),
    "article without lead image": lambda s: s["article"].get_absolute_url(),
    "article with lead image": lambda s: s["pictured"].get_absolute_url(),
    "search, no query": lambda s: reverse("articles:search"),
    "search with results": lambda s: reverse("articles:search") + "?q=pay",
    "search without results": lambda s: reverse("articles:search") + "?q=xqzvbnm",
}


@pytest.mark.parametrize("page", SHARE_PAGES)
def test_every_public_page_has_share_tags_with_an_absolute_image(client, site, page):
    response = client.get(SHARE_PAGES[page](site))
    assert response.status_code == 200
    html = response.content.decode()
    meta = _meta(html)
    for key in ("og:title", "og:description", "og:url", "twitter:title", "twitter:description"):
        assert meta.get(key), f"{key} missing on {page}"
    assert meta["og:url"].startswith(SITE_URL + "/")
    assert meta["og:image"].startswith(SITE_URL + "/"), meta["og:image"]
    assert meta["twitter:image"] == meta["og:image"]
    assert meta["twitter:card"] == "summary_large_image"
    assert meta.get("og:image:alt")
    assert f"{SITE_URL}{reverse('articles:feed')}" in _feed_links(html)


def test_pages_without_an_image_of_their_own_share_the_default_image(client, site, settings):
    meta = _meta(client.get(site["article"].get_absolute_url()).content.decode())
    assert meta["og:image"] == DEFAULT_IMAGE
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == settings.SITE_NAME


def _json_ld(html: str) -> dict:
    document = html5lib.parse(html, namespaceHTMLElements=False)
    (script,) = [s for s in document.iter("script") if s.get("type") == "application/ld+json"]
    return json.loads(script.text)


def test_article_with_a_lead_image_shares_that_image(client, site):
    html = client.get(site["pictured"].get_absolute_url()).content.decode()
    meta = _meta(html)
    assert meta["og:image"] != DEFAULT_IMAGE
    assert meta["og:image"].startswith(f"{SITE_URL}/media/")
    assert meta["og:image:alt"] == "Members on a picket line"
    assert meta["twitter:image:alt"] == "Members on a picket line"
    # The 1600 x 900 upload is shared as its 1200 px rendition, not the original.
    rendition = site["pictured"].lead_image_renditions["1200"]
    assert meta["og:image"] == f"{SITE_URL}/media/{rendition}"
    assert meta["twitter:image"] == meta["og:image"]
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "675")
    assert _json_ld(html)["image"] == {
        "@type": "ImageObject",
        "url": meta["og:image"],
        "width": 1200,
        "height": 675,
    }


def test_a_small_lead_image_shares_its_largest_rendition(client, db):
    article = ArticleFactory(lead_image=_png(600, 400), lead_image_alt="A banner")
    article.refresh_from_db()
    assert sorted(article.lead_image_renditions, key=int) == ["480", "600"]
    html = client.get(article.get_absolute_url()).content.decode()
    meta = _meta(html)
    assert meta["og:image"] == f"{SITE_URL}/media/{article.lead_image_renditions['600']}"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("600", "400")
    assert _json_ld(html)["image"]["url"] == meta["og:image"]


def test_without_renditions_the_original_upload_is_shared(client, db):
    article = ArticleFactory(lead_image=_png(), lead_image_alt="Members on a picket line")
    Article.objects.filter(pk=article.pk).update(lead_image_renditions={})
    article.refresh_from_db()
    html = client.get(article.get_absolute_url()).content.decode()
    meta = _meta(html)
    assert meta["og:image"] == f"{SITE_URL}{article.lead_image.url}"
    assert meta["og:image"].endswith(".png")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1600", "900")
    assert _json_ld(html)["image"]["url"] == meta["og:image"]


def test_share_image_choice():
    def article(renditions, width=3000, height=2000):
        return Article(
            lead_image="articles/images/x.jpg",
            lead_image_renditions={str(w): f"r/x-{w}.webp" for w in renditions},
            lead_image_width=width,
            lead_image_height=height,
        )

    # The largest not wider than 1200 ...
    assert article([480, 800, 1200, 2000]).share_image() == {
        "url": "/media/r/x-1200.webp",
        "width": 1200,
        "height": 800,
    }
    assert article([480, 1000, 1600]).share_image()["url"] == "/media/r/x-1000.webp"
    # ... else the smallest.
    assert article([1600, 2400]).share_image()["url"] == "/media/r/x-1600.webp"
    # Size unknown: no width or height claimed.
    assert article([800], width=None, height=None).share_image() == {
        "url": "/media/r/x-800.webp",
        "width": None,
        "height": None,
    }
    assert Article().share_image() is None


def test_default_share_image_is_a_small_1200_by_630_png():
    from django.contrib.staticfiles import finders

    path = finders.find("img/share-default.png")
    assert path, "static/img/share-default.png is missing"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (1200, 630)
    with open(path, "rb") as file:
        assert len(file.read()) < 60 * 1024


def test_tag_page_also_links_its_own_feed(client, site):
    links = _feed_links(client.get(site["tag"].get_absolute_url()).content.decode())
    assert f"{SITE_URL}{reverse('articles:tag_feed', args=['pay'])}" in links


# Valid HTML --------------------------------------------------------------------

MARKUP_PAGES = {
    # page: (address, status, text that shows the page has what it is meant to test)
    "home": (lambda s: "/", 200, "Our pay claim"),
    "article with table, attachment and correction": (
        lambda s: s["article"].get_absolute_url(),
        200,
        ("<caption>Pay by grade</caption>", "The pay report", "We gave the wrong date"),
    ),
    "article with lead image": (lambda s: s["pictured"].get_absolute_url(), 200, "srcset="),
    "list": (lambda s: reverse("articles:list"), 200, "On the picket line"),
    "tag": (lambda s: s["tag"].get_absolute_url(), 200, "Our pay claim"),
    "author": (lambda s: s["author"].get_absolute_url(), 200, "AO in a Leeds jobcentre."),
    "search, no query": (lambda s: reverse("articles:search"), 200, "Type a few words"),
    "search with results": (
        lambda s: reverse("articles:search") + "?q=pay",
        200,
        "found for “pay”",
    ),
    "search without results": (
        lambda s: reverse("articles:search") + "?q=xqzvbnm",
        200,
        "No articles found",
    ),
    "join": (lambda s: reverse("members:join"), 200, "<form"),
    "privacy": (lambda s: reverse("members:privacy"), 200, "<h1"),
    "slate": (lambda s: s["election"].get_absolute_url(), 200, "Jo Bloggs"),
    "404": (lambda s: "/no-such-page/", 404, "<h1"),
}


def _strict_parse_errors(html: str) -> str:
    """Parse as a browser would, stop at the first parse error and describe it; then
    look for repeated ids (not a parse error, but invalid and confusing to assistive tech)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(html)
    except html5lib.html5parser.ParseError as error:
        (line, column), code, datavars = parser.errors[-1]
        source = html.splitlines()[line - 1] if 0 < line <= len(html.splitlines()) else ""
        return f"{error} ({code} {datavars}) at line {line}, column {column}: {source.strip()!r}"
    document = parser.parse(html)
    ids = [element.get("id") for element in document.iter() if element.get("id") is not None]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return f"duplicate id: {', '.join(duplicates)}"
    return ""


@pytest.mark.parametrize("page", MARKUP_PAGES)
def test_public_pages_are_valid_html(client, site, page):
    url, status, expected = MARKUP_PAGES[page]
    response = client.get(url(site))
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for text in (expected,) if isinstance(expected, str) else expected:
        assert text in html, f"{page} does not show {text!r}"
    error = _strict_parse_errors(html)
    assert not error, f"{page} ({response.request['PATH_INFO']}): {error}"


def test_the_markup_check_catches_a_real_error():
    assert "line 2" in _strict_parse_errors("<!doctype html>\n<p>one</div>")
    assert "duplicate id: a" in _strict_parse_errors(
        '<!doctype html><title>x</title><p id="a">one</p><p id="a">two</p>'
    )
    assert not _strict_parse_errors("<!doctype html><title>x</title><p>one</p>")
