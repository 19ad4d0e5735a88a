"""Journey 1: a reader goes from the home page to an article, a tag, search and the feed."""

import feedparser
import pytest

from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory
from tests.browser.conftest import check_page, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

BODY = """## What the branch decided

Members voted to back the national pay claim and to build for a ballot.
The vote in the branch was 212 for and 9 against.

Table: Pay now and our claim, by grade

| Grade | Pay now | Claim |
| --- | ---: | ---: |
| AA | £23,500 | £26,000 |
| AO | £25,100 | £27,800 |
| EO | £29,400 | £32,500 |

> If we do not organise, nobody will do it for us.

1. Hold a meeting in every office.
2. Check members' home addresses before the ballot.
"""


@pytest.fixture
def reading_list():
    pay = TagFactory(name="Pay", slug="pay")
    other = TagFactory(name="Health and safety", slug="health-and-safety")
    author = AuthorFactory(name="Sam Okafor", slug="sam-okafor")
    lead = ArticleFactory(
        title="Why our branch backed the pay claim",
        slug="why-our-branch-backed-the-pay-claim",
        standfirst="A packed meeting, a clear vote, and a plan for the ballot.",
        body_markdown=BODY,
        tags=[pay],
        authors=[author],
    )
    ArticleFactory(title="Pay offer falls short again", tags=[pay], authors=[author])
    ArticleFactory(title="Heating fails at the Leeds office", tags=[other])
    return {"lead": lead, "pay": pay}


def _reader_journey(page, reading_list, *, shots: str):
    lead = reading_list["lead"]
    page.goto(page.base + "/")
    check_page(page, f"{shots}-1-home", "home")

    page.get_by_role("link", name=lead.title).first.click()
    page.wait_for_url(f"**{lead.get_absolute_url()}")
    assert page.locator("h1").inner_text() == lead.title
    table = page.locator(".article__body table")
    assert table.locator("th").first.inner_text() == "Grade"
    check_page(page, f"{shots}-2-article", "article")

    page.locator(".article .tag-list").get_by_role("link", name="Pay").click()
    page.wait_for_url("**/tags/pay/")
    assert page.locator("h1").inner_text() == "Pay"
    assert page.locator(".article-item").count() == 2
    check_page(page, f"{shots}-3-tag", "tag")

    page.goto(page.base + "/search/")
    check_page(page, f"{shots}-4-search-empty", "search, empty")
    page.get_by_label("Search articles").fill('"national pay claim"')
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=*")
    results = page.locator(".article-item")
    assert results.count() == 1
    assert results.first.get_by_role("link", name=lead.title).is_visible()
    marked = results.first.locator("mark").all_inner_texts()
    assert [m.lower() for m in marked][:3] == ["national", "pay", "claim"]
    check_page(page, f"{shots}-5-search-results", "search results")

    page.goto(page.base + "/search/?q=zzyzx+quango")
    assert "No articles found" in page.locator("h2").first.inner_text()
    check_page(page, f"{shots}-6-search-none", "search, nothing found")

    # Subscribe: the tag page links its feed; a feed reader gets the article from it.
    page.goto(page.base + "/tags/pay/")
    feed_href = page.locator(".feed-link a").get_attribute("href")
    response = page.request.get(page.base + feed_href)
    assert response.ok
    assert "atom" in response.headers["content-type"]
    feed = feedparser.parse(response.body())
    assert lead.title in [entry.title for entry in feed.entries]
    alternate = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    assert alternate.count() >= 1


def test_reader_finds_reads_searches_and_subscribes(page, reading_list):
    """A reader on a phone reaches an article, its tag, a highlighted search hit and the feed."""
    _reader_journey(page, reading_list, shots="reader")
    assert page.console_errors == []


def test_reader_journey_without_javascript(nojs_page, reading_list):
    """The reading journey needs no JavaScript."""
    _reader_journey(nojs_page, reading_list, shots="reader-nojs")


def test_reading_pages_reflow_at_320px_and_200_percent_zoom(at_widths, reading_list):
    """Home, article, tag, list, author and search pages need no sideways scrolling."""
    lead = reading_list["lead"]
    at_widths("/", "reader-home")
    at_widths(lead.get_absolute_url(), "reader-article")
    at_widths("/tags/pay/", "reader-tag")
    at_widths("/articles/", "reader-list")
    at_widths("/authors/sam-okafor/", "reader-author")
    at_widths("/search/?q=pay", "reader-search")


def test_other_public_article_pages_are_accessible(page, reading_list):
    """The archive list, an author page and a missing page pass axe."""
    for path, name in [
        ("/articles/", "article-list"),
        ("/authors/sam-okafor/", "author"),
        ("/no-such-page/", "not-found"),
    ]:
        page.goto(page.base + path)
        check_page(page, name, path)
    screenshot(page, "not-found")
