"""Journey: a branch contact reports through a reminder, and the organiser home updates.

Two branches got their contact links through the bulk send six days ago, when
their AGMs were days ahead; the daily reminders ran every day since. Leeds held
its AGM yesterday, so today its "report your result" reminder is due; Sheffield
held its AGM the day before and has not answered its reminder. Leeds's contact
reports through the reminder's link; the organiser's home drops Leeds (and keeps
Sheffield); tomorrow's run chases Sheffield and sends Leeds nothing more.

The days before today are reached with time_machine and only the reminders run
in them; the browser works in the real today (Chromium keeps its own clock, and
the session cookie must not look expired to it).
"""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign import outreach
from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Nomination,
    NominationReport,
    NoticeRule,
    Position,
    Reminder,
)
from members.models import BranchContactLink
from tests.browser.conftest import ORGANISER_PASSWORD, screenshot
from tests.factories import BranchFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SENT_DAYS_AGO = 6
HELD = "AGMs held, result not recorded"
UNOPENED = "Links sent but not opened"


def _at_eight(day: datetime.date) -> datetime.datetime:
    """The daily reminders run at 8 in the morning, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))


def _send_reminders() -> str:
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue().strip()


def _mail_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def _report_url(message) -> str:
    """The election's report address in an email, as a path on the live server."""
    url = re.search(r"\S+/elections/nec-2027/report/\?token=\S+", message.body).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def campaign():
    """An open NEC; Leeds held its AGM yesterday and Sheffield the day before; both
    contacts were sent links six days ago, and the daily reminders ran since."""
    today = timezone.localdate()
    sent_day = today - datetime.timedelta(days=SENT_DAYS_AGO)
    # The notice rules in force, set here: transactional tests empty the table
    # the migration filled. One rule, so each link also gets a notice reminder.
    NoticeRule.objects.all().delete()
    NoticeRule.objects.create(label="Meeting papers out", amount=3, unit=NoticeRule.Unit.DAYS)
    dwp = GroupFactory(code="dwp", name="DWP")
    election = Election.objects.create(
        name="NEC 2027",
        slug="nec-2027",
        agm_window_start=today - datetime.timedelta(days=30),
        agm_window_end=today + datetime.timedelta(days=30),
        nominations_close=today + datetime.timedelta(days=40),
        ballot_opens=today + datetime.timedelta(days=60),
        ballot_closes=today + datetime.timedelta(days=80),
        nominations_needed=2,
        is_published=True,
    )
    president = Position.objects.create(election=election, title="President", seats=1)
    vice = Position.objects.create(election=election, title="Vice President", seats=2, order=1)
    Candidate.objects.create(position=president, name="Maria Lopez", employer=dwp)
    Candidate.objects.create(position=vice, name="Sam Okafor", employer=dwp)
    leeds = BranchFactory(code="DWP-LDS", name="Leeds Jobcentres", group=dwp)
    sheffield = BranchFactory(code="DWP-SHF", name="Sheffield Benefits", group=dwp)
    BranchMeeting.objects.create(branch=leeds, date=today - datetime.timedelta(days=1))
    BranchMeeting.objects.create(branch=sheffield, date=today - datetime.timedelta(days=2))
    organiser = UserFactory(username="nat", role="national", password=ORGANISER_PASSWORD)

    with time_machine.travel(_at_eight(sent_day), tick=False):
        outreach.contact_links_bulk_send(
            election=election,
            recipients=[
                outreach.Recipient(leeds, "Chris Ward", "chris@example.org"),
                outreach.Recipient(sheffield, "Jo Bell", "jo@example.org"),
            ],
            user=organiser,
        )
    day = sent_day + datetime.timedelta(days=1)
    while day < today:
        with time_machine.travel(_at_eight(day), tick=False):
            _send_reminders()
        day += datetime.timedelta(days=1)
    return {
        "election": election,
        "leeds": leeds,
        "sheffield": sheffield,
        "organiser": organiser,
        "today": today,
    }


