"""Real-browser fixtures: Debian's Chromium driven by Playwright, against live_server.

Screenshots land in test-artifacts/screenshots/ (printed at the end of the run).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 740}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
# 200% browser zoom on a 1280px-wide window: 640 CSS pixels at twice the density.
ZOOMED = {"width": 640, "height": 450}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The bundled axe (4.12) tags its structure rules "best-practice", not "wcag*", so
# WCAG_TAGS alone never runs heading-order, landmark-one-main, landmark-unique,
# region or page-has-heading-one (WCAG 1.3.1 and 2.4.6 in spirit). The whole
# best-practice set runs: it brings no noise on these pages, and a new page that
# breaks one of them should be looked at. Experimental rules stay off.
AXE_TAGS = [*WCAG_TAGS, "best-practice"]
# Named here so a change to the tag set above cannot silently drop them.
AXE_STRUCTURE_RULES = [
    "heading-order",
    "landmark-one-main",
    "landmark-unique",
    "region",
    "page-has-heading-one",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Mark the browser tests and run them last, after pytest-django's ordering.

    They are the slowest, and each empties every table afterwards (a live server
    needs committed data). Running them after the other apps' transactional
    tests keeps, for example, a serialized_rollback test from meeting tables
    emptied this way.
    """
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items:
        chosen = set(map(id, browser_items))
        items[:] = [item for item in items if id(item) not in chosen] + browser_items


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser, viewport, *, javascript=True, scale=1):
    context = browser.new_context(
        viewport=viewport, java_script_enabled=javascript, device_scale_factor=scale
    )
    context.set_default_timeout(10_000)
    return context


def _watch_errors(page) -> list[str]:
    """Collect script errors and failed sub-resources (CSS, images, scripts).

    A 4xx/5xx page itself (an error page shown on purpose) is not an error here.
    """
    errors: list[str] = []

    def on_console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", on_response)
    return errors


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page with JavaScript on; `page.base` is the live server's URL."""
    context = _context(browser, PHONE)
    page = context.new_page()
    page.base = live_server.url
    page.console_errors = _watch_errors(page)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    context = _context(browser, DESKTOP)
    page = context.new_page()
    page.base = live_server.url
    page.console_errors = _watch_errors(page)
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser, live_server):
    """A phone-sized page with JavaScript switched off."""
    context = _context(browser, PHONE, javascript=False)
    page = context.new_page()
    page.base = live_server.url
    # Playwright's evaluate() never returns in a page without JavaScript, so the
    # in-page checks (axe, scroll width) run in the JavaScript-on journeys only.
    page.javascript = False
    yield page
    context.close()


@pytest.fixture
def narrow_page(browser, live_server):
    """The narrowest phone the site supports: 320 CSS pixels."""
    context = _context(browser, NARROW)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


@pytest.fixture
def zoomed_page(browser, live_server):
    """A desktop window at 200% zoom."""
    context = _context(browser, ZOOMED, scale=2)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


@pytest.fixture
def at_widths(narrow_page, zoomed_page):
    """Open a path at 320px and at real 200% zoom; check reflow; screenshot 320/phone/desktop.

    Use as ``at_widths("/articles/x/", "article")``.
    """

    def check(path: str, name: str):
        zoomed_page.goto(zoomed_page.base + path)
        assert_no_horizontal_scroll(zoomed_page, "at 200% zoom")
        narrow_page.goto(narrow_page.base + path)
        assert_no_horizontal_scroll(narrow_page, "at 320px")
        screenshot(narrow_page, name, sizes=(NARROW, PHONE, DESKTOP))

    return check


