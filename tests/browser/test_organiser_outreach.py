"""Journey: an organiser opens the home, goes to the board and the chase list, and sends
contact links to 200 branches in one action (each email once, with reminders)."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.models import BranchMeeting, Candidate, ContactEvent, Election, Position, Reminder
from members.models import Branch, BranchContactLink, Group, Region
from tests.browser.conftest import assert_tables_captioned, axe_violations, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"


@pytest.fixture
def campaign_at_scale():
    """200 branches with no AGM held, each with a contact from last year; an open NEC."""
    today = timezone.localdate()
    group = Group.objects.create(code="dwp", name="DWP")
    region = Region.objects.create(code="north", name="North")
    branches = Branch.objects.bulk_create(
        Branch(code=f"DWP-{i:03}", name=f"Branch {i}", group=group, region=region)
        for i in range(200)
    )
    BranchMeeting.objects.bulk_create(
        BranchMeeting(branch=b, date=today + datetime.timedelta(days=10 + i % 40))
        for i, b in enumerate(branches)
    )
    now = timezone.now()
    BranchContactLink.objects.bulk_create(
        BranchContactLink(
            branch=b,
            contact_name=f"Secretary {i}",
            email=f"secretary{i}@example.org",
            token_hash=f"{i:064x}",
            created_at=now - datetime.timedelta(days=20),
            expires_at=now + datetime.timedelta(days=40),
        )
        for i, b in enumerate(branches)
    )
    election = Election.objects.create(
        name="NEC 2027",
        slug="nec-2027",
        agm_window_start=today - datetime.timedelta(days=30),
        agm_window_end=today + datetime.timedelta(days=60),
        nominations_close=today + datetime.timedelta(days=20),
        ballot_opens=today + datetime.timedelta(days=70),
        ballot_closes=today + datetime.timedelta(days=90),
        nominations_needed=15,
        is_published=True,
    )
    position = Position.objects.create(election=election, title="President", seats=1)
    Candidate.objects.create(position=position, name="Maria Lopez")
    return election


def _log_in(page):
    organiser = UserFactory(username="nat", role="national", password=PASSWORD)
    device = TOTPDevice.objects.create(user=organiser, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.goto(page.base + "/admin/")
    page.get_by_label("Username").fill("nat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Six-digit code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.wait_for_url("**/admin/")


def test_organiser_sends_links_to_200_branches_in_one_action(desktop_page, campaign_at_scale):
    page = desktop_page
    violations = []
    _log_in(page)
    main = page.locator("#content")
    assert "Due in the next 28 days" in main.inner_text()
    assert "Nominations for NEC 2027 reach HQ" in main.inner_text()
    assert "Maria Lopez (President, NEC 2027) is 15 short" in main.inner_text()
    assert_tables_captioned(page, "organiser home")
    screenshot(page, "outreach-1-organiser-home")
    violations.append(("home", axe_violations(page)))

    page.get_by_role("link", name="Nominations for NEC 2027 reach HQ").click()
    assert "Nominations board: NEC 2027" in page.title()
    assert "No AGM held yet" in main.inner_text()
    screenshot(page, "outreach-2-board")
    violations.append(("board", axe_violations(page)))

    page.get_by_role("link", name="Chase list").click()
    assert "(200)." in main.inner_text()
    screenshot(page, "outreach-3-chase-list")
    violations.append(("chase", axe_violations(page)))

    page.get_by_role("button", name="Send links to all 200 branches listed").click()
    assert "Check before sending" in main.inner_text()
    assert "YOUR-PERSONAL-LINK" in main.inner_text()
    screenshot(page, "outreach-4-preview")
    violations.append(("preview", axe_violations(page)))
    # The organiser's pages pass axe (WCAG 2.2 AA and best practice) at 200 branches.
    assert [(name, found) for name, found in violations if found] == []
    page.get_by_role("button", name="Send 200 links").click()
    page.wait_for_url("**/chase/")
    assert "200 links are on the way." in page.locator(".messagelist").inner_text()
    screenshot(page, "outreach-5-sent")

    # Each contact got one email, with a fresh link; each send is on record with reminders.
    assert len(mail.outbox) == 200
    assert len({m.to[0] for m in mail.outbox}) == 200
    assert ContactEvent.objects.filter(kind="link_sent").count() == 200
    assert Reminder.objects.filter(kind="report").count() == 200
    assert BranchContactLink.objects.count() == 400
