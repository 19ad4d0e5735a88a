"""The site shell in a real browser: accessible, no sideways scroll, keyboard skip link."""

import pytest

from tests.browser.conftest import assert_no_horizontal_scroll, axe_violations, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_is_accessible_at_phone_width(page):
    page.goto(page.base + "/")
    assert page.locator("h1").first.is_visible()
    assert axe_violations(page) == []
    assert_no_horizontal_scroll(page)
    screenshot(page, "home")
    assert page.console_errors == []


def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(page):
    page.goto(page.base + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_home_page_at_320px_and_desktop(browser, live_server, desktop_page):
    desktop_page.goto(live_server.url + "/")
    screenshot(desktop_page, "home")
    context = browser.new_context(viewport={"width": 320, "height": 640})
    narrow = context.new_page()
    narrow.goto(live_server.url + "/")
    assert_no_horizontal_scroll(narrow)
    context.close()
