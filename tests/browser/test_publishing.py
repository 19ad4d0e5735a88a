"""Journey 4: an organiser writes and schedules an article, previews it, sees it go public."""

import datetime
import time

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from articles.models import Article, PreviewLink
from tests.articles.factories import TagFactory
from tests.browser.conftest import admin_log_in, check_page, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BODY = """Branch reps met the employer on Tuesday. This is what they offered, grade by grade.

Table: The offer against our claim, per year
| Grade | Offer | Our claim |
| --- | ---: | ---: |
| AO | £24,900 | £27,800 |
| EO | £29,100 | £32,500 |

## What happens next

Members vote in an indicative ballot from Monday. Every office needs a rep to run it.
"""


def _lead_image(tmp_path):
    path = tmp_path / "picket-line.png"
    image = Image.new("RGB", (1400, 800), "#b3121f")
    ImageDraw.Draw(image).rectangle((100, 500, 1300, 700), fill="#ffffff")
    image.save(path)
    return path


def _log_in(page):
    UserFactory(username="editor", is_superuser=True)
    admin_log_in(page, "editor")
    page.wait_for_url("**/admin/")


def test_organiser_schedules_previews_and_publishes(desktop_page, browser, live_server, tmp_path):
    """A scheduled article stays private, shows through its secret link, then goes public."""
    page = desktop_page
    TagFactory(name="Pay", slug="pay")
    _log_in(page)

    page.goto(page.base + "/admin/articles/article/add/")
    page.get_by_label("Title:").fill("The employer's pay offer, line by line")
    page.get_by_label("Standfirst:").fill("What was offered, what we claimed, and the vote.")
    # The admin fills the slug in from the title as you type.
    assert page.get_by_label("Slug:").input_value() == "the-employers-pay-offer-line-by-line"
    page.locator("textarea[name=body_markdown]").fill(BODY)
    page.get_by_label("Status:").select_option("scheduled")
    when = timezone.localtime() + datetime.timedelta(hours=2)
    page.locator("input[name=published_at_0]").fill(when.strftime("%Y-%m-%d"))
    page.locator("input[name=published_at_1]").fill(when.strftime("%H:%M:%S"))
    page.locator("input[name=lead_image]").set_input_files(_lead_image(tmp_path))
    page.get_by_label("Lead image alt text:").fill("Members on a picket line holding a red banner")
    screenshot(page, "publishing-1-admin-form")
    page.get_by_role("button", name="Add another Preview link").click()
    # A new row left at its defaults is not saved (Django skips unchanged extra
    # forms; reported), so the organiser sets how long the link should work.
    expires = timezone.localtime() + datetime.timedelta(days=3)
    page.locator("input[name=preview_links-0-expires_at_0]").fill(expires.strftime("%Y-%m-%d"))
    page.locator("input[name=_continue]").click()
    assert page.locator(".errornote").count() == 0, page.locator(".errornote").inner_text()

    article = Article.objects.get()
    assert article.status == Article.Status.SCHEDULED
    assert article.lead_image
    link = PreviewLink.objects.get(article=article)
    public_url = live_server.url + article.get_absolute_url()

    # A reviewer without an account reads it through the secret link ...
    reader_context = browser.new_context(viewport={"width": 375, "height": 740})
    reader = reader_context.new_page()
    reader.goto(live_server.url + link.get_absolute_url())
    assert "Preview." in reader.locator(".notice--preview").inner_text()
    assert reader.locator("h1").inner_text() == article.title
    assert reader.locator(".article__body caption").inner_text().startswith("The offer")
    image = reader.locator(".article__lead-image img")
    assert image.get_attribute("alt") == "Members on a picket line holding a red banner"
    assert reader.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    reader.base = live_server.url
    check_page(reader, "publishing-2-preview", "preview")

    # ... but the public cannot see it yet.
    assert reader.goto(public_url).status == 404
    reader.goto(live_server.url + "/")
    assert reader.get_by_role("link", name=article.title).count() == 0

    # Its time comes: the live server's clock is real, so the publication time
    # is moved to two seconds from now (saved, as the admin would, so the page
    # cache hears of it; it expires pages at the next publication by itself).
    article.published_at = timezone.now() + datetime.timedelta(seconds=2)
    article.save(update_fields=["published_at"])
    deadline = time.monotonic() + 20
    while reader.goto(public_url).status != 200:
        assert time.monotonic() < deadline, "the scheduled article never went public"
        time.sleep(0.5)
    assert reader.locator(".notice--preview").count() == 0
    check_page(reader, "publishing-3-public", "published article")
    # The home page the reader saw before may be kept for a minute by the
    # browser (Cache-Control max-age); reloading asks the server again.
    reader.goto(live_server.url + "/")
    reader.reload()
    assert reader.get_by_role("link", name=article.title).first.is_visible()
    reader_context.close()
