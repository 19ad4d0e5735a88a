"""Journey: someone finds an event, replies without an account, then cancels by the
link in their email; the places shown follow each step."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from campaign.models import EventRSVP
from tests.browser.conftest import admin_log_in, check_page, screenshot
from tests.campaign.factories import EventFactory
from tests.factories import BranchFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def event(settings):
    settings.MEMBERS_JOIN_MIN_SECONDS = 0  # the browser is quicker than a person
    dwp = GroupFactory(code="dwp", name="DWP")
    leeds = BranchFactory(code="DWP-LDS", name="Leeds Jobcentres", group=dwp)
    start = (timezone.now() + timedelta(days=9)).replace(hour=18, minute=30, second=0)
    return EventFactory(
        title="Pay campaign members' meeting",
        slug="pay-meeting",
        description="Open to **everyone** in the branch.\n\n- the pay offer\n- the ballot",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Leeds Trades Club, Chapeltown Road",
        branch=leeds,
        capacity=40,
    )


def _places(page) -> str:
    return page.locator("#places").inner_text()


def _reply_and_cancel(page, *, shots: str):
    page.goto(page.base + "/")
    page.locator(".site-nav").get_by_role("link", name="Events").click()
    page.wait_for_url("**/events/")
    check_page(page, f"{shots}-1-list")
    page.get_by_role("link", name="Pay campaign members' meeting").click()
    page.wait_for_url("**/events/pay-meeting/")
    assert _places(page) == "40 of 40 left"
    check_page(page, f"{shots}-2-event")

    page.get_by_role("link", name="Reply: I am coming").click()
    page.wait_for_url("**/reply/")
    check_page(page, f"{shots}-3-form")
    page.get_by_role("button", name="Reply").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Enter your name" in summary.locator("li").all_inner_texts()
    assert EventRSVP.objects.count() == 0
    check_page(page, f"{shots}-4-errors", "reply, errors")

    page.get_by_label("Your name").fill("Jo Bloggs")
    page.get_by_label("Email address", exact=True).fill("jo@example.org")
    page.locator("select[name=branch]").select_option(label="Leeds Jobcentres (DWP-LDS)")
    page.get_by_label(re.compile("I agree that Rank and File may hold")).check()
    page.get_by_role("button", name="Reply").click()
    page.wait_for_url("**/reply/done/")
    check_page(page, f"{shots}-5-done")
    rsvp = EventRSVP.objects.get()
    assert rsvp.branch.code == "DWP-LDS"

    page.goto(page.base + "/events/pay-meeting/")
    assert _places(page) == "39 of 40 left"

    [email] = mail.outbox
    cancel = next(
        urlsplit(u).path for u in re.findall(r"https?://\S+", email.body) if "/events/cancel/" in u
    )
    page.goto(page.base + cancel)
    check_page(page, f"{shots}-6-cancel")
    assert EventRSVP.objects.get().is_live  # opening the link is not enough
    page.get_by_role("button", name="Cancel my reply").click()
    assert page.locator("h1").inner_text() == "Your reply is cancelled"
    check_page(page, f"{shots}-7-cancelled")
    assert not EventRSVP.objects.get().is_live
    page.goto(page.base + "/events/pay-meeting/")
    assert _places(page) == "40 of 40 left"


def test_someone_replies_to_an_event_then_cancels(page, event):
    """On a phone with JavaScript on, with axe, reflow and screenshots at each step."""
    _reply_and_cancel(page, shots="event")
    assert page.console_errors == []


def test_replying_and_cancelling_work_without_javascript(nojs_page, event):
    _reply_and_cancel(nojs_page, shots="event-nojs")


def test_the_organiser_prints_the_attendee_list_and_records_who_came(desktop_page, event):
    """The list for the door shows who replied; ticking and saving records who came."""
    from tests.campaign.factories import EventRSVPFactory

    came = EventRSVPFactory(event=event, name="Jo Bloggs")
    EventRSVPFactory(event=event, name="Sam Smith")
    EventRSVPFactory(event=event, name="Gone Away", cancelled_at=timezone.now())
    page = desktop_page
    UserFactory(username="organiser", is_superuser=True)
    admin_log_in(page, "organiser")
    page.wait_for_url("**/admin/")
    page.goto(page.base + f"/admin/campaign/event/{event.pk}/change/")
    page.get_by_role("link", name="Attendee list for the door").click()
    page.wait_for_url("**/attendees/")
    rows = page.locator("table.campaign-attendees tbody tr")
    assert rows.count() == 2
    assert "Gone Away" not in page.content()
    page.get_by_label("Jo Bloggs came").check()
    page.get_by_role("button", name="Save who came").click()
    assert "Attendance saved (1 changed)." in page.content()
    came.refresh_from_db()
    assert came.attended
    screenshot(page, "event-8-attendees")
    page.emulate_media(media="print")
    screenshot(page, "event-9-attendees-print", sizes=({"width": 800, "height": 1100},))
