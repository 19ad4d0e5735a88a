"""Journey 5: an organiser enters turnout returns and sees the unit's chart and gap change."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from ballots.models import Ballot, LegalRule, TurnoutReturn
from members.models import BranchContactLink
from tests.ballots.factories import (
    BallotUnitFactory,
    BargainingUnitFactory,
    TurnoutReturnFactory,
    UnitBranchFactory,
)
from tests.browser.conftest import admin_log_in, check_page, screenshot
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
LEGAL_RULES = import_module("ballots.migrations.0002_load_uk_legal_rules")


@pytest.fixture
def live_ballot():
    # The legal rules (the 50% turnout threshold) are rows a data migration
    # loads; live-server tests empty every table afterwards, so load them again.
    if not LegalRule.objects.exists():
        LEGAL_RULES.load(apps, None)
    today = timezone.localdate()
    dwp = GroupFactory(code="dwp", name="DWP")
    unit = BargainingUnitFactory(group=dwp, code="jobcentres", name="Jobcentres")
    leeds = UnitBranchFactory(unit=unit, branch__name="Leeds Jobcentres", branch__code="LDS").branch
    york = UnitBranchFactory(unit=unit, branch__name="York Jobcentres", branch__code="YRK").branch
    ballot = Ballot.objects.create(
        name="Pay ballot 2027",
        kind=Ballot.Kind.STATUTORY,
        opens_on=today - dt.timedelta(days=6),
        closes_on=today + dt.timedelta(days=14),
    )
    BallotUnitFactory(ballot=ballot, unit=unit, entitled=100)
    TurnoutReturnFactory(
        ballot=ballot, branch=leeds, counted_on=today - dt.timedelta(days=3), voted=10
    )
    return {"ballot": ballot, "leeds": leeds, "york": york}


def test_organiser_enters_turnout_and_sees_the_gap_close(desktop_page, live_ballot):
    """Counts entered in the grid move "votes still needed" and the unit's chart."""
    page = desktop_page
    ballot = live_ballot["ballot"]
    UserFactory(username="organiser", is_superuser=True)
    admin_log_in(page, "organiser")
    page.wait_for_url("**/admin/")

    page.goto(page.base + f"/admin/ballots/ballot/{ballot.pk}/dashboard/")
    unit_row = page.locator("table tr", has=page.get_by_role("rowheader", name="Jobcentres"))
    assert "Needs 40 more votes" in unit_row.inner_text()
    chart = page.locator("figure.bl-chart", has_text="Jobcentres")
    assert "10 of 100 entitled have voted" in chart.locator("figcaption").inner_text()
    points_before = chart.locator("polyline").get_attribute("points")
    screenshot(page, "turnout-1-dashboard")

    page.get_by_role("link", name="Enter turnout").first.click()
    page.wait_for_url("**/turnout/")
    # A count that cannot be right is refused (by the browser here), nothing is saved.
    page.get_by_label("Leeds Jobcentres").fill("-4")
    page.get_by_role("button", name="Save counts").click()
    assert TurnoutReturn.objects.count() == 1
    assert page.get_by_label("Leeds Jobcentres").evaluate("el => el.validity.rangeUnderflow")
    screenshot(page, "turnout-2-grid")

    page.get_by_label("Date of these figures").fill(timezone.localdate().isoformat())
    page.get_by_label("Leeds Jobcentres").fill("30")
    page.get_by_label("York Jobcentres").fill("12")
    page.get_by_role("button", name="Save counts").click()
    page.wait_for_url("**/dashboard/")
    assert "Saved turnout for 2 branches" in page.locator(".messagelist").inner_text()

    unit_row = page.locator("table tr", has=page.get_by_role("rowheader", name="Jobcentres"))
    assert "Needs 8 more votes" in unit_row.inner_text()
    chart = page.locator("figure.bl-chart", has_text="Jobcentres")
    assert "42 of 100 entitled have voted" in chart.locator("figcaption").inner_text()
    assert chart.locator("polyline").get_attribute("points") != points_before
    chart.get_by_text("Show the figures as a table").click()
    assert chart.locator("tbody tr").last.locator("td").last.inner_text() == "42"
    screenshot(page, "turnout-3-dashboard-after")
    assert page.console_errors == []


def test_turnout_grid_date_starts_filled_in(desktop_page, live_ballot):
    """The grid's date starts at today, so an organiser need only type the counts."""
    page = desktop_page
    UserFactory(username="organiser", is_superuser=True)
    admin_log_in(page, "organiser")
    page.wait_for_url("**/admin/")
    page.goto(page.base + f"/admin/ballots/ballot/{live_ballot['ballot'].pk}/turnout/")
    date = page.get_by_label("Date of these figures").input_value()
    assert date == timezone.localdate().isoformat()


def test_contact_figures_form_errors_read_well_at_320px(narrow_page, live_ballot):
    """A branch contact who sends the figures form half-filled, on a small phone, is
    told what to enter for each figure; each summary link moves to its field; what
    they typed is still there; the page passes axe and does not scroll sideways."""
    page = narrow_page
    _, token = BranchContactLink.issue(
        branch=live_ballot["leeds"], contact_name="Sam", email="sam@example.org"
    )
    page.goto(page.base + f"/ballots/report/?token={token}")
    form = page.locator("form", has=page.get_by_role("button", name="Send the figures"))
    form.get_by_label("Members", exact=True).fill("lots")
    form.get_by_label("Members with a personal email", exact=True).fill("1,200")
    form.get_by_role("button", name="Send the figures").click()
    summary = page.locator(".error-summary")
    assert page.title().startswith("Error: ")
    link = summary.get_by_role("link", name="Members must be a whole number, like 120")
    assert link.is_visible()
    summary.get_by_role("link", name="Enter how many members have a home ballot address").click()
    focused = page.evaluate("document.activeElement && document.activeElement.id")
    assert focused in ("", "id_r-with_home_address") or page.url.endswith("#id_r-with_home_address")
    assert page.get_by_label("Members", exact=True).input_value() == "lots"
    assert page.get_by_label("Members with a personal email", exact=True).input_value() == "1,200"
    assert "This field is required" not in page.content()
    check_page(page, "contact-figures-errors", "with errors")
