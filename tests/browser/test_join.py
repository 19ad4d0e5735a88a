"""Journey 2: someone joins, confirms by email, then downloads and erases their data."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail

from members.models import Member
from tests.browser.conftest import check_page, focused, screenshot, tab_to
from tests.factories import BranchFactory, GroupFactory

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "jo.bloggs@example.org"


@pytest.fixture
def branches(settings):
    # The form refuses answers quicker than a person types; the browser is quicker.
    settings.MEMBERS_JOIN_MIN_SECONDS = 0
    dwp = GroupFactory(code="dwp", name="DWP")
    hmrc = GroupFactory(code="hmrc", name="HMRC")
    leeds = BranchFactory(code="DWP-LDS", name="Leeds Jobcentres", group=dwp)
    BranchFactory(code="HMRC-NCL", name="Newcastle Benton Park", group=hmrc)
    return {"leeds": leeds}


def _link_in(message, path_start: str) -> str:
    """The path of the first link in an email that starts with ``path_start``."""
    for url in re.findall(r"https?://\S+", message.body):
        path = urlsplit(url).path
        if path.startswith(path_start):
            return path
    raise AssertionError(f"no {path_start} link in: {message.body}")


def _confirm_and_manage(page, *, shots: str, accessible: bool = True):
    """From the confirmation email to the welcome page, the data download and erasure."""
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    confirm_email = mail.outbox[0]
    assert confirm_email.to == [EMAIL]
    page.goto(page.base + _link_in(confirm_email, "/join/confirm/"))
    assert Member.objects.get().status == Member.Status.PENDING  # opening the link is not enough
    check_page(page, f"{shots}-4-confirm")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/join/welcome/")
    assert "Welcome" in page.locator("h1").inner_text()
    check_page(page, f"{shots}-5-welcome")
    member = Member.objects.get()
    assert member.status == Member.Status.CONFIRMED

    # The welcome email carries a fresh personal link; so did the first.
    assert len(mail.outbox) == 2
    page.goto(page.base + _link_in(mail.outbox[-1], "/me/"))
    assert page.locator("h1").inner_text() == "Your details"
    check_page(page, f"{shots}-6-manage")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="as JSON").click()
    download = download_info.value
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["email"] == EMAIL
    assert data["name"] == "Jo Bloggs"

    page.get_by_role("link", name="Erase everything we hold about you").click()
    page.wait_for_url("**/erase/")
    check_page(page, f"{shots}-7-erase")
    page.get_by_role("button", name="Erase my record").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, f"{shots}-8-erase-error", "erase, not ticked")
    assert Member.objects.filter(pk=member.pk).exists()
    page.get_by_label("I understand: erase everything you hold about me").check()
    page.get_by_role("button", name="Erase my record").click()
    page.wait_for_url("**/me/erased/")
    check_page(page, f"{shots}-9-erased")
    assert not Member.objects.filter(pk=member.pk).exists()


def _join_by_pointer(page, *, shots: str):
    page.goto(page.base + "/")
    page.locator(".site-nav").get_by_role("link", name="Join").click()
    page.wait_for_url("**/join/")
    check_page(page, f"{shots}-1-form", "join, empty")

    page.get_by_role("button", name="Join").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    messages = summary.locator("li").all_inner_texts()
    assert "Enter your full name" in messages
    assert "Enter your email address" in messages
    assert Member.objects.count() == 0
    check_page(page, f"{shots}-2-errors", "join, errors")

    # Follow the summary to each field and fix it, guided by the messages.
    summary.get_by_role("link", name="Enter your full name").click()
    page.get_by_label("Full name").fill("Jo Bloggs")
    page.get_by_label("Email address").fill("jo.bloggs@")  # still wrong
    page.get_by_role("button", name="Join").click()
    assert page.get_by_label("Full name").input_value() == "Jo Bloggs"  # nothing typed is lost
    error = page.locator("#id_email_error")
    assert "correct format" in error.inner_text()
    page.get_by_label("Email address").fill(EMAIL)
    page.locator("select[name=branch]").select_option(label="Leeds Jobcentres (DWP-LDS)")
    page.get_by_label("Grade").select_option("EO")
    page.get_by_label("Yes").check()
    page.get_by_label(re.compile("contact")).first.check()
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**/join/check-your-email/**")
    check_page(page, f"{shots}-3-check-email")
    member = Member.objects.get()
    assert member.branch.code == "DWP-LDS"
    assert member.grade == "EO"
    _confirm_and_manage(page, shots=shots)


def test_someone_joins_confirms_downloads_and_erases(page, branches):
    """The whole life of a sign-up on a phone, with JavaScript on."""
    _join_by_pointer(page, shots="join")
    assert page.console_errors == []


def test_joining_works_without_javascript(nojs_page, branches):
    """Joining, confirming, downloading and erasing need no JavaScript."""
    _join_by_pointer(nojs_page, shots="join-nojs")


def test_joining_with_the_keyboard_alone(page, branches):
    """Tab, Shift+Tab, Space, Enter (and typing) complete the form; focus always shows."""
    page.goto(page.base + "/join/")

    def is_field(label):
        return lambda f: f["label"].startswith(label)

    def is_button(name):
        return lambda f: f["tag"] == "button" and f["text"] == name

    # The form's controls come in the order they are read, one stop per radio group.
    tab_to(page, is_field("Full name"))
    order = ["name"]
    while (here := tab_to(page, lambda f: True))["tag"] != "button":
        order.append(here["name"] or here["id"])
    assert order == [
        "name",
        "email",
        "mobile",
        "id_branch_search",
        "branch",
        "branch_not_listed",
        "group",
        "workplace",
        "grade",
        "is_union_member",
        "is_rep",
        "consent_faction",
        "consent_branch",
    ]
    assert here["text"] == "Join"

    # Submit the empty form from the keyboard: the error summary takes focus.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')"), (
        "the error summary should take focus"
    )
    screenshot(page, "join-keyboard-errors")

    # Its first link leads to the first field, and focus goes with it.
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Enter your full name")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_name", "the summary link should focus the field"
    page.keyboard.type("Jo Bloggs")
    tab_to(page, is_field("Email address"))
    page.keyboard.type(EMAIL)
    tab_to(page, is_field("Mobile"))
    # Shift+Tab goes back the way it came.
    assert tab_to(page, is_field("Email address"), backwards=True)["name"] == "email"
    # The branch search (added by JavaScript) narrows the list and picks the match.
    tab_to(page, lambda f: f["label"].startswith("Search for your branch"))
    page.keyboard.type("leeds")
    assert "1 branch match" in page.locator(".typeahead [role=status]").inner_text()
    tab_to(page, lambda f: f["name"] == "branch")
    _choose_with_arrows(page, "branch", str(branches["leeds"].pk))
    tab_to(page, lambda f: f["name"] == "grade")
    _choose_with_arrows(page, "grade", "EO")
    tab_to(page, lambda f: f["name"] == "is_union_member")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["name"] == "consent_faction")
    page.keyboard.press("Space")
    tab_to(page, is_button("Join"))
    screenshot(page, "join-keyboard-filled")
    page.keyboard.press("Enter")
    page.wait_for_url("**/join/check-your-email/**")
    member = Member.objects.get()
    assert (member.name, member.branch.code, member.grade) == ("Jo Bloggs", "DWP-LDS", "EO")
    assert member.is_union_member is True

    page.goto(page.base + _link_in(mail.outbox[0], "/join/confirm/"))
    tab_to(page, is_button("Confirm"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/join/welcome/")
    page.goto(page.base + _link_in(mail.outbox[-1], "/me/"))
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "as JSON")
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert (data["email"], data["name"]) == (EMAIL, "Jo Bloggs")
    tab_to(page, lambda f: f["tag"] == "a" and f["text"].startswith("Erase everything"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/erase/")
    # Erasing without ticking the box: the summary takes focus and leads to the box.
    tab_to(page, is_button("Erase my record"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    tab_to(page, lambda f: f["tag"] == "a" and f["text"].startswith("Tick the box"))
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_confirm", "the summary link should focus the box"
    page.keyboard.press("Space")
    tab_to(page, is_button("Erase my record"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/erased/")
    assert Member.objects.count() == 0


def _choose_with_arrows(page, name: str, value: str, *, limit: int = 20):
    """Operate the focused closed <select> with the arrow keys until it holds ``value``.

    Chromium on Linux (like Windows browsers) moves a closed select's choice with
    ArrowDown/ArrowUp without opening its list; down first, then back up.
    """
    select = page.locator(f"select[name={name}]")
    assert focused(page)["name"] == name
    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(limit):
            if select.input_value() == value:
                return
            before = select.input_value()
            page.keyboard.press(key)
            if select.input_value() == before:  # the end of the list
                break
    assert select.input_value() == value, f"arrow keys never reached {value!r} in {name}"


def test_join_form_reflows_at_320px_and_200_percent_zoom(at_widths, branches):
    at_widths("/join/", "join-form")
    at_widths("/privacy/", "privacy")


def test_privacy_page_is_accessible(page, branches):
    page.goto(page.base + "/privacy/")
    check_page(page, "privacy")