def screenshot(page, name: str, *, sizes=(PHONE, DESKTOP)) -> list[Path]:
    """Save full-page screenshots for people to look at, at phone and desktop widths.

    The viewport is resized for each shot and put back afterwards, so a journey
    carries on at the size it started with.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    paths = []
    for size in sizes:
        if page.viewport_size != size:
            page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{size['width']}px.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    if original and page.viewport_size != original:
        page.set_viewport_size(original)
    return paths


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page; return violations of WCAG 2.2 A/AA and best-practice rules."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": AXE_TAGS},
            # Enabled by name as well as by tag (see AXE_STRUCTURE_RULES).
            "rules": {rule: {"enabled": True} for rule in AXE_STRUCTURE_RULES},
            "resultTypes": ["violations"],
        },
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
    ]


def assert_accessible(page, state: str = ""):
    """Zero axe-core violations, reported readably when there are some; tables captioned."""
    violations = axe_violations(page)
    where = f"{page.url} {state}".strip()
    assert violations == [], f"axe violations on {where}: " + "; ".join(
        f"{v['id']} ({v['help']}) at {v['nodes']}" for v in violations
    )
    assert_tables_captioned(page, where)


def assert_tables_captioned(page, where: str = ""):
    """Every table in the page's main content has a non-empty <caption>.

    axe checks headers but not captions; the article renderer makes one from a
    ``Table:`` line above the table (articles/rendering.py).
    """
    uncaptioned = page.evaluate(
        """() => Array.from(document.querySelectorAll('main table'))
            .filter(t => !(t.caption && t.caption.textContent.trim()))
            .map(t => (t.querySelector('th') || t).textContent.trim().slice(0, 40))"""
    )
    assert uncaptioned == [], f"tables without a caption on {where or page.url}: {uncaptioned}"


def check_page(page, name: str, state: str = ""):
    """The checks every public page gets: axe, table captions, reflow, screenshots.

    Reflow is checked at the page's own size, at 320 CSS px and at 200% zoom of
    a 1280px window (a 640px-wide layout viewport: zoom changes layout exactly as
    a narrower window does). Screenshots: 320px, phone and desktop.
    Without JavaScript only the screenshots are taken (see ``nojs_page``).
    """
    if getattr(page, "javascript", True):
        assert_accessible(page, state)
        assert_no_horizontal_scroll(page, state)
        assert_reflows(page, state)
        return screenshot(page, name, sizes=(NARROW, PHONE, DESKTOP))
    return screenshot(page, name)


def assert_reflows(page, state: str = ""):
    """No sideways scroll at 320 CSS px, nor at 200% zoom; the viewport is put back."""
    original = page.viewport_size
    for size, how in ((NARROW, "at 320px"), (ZOOMED, "at 200% zoom")):
        page.set_viewport_size(size)
        assert_no_horizontal_scroll(page, f"{state} {how}".strip())
    if original:
        page.set_viewport_size(original)


def focus_is_visible(page) -> bool:
    """Whether the focused element draws a visible focus indicator (outline or shadow)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            return outline || shadow;
        }"""
    )


def focused(page) -> dict:
    """Describe the focused element: tag, type, name, id and its text or label."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
            return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
                    id: el.id || '', text: (el.textContent || label || '').trim().slice(0, 80),
                    label: label.trim()};
        }"""
    )


def tab_to(page, matches, *, limit: int = 60, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until ``matches(focused)`` holds; check focus is visible.

    Every element passed on the way must show its focus: a keyboard user sees
    where they are at each step.
    """
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        here = focused(page)
        seen.append(here)
        if here["tag"] != "body":
            assert focus_is_visible(page), f"focus not visible on {here}"
        if matches(here):
            return here
    raise AssertionError(f"never reached the element by {key}; passed {seen}")


ORGANISER_PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


def admin_log_in(page, username: str, *, password: str = ORGANISER_PASSWORD, code: str = ""):
    """Sign in to the admin through its login form (with a TOTP code when given)."""
    page.goto(page.base + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    if code:
        page.get_by_label("Six-digit code").fill(code)
    page.get_by_role("button", name="Log in").click()


def assert_no_horizontal_scroll(page, state: str = ""):
    """At the page's width nothing scrolls sideways except inside table boxes."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    where = f"{page.url} {state}".strip()
    assert overflow <= 0, f"{where} scrolls sideways by {overflow}px"


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOTS}")
