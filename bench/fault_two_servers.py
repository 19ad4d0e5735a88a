#!/usr/bin/env python
"""Fault: two app servers against one database share everything that must be shared.

    .venv/bin/python bench/fault_two_servers.py

Starts two gunicorn instances on two ports (production settings, DEBUG off)
against one database (the join bench's own, ``..._surge``; see
bench/join_surge.py), then checks and prints:

1. Login: an organiser logs in to the admin (password + TOTP code) on server A;
   the same session cookie opens the admin on server B.
2. Login lockout: wrong passwords sent alternately to A and B lock the account
   after AXES_FAILURE_LIMIT in total, on both.
3. Rate limit: sign-ups from one address, sent alternately to A and B, hit the
   "join" limit after the limit in total (not per server).
4. Articles: an article edited through server A's admin shows its new title on
   server B at once (and on A).

Everything it creates is deleted at the end; both servers are stopped by PID.
"""

import html.parser
import re
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.join_surge import (  # noqa: E402
    HOST,
    fetch,
    free_port,
    join_form,
    prepare_database,
    server_env,
    start_gunicorn,
    stop,
    wait_ready,
)

PASSWORD = "two-servers-" + secrets.token_urlsafe(12)


class Browser:
    """Cookies and CSRF across two servers, as one person behind a load balancer."""

    def __init__(self, ip="192.0.2.10"):
        self.cookies: dict[str, str] = {}
        self.ip = ip

    def request(self, port, method, path, data=None):
        headers = {"X-Forwarded-For": self.ip}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{port}{path}"
        status, resp_headers, content = fetch(port, method, path, body, headers)
        for k, v in resp_headers:
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                self.cookies[name] = value
        return (
            status,
            {k.lower(): v for k, v in resp_headers},
            content.decode(errors="replace"),
        )


