"""Journey 3: a branch contact reports an AGM's nominations; an organiser verifies them."""

import datetime
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Nomination,
    Position,
)
from members.models import BranchContactLink
from tests.browser.conftest import check_page, screenshot
from tests.factories import BranchFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"


@pytest.fixture
def election():
    """A published national election with one candidate already nominated once."""
    today = timezone.localdate()
    dwp = GroupFactory(code="dwp", name="DWP")
    election = Election.objects.create(
        name="NEC 2027",
        slug="nec-2027",
        intro="Our candidates stand for a union that fights for every member.",
        agm_window_start=today - datetime.timedelta(days=30),
        agm_window_end=today + datetime.timedelta(days=30),
        nominations_close=today + datetime.timedelta(days=40),
        ballot_opens=today + datetime.timedelta(days=60),
        ballot_closes=today + datetime.timedelta(days=80),
        nominations_needed=15,
        is_published=True,
        publish_counts=True,
    )
    president = Position.objects.create(election=election, title="President", seats=1)
    Position.objects.create(election=election, title="Vice President", seats=2, order=1)
    maria = Candidate.objects.create(
        position=president,
        name="Maria Lopez",
        employer=dwp,
        statement="A DWP rep for twenty years. I will never take more than a worker's wage.",
    )
    # One verified nomination from another branch already counts.
    other = BranchFactory(code="DWP-SHF", name="Sheffield Benefits", group=dwp)
    meeting = BranchMeeting.objects.create(
        branch=other, kind=BranchMeeting.Kind.AGM, date=today - datetime.timedelta(days=3)
    )
    Nomination.objects.create(
        meeting=meeting,
        position=president,
        candidate=maria,
        reported_by="Pat",
        verified_by=UserFactory(username="earlier"),
        verified_at=timezone.now(),
    )
    leeds = BranchFactory(code="DWP-LDS", name="Leeds Jobcentres", group=dwp)
    _link, token = BranchContactLink.issue(
        branch=leeds, contact_name="Chris Ward", email="chris@example.org"
    )
    return {"election": election, "maria": maria, "token": token, "leeds": leeds}


def _count_for(page, name: str) -> str:
    candidate = page.locator(".campaign-candidate", has=page.get_by_role("heading", name=name))
    return candidate.locator(".campaign-count strong").inner_text()


def _contact_reports(page, election, *, shots: str):
    """The branch contact's part: AGM date (with one mistake), then the nominations."""
    slate_url = page.base + election["election"].get_absolute_url()
    page.goto(slate_url)
    assert _count_for(page, "Maria Lopez") == "1"
    check_page(page, f"{shots}-1-slate", "slate")

    report_url = f"{slate_url}report/?token={election['token']}"
    page.goto(report_url)
    assert page.locator("h1").inner_text() == "Leeds Jobcentres"
    check_page(page, f"{shots}-2-report", "report, empty")

    # A date outside the AGM window is refused with a message saying why.
    outside = election["election"].agm_window_end + datetime.timedelta(days=5)
    page.get_by_label("Date of your branch AGM").fill(outside.strftime("%d/%m/%Y"))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save the AGM date").click()
    # A referrer policy of no-referrer once made Chromium post with Origin: null
    # and the CSRF check refused every report.
    assert posted.value.status != 403
    assert page.locator(".error-summary").is_visible()
    assert "The AGM must be between" in page.locator(".error-summary").inner_text()
    check_page(page, f"{shots}-3-report-error", "report, error")

    agm = timezone.localdate() + datetime.timedelta(days=7)
    page.get_by_label("Date of your branch AGM").fill(agm.strftime("%d/%m/%Y"))
    page.get_by_label("Where it will be held").fill("Quarry House, room 4")
    page.get_by_role("button", name="Save the AGM date").click()
    assert "Your AGM date is saved" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Send the nominations").count() == 0

    # A week later the meeting has happened (moved in the database: the live
    # server's clock cannot be moved from here), and the contact comes back.
    BranchMeeting.objects.filter(branch=election["leeds"]).update(date=timezone.localdate())
    page.goto(report_url)
    page.get_by_label("Maria Lopez").check()
    page.get_by_label("Vice President: other candidates nominated").fill("A. N. Other")
    page.get_by_role("button", name="Send the nominations").click()
    assert "the nominations are saved" in page.locator("main").inner_text()
    check_page(page, f"{shots}-4-report-saved", "report, saved")
    nomination = Nomination.objects.get(meeting__branch=election["leeds"], candidate__isnull=False)
    assert nomination.verified_by is None

    # Not yet verified: the public count has not moved.
    page.goto(slate_url)
    assert _count_for(page, "Maria Lopez") == "1"


def _organiser_verifies(page, election):
    organiser = UserFactory(username="nat", role="national", password=PASSWORD)
    device = TOTPDevice.objects.create(user=organiser, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)

    page.goto(page.base + "/admin/")
    page.get_by_label("Username").fill("nat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    assert "Enter the six-digit code" in page.locator("main, #content, body").first.inner_text()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Six-digit code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.wait_for_url("**/admin/")

    page.goto(page.base + "/admin/campaign/nomination/?verified_by__isempty=1")
    row = page.locator("#result_list tbody tr", has_text="Maria Lopez")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("verify")
    page.get_by_role("button", name=re.compile("Go|Run", re.I)).click()
    assert "Verified 1 nomination" in page.locator(".messagelist").inner_text()
    screenshot(page, "nominations-5-admin-verified")


def test_contact_reports_and_organiser_verifies(page, browser, election, settings):
    """The slate count goes up once an organiser (with two-factor login) verifies."""
    settings.OTP_REQUIRED_FOR_STAFF = True
    _contact_reports(page, election, shots="nominations")
    _organiser_verifies(page, election)
    # The public (no session, so possibly served from the page cache) sees it.
    context = browser.new_context(viewport={"width": 375, "height": 740})
    public = context.new_page()
    public.goto(page.base + election["election"].get_absolute_url())
    assert _count_for(public, "Maria Lopez") == "2"
    screenshot(public, "nominations-6-slate-after")
    context.close()
    assert page.console_errors == []


def test_contact_reports_without_javascript(nojs_page, election):
    """The branch contact's part needs no JavaScript."""
    _contact_reports(nojs_page, election, shots="nominations-nojs")


def test_campaign_pages_reflow(at_widths, election):
    at_widths(election["election"].get_absolute_url(), "slate")
    at_widths(
        f"{election['election'].get_absolute_url()}report/?token={election['token']}",
        "report",
    )