def _log_in(page, organiser):
    device = TOTPDevice.objects.create(user=organiser, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.goto(page.base + "/admin/")
    page.get_by_label("Username").fill(organiser.username)
    page.get_by_label("Password").fill(ORGANISER_PASSWORD)
    page.get_by_label("Six-digit code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.wait_for_url("**/admin/")


def _section(page, title: str) -> str:
    """The text of one of the home's sections, or "" when the home has no such section."""
    section = page.locator("section", has=page.get_by_role("heading", name=title, exact=True))
    return section.inner_text() if section.count() else ""


def test_a_contact_reports_through_a_reminder_and_the_home_updates(
    desktop_page, page, campaign, settings
):
    settings.OTP_REQUIRED_FOR_STAFF = True
    organiser_page, contact_page = desktop_page, page
    today = campaign["today"]

    # Six days of reminders so far: each contact had their link and a notice
    # reminder; Sheffield, whose AGM was the day before yesterday, its report one.
    assert [m.subject.split(".")[0] for m in _mail_to("chris@example.org")] == [
        "Your link to report for Leeds Jobcentres",
        "Reminder: your branch meeting's notice deadline is in a few days",
    ]
    assert [m.subject.split(".")[0] for m in _mail_to("jo@example.org")] == [
        "Your link to report for Sheffield Benefits",
        "Reminder: your branch meeting's notice deadline is in a few days",
        "Reminder: please report your AGM's result (who it nominated)",
    ]

    # The organiser's home lists both AGMs as held but not reported, and both
    # links as not opened.
    _log_in(organiser_page, campaign["organiser"])
    held, unopened = _section(organiser_page, HELD), _section(organiser_page, UNOPENED)
    yesterday = today - datetime.timedelta(days=1)
    assert f"DWP-LDS Leeds Jobcentres: AGM on {yesterday:%a %-d %b}" in held
    assert "DWP-SHF Sheffield Benefits: AGM on" in held
    assert "DWP-LDS Leeds Jobcentres: Chris Ward, sent" in unopened
    assert "DWP-SHF Sheffield Benefits: Jo Bell, sent" in unopened
    home = organiser_page.locator("#content").inner_text()
    assert "Maria Lopez (President, NEC 2027) is 2 short" in home
    screenshot(
        organiser_page, "reminder-report-1-home-before", sizes=[organiser_page.viewport_size]
    )

    # This morning's run: Leeds's "report your result" reminder, with a new link.
    assert _send_reminders() == "sent: 1, stopped (branch reported): 0"
    first, reminder = _mail_to("chris@example.org")[0], _mail_to("chris@example.org")[-1]
    assert reminder.subject.startswith("Reminder: please report your AGM's result")
    assert "This email has a new link; earlier ones no longer work." in reminder.body

    # The contact, not signed in anywhere, opens the reminder's link (the first
    # email's link no longer works) and reports what the AGM nominated.
    response = contact_page.goto(contact_page.base + _report_url(first))
    assert response.status == 403
    assert "This link no longer works" in contact_page.locator("h1").inner_text()
    contact_page.goto(contact_page.base + _report_url(reminder))
    assert contact_page.locator("h1").inner_text() == "Leeds Jobcentres"
    assert "We have your AGM on" in contact_page.locator("main").inner_text()
    contact_page.get_by_label("Maria Lopez").check()
    contact_page.get_by_label("Sam Okafor").check()
    contact_page.get_by_role("button", name="Send the nominations").click()
    assert "Thank you: the nominations are saved." in contact_page.locator("main").inner_text()
    screenshot(
        contact_page, "reminder-report-2-contact-reported", sizes=[contact_page.viewport_size]
    )
    assert NominationReport.objects.filter(meeting__branch=campaign["leeds"]).count() == 1

    # The organiser's home, reloaded: Leeds is neither unreported nor unopened;
    # Sheffield still is. The counts are of verified nominations, so they wait
    # for the organiser to check the report.
    organiser_page.reload()
    held, unopened = _section(organiser_page, HELD), _section(organiser_page, UNOPENED)
    assert "DWP-LDS" not in held
    assert "DWP-LDS" not in unopened
    assert "DWP-SHF Sheffield Benefits: AGM on" in held
    assert "DWP-SHF Sheffield Benefits: Jo Bell, sent" in unopened
    assert "Maria Lopez (President, NEC 2027) is 2 short" in (
        organiser_page.locator("#content").inner_text()
    )

    # The home says the report waits to be checked, and links to its nominations;
    # the organiser verifies them there, and the home's counts move.
    to_verify = organiser_page.get_by_role(
        "link", name="NEC 2027: 2 nominations reported, not yet checked"
    )
    to_verify.click()
    organiser_page.locator("#action-toggle").check()
    organiser_page.locator("select[name=action]").select_option("verify")
    organiser_page.get_by_role("button", name=re.compile("Go|Run", re.I)).click()
    assert "Verified 2 nominations" in organiser_page.locator(".messagelist").inner_text()
    organiser_page.goto(organiser_page.base + "/admin/")
    home = organiser_page.locator("#content").inner_text()
    assert "Maria Lopez (President, NEC 2027) is 1 short" in home
    assert "Sam Okafor (Vice President, NEC 2027) is 1 short" in home
    assert "DWP-LDS" not in home
    assert "not yet checked" not in home
    screenshot(organiser_page, "reminder-report-3-home-after", sizes=[organiser_page.viewport_size])
    assert organiser_page.console_errors == []
    assert contact_page.console_errors == []

    # Tomorrow both chases fall due: Sheffield's goes, Leeds's is stopped.
    chris_before = len(_mail_to("chris@example.org"))
    with time_machine.travel(_at_eight(today + datetime.timedelta(days=1)), tick=False):
        assert _send_reminders() == "sent: 1, stopped (branch reported): 1"
    assert len(_mail_to("chris@example.org")) == chris_before
    assert _mail_to("jo@example.org")[-1].subject.startswith("Reminder: we have not heard")
    leeds_reminders = Reminder.objects.filter(link__branch=campaign["leeds"])
    assert not leeds_reminders.filter(sent_at__isnull=True, stopped_at__isnull=True).exists()
    assert Nomination.objects.filter(meeting__branch=campaign["leeds"]).count() == 2
    assert BranchContactLink.objects.get(branch=campaign["leeds"]).last_used_at is not None