class FormFields(html.parser.HTMLParser):
    """Collect the current values of the first form with the given id."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def admin_login(browser, port, username, code):
    _, _, page = browser.request(port, "GET", "/admin/login/")
    return browser.request(
        port,
        "POST",
        "/admin/login/?next=/admin/",
        {
            "csrfmiddlewaretoken": csrf_token(page),
            "username": username,
            "password": PASSWORD,
            "otp_token": code,
            "next": "/admin/",
        },
    )


def make_fixtures(run_id):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from articles.models import Article
    from articles.services import article_save
    from members.models import User

    user = User.objects.create_user(
        username=f"two-servers-{run_id}", password=PASSWORD, is_staff=True, is_superuser=True
    )
    user.role = User.Role.NATIONAL
    user.save()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    from django.utils import timezone

    article = Article(
        title=f"Two servers original {run_id}",
        slug=f"two-servers-{run_id}",
        standfirst="Checking that both app servers agree.",
        body_markdown="Both servers read one database.",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timezone.timedelta(minutes=5),
    )
    article_save(article=article, user=user)
    return user, device, article


def totp_now(device):
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def check_login(a, b, user, device):
    browser = Browser()
    status, _, _ = admin_login(browser, a, user.username, totp_now(device))
    logged_in = status == 302 and "sessionid" in browser.cookies
    on_a = browser.request(a, "GET", "/admin/")[0]
    on_b = browser.request(b, "GET", "/admin/")[0]
    print(f"1. login on A: {status}; admin index on A {on_a}, on B with the same cookie {on_b}")
    return logged_in and on_a == 200 and on_b == 200


def check_lockout(a, b, user, device):
    from django.conf import settings

    limit = settings.AXES_FAILURE_LIMIT
    browser = Browser(ip="192.0.2.66")
    answers = []
    for i in range(limit):
        port = (a, b)[i % 2]
        _, _, page = browser.request(port, "GET", "/admin/login/")
        status, _, _ = browser.request(
            port,
            "POST",
            "/admin/login/",
            {
                "csrfmiddlewaretoken": csrf_token(page),
                "username": user.username,
                "password": "not-the-password",
                "otp_token": "",
            },
        )
        answers.append(status)
    time.sleep(31)  # a fresh TOTP step, so the right code is not a replay
    right_a = admin_login(browser, a, user.username, totp_now(device))[0]
    right_b = admin_login(browser, b, user.username, totp_now(device))[0]
    print(
        f"2. {limit} wrong passwords alternating A/B answered {answers}; then the right "
        f"password and code: A {right_a}, B {right_b} (429 = locked on both)"
    )
    return right_a == 429 and right_b == 429


def check_rate_limit(a, b):
    from django.conf import settings

    from core.ratelimit import parse_rate

    rate = settings.RATELIMITS["join"]
    limit = parse_rate(rate).count
    fields, cookie = join_form(a)
    time.sleep(3.5)  # the form's minimum time on the page
    ip = f"198.51.100.{secrets.randbelow(250) + 1}"
    answers = []
    for i in range(limit + 2):
        port = (a, b)[i % 2]
        body = urlencode({**fields, "email": f"two-servers-rate-{ip}-{i}@example.org"})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "X-Forwarded-For": ip,
        }
        answers.append(fetch(port, "POST", "/join/", body, headers)[0])
    allowed = sum(1 for s in answers if s == 302)
    print(
        f"3. join limit {rate}: {limit + 2} sign-ups from one address alternating A/B answered "
        f"{answers}; accepted {allowed} in total (each server alone saw {(limit + 2) // 2})"
    )
    return allowed == limit and answers[-1] == 429 and answers[-2] == 429


def check_article(a, b, user, device, article):
    browser = Browser(ip="192.0.2.20")
    time.sleep(31)  # a fresh TOTP step
    admin_login(browser, a, user.username, totp_now(device))
    path = f"/admin/articles/article/{article.pk}/change/"
    _, _, page = browser.request(a, "GET", path)
    parser = FormFields("article_form")
    parser.feed(page)
    new_title = f"Two servers edited {secrets.token_hex(3)}"
    data = [(k, new_title if k == "title" else v) for k, v in parser.fields] + [("_save", "1")]
    public = article.get_absolute_url()
    before_b = new_title in browser.request(b, "GET", public)[2]
    status = browser.request(a, "POST", path, dict_list(data))[0]
    on_a = new_title in browser.request(a, "GET", public)[2]
    on_b = new_title in browser.request(b, "GET", public)[2]
    print(
        f"4. article saved through A's admin: {status}; new title on A {on_a}, on B {on_b} "
        f"(before the save, on B: {before_b})"
    )
    return status == 302 and on_a and on_b and not before_b


def dict_list(pairs):
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def main() -> int:
    import os

    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS=HOST,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    prepare_database()  # sets DATABASE_URL and runs django.setup()
    run_id = secrets.token_hex(4)
    user, device, article = make_fixtures(run_id)
    from django.db import connections

    connections.close_all()
    port_a, port_b = free_port(), free_port()
    servers = []
    results = {}
    try:
        for port in (port_a, port_b):
            servers.append(start_gunicorn(server_env(port), 2))
        for port, process in zip((port_a, port_b), servers, strict=True):
            wait_ready(port, process)
        print(f"server A on :{port_a}, server B on :{port_b}, one database")
        results["login shared"] = check_login(port_a, port_b, user, device)
        results["lockout shared"] = check_lockout(port_a, port_b, user, device)
        results["rate limit shared"] = check_rate_limit(port_a, port_b)
        results["article current on both"] = check_article(port_a, port_b, user, device, article)
    finally:
        for process in servers:
            stop(process)
        from axes.models import AccessAttempt

        from members.models import Member

        Member.objects.filter(email__startswith="two-servers-rate-").delete()
        AccessAttempt.objects.filter(username=user.username).delete()
        article.delete()
        user.delete()
    for name, ok in results.items():
        print(f"{name}: {'yes' if ok else 'NO'}")
    ok = len(results) == 4 and all(results.values())
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
