"""Journey: an organiser composes a broadcast, previews it, sends it and watches it go;
a member unsubscribes from the email in two clicks."""

import re

import pytest
from django.core import mail

from members.models import Broadcast, ConsentKind
from tests.browser.conftest import admin_log_in, assert_accessible, check_page, screenshot
from tests.factories import BranchFactory, MemberFactory, UserFactory
from tests.members.factories import ConsentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def branch_members():
    branch = BranchFactory(name="Leeds Jobcentres", code="LDS")
    names = ["Asha Patel", "Ben Jones", "Cara Quinn", "Dev Shah"]
    people = [MemberFactory(branch=branch, name=n) for n in names]
    for person in people[:3]:
        ConsentFactory(member=person, kind=ConsentKind.FACTION)
    return branch, people


def test_compose_preview_send_and_progress(desktop_page, branch_members, settings, live_server):
    page = desktop_page
    settings.SITE_URL = live_server.url
    _branch, people = branch_members
    UserFactory(username="organiser", role="national", email="organiser@union.example")
    admin_log_in(page, "organiser")
    page.wait_for_url("**/admin/")

    page.goto(page.base + "/admin/members/broadcast/add/")
    page.get_by_label("Subject").fill("AGM on Tuesday, {{ name }}")
    page.get_by_label("Body").fill(
        "Hello {{ name }},\n\nThe **AGM** of {{ branch }} is on Tuesday at 12:30.\n\n"
        "- bring a colleague\n- [read the motion](https://union.example/motion)"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/review/")
    assert "3 members would receive it" in page.locator(".broadcast-count").inner_text()
    sample = page.locator(".broadcast-sample").inner_text()
    assert "Asha Patel" in sample
    assert "Dev Shah" not in sample  # no consent
    assert page.locator(".broadcast-preview strong").inner_text() == "AGM"
    assert_accessible(page, "broadcast review")
    screenshot(page, "broadcast-1-review")

    page.get_by_role("button", name="Send me a test copy").click()
    page.wait_for_url("**/review/")
    assert [m.to for m in mail.outbox] == [["organiser@union.example"]]

    page.get_by_label("Now").check()
    page.get_by_role("button", name="Send to 3 members").click()
    page.wait_for_url("**/progress/")
    assert "Sent" in page.locator(".broadcast-status").inner_text()
    assert page.locator(".broadcast-counts tbody td").first.inner_text() == "3"
    assert_accessible(page, "broadcast progress")
    screenshot(page, "broadcast-2-progress")
    assert Broadcast.objects.get().status == Broadcast.Status.SENT
    sent_to = sorted(m.to[0] for m in mail.outbox[1:])
    assert sent_to == sorted(p.email for p in people[:3])
    assert page.console_errors == []

    # The member's side: the visible link in the email, one button, no cookie needed.
    message = next(m for m in mail.outbox if m.to == [people[0].email])
    url = re.search(r"(http\S+/unsubscribe/\S+/)", message.body).group(1)
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    member_page = page.context.browser.new_page(viewport={"width": 375, "height": 740})
    member_page.base = page.base
    member_page.goto(url)
    assert people[0].consents.filter(withdrawn_at__isnull=True).exists()  # a GET changes nothing
    check_page(member_page, "broadcast-3-unsubscribe")
    member_page.get_by_role("button", name="Unsubscribe").click()
    assert member_page.get_by_role("heading", name="You are unsubscribed").is_visible()
    check_page(member_page, "broadcast-4-unsubscribed")
    assert not people[0].consents.filter(withdrawn_at__isnull=True).exists()
    member_page.close()
