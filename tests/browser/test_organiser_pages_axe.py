"""The organisers' pages pass axe (WCAG 2.2 AA and best practice), as the public ones do.

An organiser signs in with their two-factor code and opens each page an organiser
lives in: the home, the member list and add form, branch meetings, readiness, a
ballot's dashboard and an election's nominations board.
"""

import datetime as dt
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ballots.models import Ballot, LegalRule
from campaign.models import BranchMeeting, Candidate, Election, Position
from tests.ballots.factories import (
    BallotUnitFactory,
    BargainingUnitFactory,
    BranchReadinessFactory,
    TurnoutReturnFactory,
    UnitBranchFactory,
)
from tests.browser.conftest import ORGANISER_PASSWORD, axe_violations, screenshot
from tests.factories import GroupFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
LEGAL_RULES = import_module("ballots.migrations.0002_load_uk_legal_rules")


@pytest.fixture
def organiser_world():
    """A group with branches, members, meetings, readiness figures, a ballot and an election."""
    if not LegalRule.objects.exists():
        LEGAL_RULES.load(apps, None)
    today = timezone.localdate()
    dwp = GroupFactory(code="dwp", name="DWP")
    unit = BargainingUnitFactory(group=dwp, code="jobcentres", name="Jobcentres")
    branches = [
        UnitBranchFactory(
            unit=unit, branch__name=f"Branch {i}", branch__code=f"B{i}", branch__group=dwp
        ).branch
        for i in range(3)
    ]
    for i, branch in enumerate(branches):
        MemberFactory.create_batch(4, branch=branch)
        BranchMeeting.objects.create(branch=branch, date=today + dt.timedelta(days=10 + i))
        BranchReadinessFactory(branch=branch)
    ballot = Ballot.objects.create(
        name="Pay ballot 2027",
        kind=Ballot.Kind.STATUTORY,
        opens_on=today - dt.timedelta(days=6),
        closes_on=today + dt.timedelta(days=14),
    )
    BallotUnitFactory(ballot=ballot, unit=unit, entitled=100)
    TurnoutReturnFactory(
        ballot=ballot, branch=branches[0], counted_on=today - dt.timedelta(days=3), voted=10
    )
    election = Election.objects.create(
        name="NEC 2027",
        slug="nec-2027",
        agm_window_start=today - dt.timedelta(days=30),
        agm_window_end=today + dt.timedelta(days=60),
        nominations_close=today + dt.timedelta(days=20),
        ballot_opens=today + dt.timedelta(days=70),
        ballot_closes=today + dt.timedelta(days=90),
        nominations_needed=15,
        is_published=True,
    )
    position = Position.objects.create(election=election, title="President", seats=1)
    Candidate.objects.create(position=position, name="Maria Lopez")
    return {"ballot": ballot, "election": election}


def _log_in_with_code(page):
    organiser = UserFactory(username="nat", role="national")
    device = TOTPDevice.objects.create(user=organiser, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.goto(page.base + "/admin/")
    page.get_by_label("Username").fill("nat")
    page.get_by_label("Password").fill(ORGANISER_PASSWORD)
    page.get_by_label("Six-digit code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.wait_for_url("**/admin/")


def test_organisers_pages_pass_axe(desktop_page, organiser_world):
    page = desktop_page
    _log_in_with_code(page)
    ballot, election = organiser_world["ballot"], organiser_world["election"]
    pages = [
        ("home", "/admin/", "Due in the next 28 days"),
        ("member-list", "/admin/members/member/", "Select member to change"),
        ("member-add", "/admin/members/member/add/", "Add member"),
        ("meetings", "/admin/campaign/branchmeeting/", "Branch 1"),
        ("readiness", "/admin/ballots/branchreadiness/", "Branch 1"),
        ("ballot-dashboard", f"/admin/ballots/ballot/{ballot.pk}/dashboard/", "Needs 40 more"),
        ("board", f"/admin/campaign/election/{election.pk}/board/", "No AGM held yet"),
    ]
    found = {}
    for name, path, expected in pages:
        response = page.goto(page.base + path)
        assert response.status == 200, f"{path} answered {response.status}"
        assert expected in page.locator("#content").inner_text(), f"{path}: no {expected!r}"
        screenshot(page, f"organiser-axe-{name}")
        found[name] = axe_violations(page)
        if name == "member-add":
            # The autocomplete boxes are named by their labels (static/js/admin-a11y.js).
            assert page.get_by_role("combobox", name="Branch:").count() == 1
    failing = [
        f"{name}: {v['id']} ({v['help']}) at {v['nodes']}"
        for name, violations in found.items()
        for v in violations
    ]
    assert not failing, "axe violations:\n" + "\n".join(failing)
