"""Journey: someone signs a petition and confirms by email; the public count and the
organiser's structure test (computed, nobody types it) both move."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ballots.models import PetitionSignature
from tests.ballots.factories import (
    BranchReadinessFactory,
    PetitionFactory,
    StructureTestFactory,
)
from tests.browser.conftest import admin_log_in, check_page, screenshot
from tests.factories import BranchFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def petition(settings):
    settings.MEMBERS_JOIN_MIN_SECONDS = 0  # the browser is quicker than a person
    dwp = GroupFactory(code="dwp", name="DWP")
    leeds = BranchFactory(code="DWP-LDS", name="Leeds Jobcentres", group=dwp)
    BranchReadinessFactory(
        branch=leeds,
        taken_on=timezone.localdate(),
        members=4,
        staff_in_post=4,
        with_email=0,
        with_mobile=0,
        with_contact=0,
        with_home_address=0,
        reps=0,
    )
    test = StructureTestFactory(branch=leeds, title="Sign the pay petition", target_percent=50)
    return PetitionFactory(
        title="Pay rise now",
        slug="pay-rise-now",
        text="We call on the employer to **pay up**: a rise that beats inflation.",
        target=500,
        structure_test=test,
    )


def _signed(page) -> str:
    return page.locator("#signed").inner_text()


def test_someone_signs_confirms_and_the_structure_test_moves(page, desktop_page, petition):
    page.goto(page.base + petition.get_absolute_url())
    assert _signed(page) == "0"
    check_page(page, "petition-1-page")
    page.get_by_role("link", name="Sign the petition").click()
    page.wait_for_url("**/sign/")
    check_page(page, "petition-2-form")
    page.get_by_role("button", name="Sign").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, "petition-3-errors", "sign, errors")
    page.get_by_label("Your name").fill("Jo Bloggs")
    page.get_by_label("Email address", exact=True).fill("jo@example.org")
    page.locator("select[name=branch]").select_option(label="Leeds Jobcentres (DWP-LDS)")
    page.get_by_label(re.compile("I agree that Rank and File may hold")).check()
    page.get_by_role("button", name="Sign").click()
    page.wait_for_url("**/sign/done/")
    check_page(page, "petition-4-check-email")
    page.goto(page.base + petition.get_absolute_url())
    assert _signed(page) == "0"  # not until confirmed

    [email] = mail.outbox
    confirm = next(
        urlsplit(u).path for u in re.findall(r"https?://\S+", email.body) if "/confirm/" in u
    )
    page.goto(page.base + confirm)
    check_page(page, "petition-5-confirm")
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("h1").inner_text() == "Your signature counts"
    check_page(page, "petition-6-confirmed")
    assert PetitionSignature.objects.get().confirmed_at is not None
    page.goto(page.base + petition.get_absolute_url())
    assert _signed(page) == "1"

    # The organiser's readiness page shows the test moved: 1 of Leeds's 4 members.
    UserFactory(username="organiser", is_superuser=True)
    admin_log_in(desktop_page, "organiser")
    desktop_page.wait_for_url("**/admin/")
    desktop_page.goto(desktop_page.base + reverse("admin:ballots_readiness_overview"))
    row = desktop_page.locator("tr", has_text="Sign the pay petition")
    assert re.search(r": 25%", row.inner_text()), row.inner_text()
    screenshot(desktop_page, "petition-7-structure-test")
    assert page.console_errors == []
