"""Journey: a member says "I've voted" through the emailed link, and the organiser
sees the unit's votes still needed fall."""

import datetime as dt
import re
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone

from ballots.models import Ballot, LegalRule, VotePledge
from tests.ballots.factories import BallotUnitFactory, BargainingUnitFactory, UnitBranchFactory
from tests.browser.conftest import admin_log_in, check_page, screenshot
from tests.factories import GroupFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
LEGAL_RULES = import_module("ballots.migrations.0002_load_uk_legal_rules")


@pytest.fixture
def live_ballot(settings):
    settings.MEMBERS_JOIN_MIN_SECONDS = 0  # the browser is quicker than a person
    if not LegalRule.objects.exists():  # live-server tests empty every table afterwards
        LEGAL_RULES.load(apps, None)
    today = timezone.localdate()
    unit = BargainingUnitFactory(group=GroupFactory(code="dwp"), code="jcp", name="Jobcentres")
    leeds = UnitBranchFactory(unit=unit, branch__name="Leeds Jobcentres", branch__code="LDS").branch
    ballot = Ballot.objects.create(
        name="Pay ballot 2027",
        kind=Ballot.Kind.STATUTORY,
        opens_on=today - dt.timedelta(days=6),
        closes_on=today + dt.timedelta(days=14),
    )
    BallotUnitFactory(ballot=ballot, unit=unit, entitled=100)
    MemberFactory(name="Jo Bloggs", email="jo@example.org", branch=leeds)
    return ballot


def _needed(page) -> str:
    row = page.locator("table tr", has=page.get_by_role("rowheader", name="Jobcentres"))
    return row.inner_text()


def test_a_member_says_they_voted_and_votes_still_needed_fall(page, desktop_page, live_ballot):
    organiser = desktop_page
    UserFactory(username="organiser", is_superuser=True)
    admin_log_in(organiser, "organiser")
    organiser.wait_for_url("**/admin/")
    dashboard = organiser.base + f"/admin/ballots/ballot/{live_ballot.pk}/dashboard/"
    organiser.goto(dashboard)
    assert "Needs 50 more votes" in _needed(organiser)

    page.goto(page.base + f"/ballots/{live_ballot.pk}/voted/")
    check_page(page, "pledge-1-form")
    page.get_by_role("button", name="Send me the link").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, "pledge-2-errors", "pledge, errors")
    page.get_by_label("The email address you joined with").fill("jo@example.org")
    page.get_by_label(re.compile("I agree that Rank and File may record")).check()
    page.get_by_role("button", name="Send me the link").click()
    page.wait_for_url("**/voted/sent/")
    check_page(page, "pledge-3-sent")

    [email] = mail.outbox
    link = next(urlsplit(u).path for u in re.findall(r"https?://\S+", email.body) if "/voted/" in u)
    page.goto(page.base + link)
    check_page(page, "pledge-4-link")
    assert not VotePledge.objects.exists()  # opening the link is not enough
    page.get_by_role("button", name="I've voted").click()
    assert page.locator("h1").inner_text() == "Thank you for voting"
    check_page(page, "pledge-5-thanks")

    organiser.goto(dashboard)
    text = _needed(organiser)
    assert "Needs 49 more votes" in text
    assert "members' own reports: 1" in text
    screenshot(organiser, "pledge-6-dashboard")
    assert page.console_errors == []
