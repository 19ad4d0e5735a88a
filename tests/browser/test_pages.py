"""The public page types the journeys do not reach, on screen and on paper."""

import datetime

import pytest
from django.utils import timezone

from campaign.models import Candidate, Election, Position
from members.models import BranchContactLink
from tests.articles.factories import ArticleFactory
from tests.browser.conftest import check_page, screenshot
from tests.factories import BranchFactory, GroupFactory

pytestmark = pytest.mark.django_db(transaction=True)
A4 = {"width": 794, "height": 1123}  # an A4 sheet at 96 CSS px per inch


@pytest.fixture
def group_election():
    today = timezone.localdate()
    dwp = GroupFactory(code="dwp", name="DWP")
    election = Election.objects.create(
        name="DWP Group Executive 2027",
        slug="dwp-ge-2027",
        group=dwp,
        agm_window_start=today - datetime.timedelta(days=10),
        agm_window_end=today + datetime.timedelta(days=40),
        nominations_close=today + datetime.timedelta(days=50),
        ballot_opens=today + datetime.timedelta(days=70),
        ballot_closes=today + datetime.timedelta(days=90),
        is_published=True,
    )
    for order, (title, names) in enumerate(
        [("President", ["Maria Lopez"]), ("Vice President", ["Dev Patel", "Ann Byrne"])]
    ):
        position = Position.objects.create(
            election=election, title=title, seats=len(names), order=order
        )
        for name in names:
            Candidate.objects.create(position=position, name=name)
    return election


def _print(page, name):
    page.emulate_media(media="print")
    hidden = page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).display")
    assert hidden == "none", "the site header should not print"
    screenshot(page, f"{name}-print", sizes=(A4,))
    page.emulate_media(media="screen")


def test_nominations_sheet_on_screen_and_paper(page, group_election):
    page.goto(page.base + "/elections/nominations-sheet/dwp/")
    assert "Maria Lopez" in page.locator("main").inner_text()
    check_page(page, "nominations-sheet")
    _print(page, "nominations-sheet")


def test_article_prints_without_the_site_around_it(desktop_page):
    article = ArticleFactory(
        title="What the pay offer means for you",
        body_markdown="Table: Offer by grade\n| Grade | Offer |\n| --- | ---: |\n| AO | 3% |\n",
    )
    desktop_page.goto(desktop_page.base + article.get_absolute_url())
    _print(desktop_page, "article")


def test_invalid_and_expired_links_explain_themselves(page, group_election):
    """A bad personal or branch-contact link gets a clear, accessible page."""
    for path, name in [
        ("/me/not-a-real-token/", "manage-link-invalid"),
        ("/join/confirm/not-a-real-token/", "confirm-link-invalid"),
        (group_election.get_absolute_url() + "report/?token=nope", "report-link-invalid"),
        ("/ballots/report/?token=nope", "ballots-link-invalid"),
    ]:
        response = page.goto(page.base + path)
        assert response.status in (400, 403, 404), path
        check_page(page, name, path)


def test_ballot_figures_form_empty_and_with_errors(page, group_election):
    branch = BranchFactory(code="DWP-LDS", name="Leeds Jobcentres", group=group_election.group)
    _link, token = BranchContactLink.issue(
        branch=branch, contact_name="Chris Ward", email="chris@example.org"
    )
    page.goto(f"{page.base}/ballots/report/?token={token}")
    check_page(page, "ballots-report", "ballot figures, empty")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send the figures").click()
    assert posted.value.status != 403  # no-referrer once gave Origin: null, refused by CSRF
    assert page.locator(".error-summary, [role=alert]").first.is_visible()
    check_page(page, "ballots-report-errors", "ballot figures, errors")


def test_error_pages(page, settings):
    """The 500 and 503 (database down) pages, from views that fail on purpose."""
    settings.ROOT_URLCONF = "tests.browser.error_urls"
    for path, status, name in [
        ("/test-errors/broken/", 500, "error-500"),
        ("/test-errors/database-down/", 503, "error-503"),
    ]:
        response = page.goto(page.base + path)
        assert response.status == status, path
        assert page.locator("h1").inner_text().startswith("Sorry")
        check_page(page, name, f"{status} page")


def test_too_many_requests_page(page, settings):
    """Over the join limit, the form answers with the polite 429 page."""
    settings.RATELIMITS = {**getattr(settings, "RATELIMITS", {}), "join": "0/h"}
    page.goto(page.base + "/join/")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Join").click()
    assert posted.value.status == 429
    assert posted.value.headers["retry-after"]
    assert "too many" in page.locator("h1").inner_text().lower()
    check_page(page, "error-429", "429 page")


def test_check_your_email_warns_about_a_work_address(page):
    page.goto(page.base + "/join/check-your-email/?work=1")
    assert "You gave a work email address" in page.locator("main").inner_text()
    check_page(page, "join-check-email-work", "work address")


def test_joint_slate_with_recommended_order(page, group_election):
    """A partner's candidate, an independent and our STV order, on the slate and the sheet."""
    dev, ann = Candidate.objects.filter(position__title="Vice President").order_by("pk")
    Candidate.objects.filter(pk=dev.pk).update(affiliation="partner", partner="Broad Left")
    Candidate.objects.filter(pk=ann.pk).update(affiliation="independent")
    Candidate.objects.filter(pk=ann.pk).update(preference=1)
    Candidate.objects.filter(pk=dev.pk).update(preference=2)
    page.goto(page.base + group_election.get_absolute_url())
    main = page.locator("main")
    order = main.locator(".campaign-preferences__list li")
    assert order.all_inner_texts() == ["1 Ann Byrne", "2 Dev Patel"]
    assert "Joint slate: Broad Left" in main.inner_text()
    assert "Independent" in main.inner_text()
    check_page(page, "slate-joint")
    page.goto(page.base + "/elections/nominations-sheet/dwp/")
    sheet = page.locator("main").inner_text()
    assert "Our recommended order for the ballot: 1 Ann Byrne, 2 Dev Patel." in sheet
    check_page(page, "nominations-sheet-joint")
