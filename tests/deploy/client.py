"""The topology test's clients: a browser over HTTPS, sign-ups, and the bounded load."""

import http.client
import re
import secrets
import threading
import time
from urllib.parse import urlencode

from tests.deploy.stack import CUT_GETS


class Browser:
    """One person's HTTPS client: cookies, CSRF, a source address of its own."""

    def __init__(self, site, source="127.0.0.1", port=None, tls=True):
        self.site, self.source = site, source
        self.port = port or site.https_port
        self.tls = tls
        self.cookies: dict[str, str] = {}
        self.conn = None

    def _connect(self):
        if self.tls:
            return http.client.HTTPSConnection(
                "localhost",
                self.port,
                context=self.site.ssl_context,
                timeout=30,
                source_address=(self.source, 0),
            )
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
        )

    def request(self, method, path, data=None, headers=None, *, keep_alive=True):
        headers = dict(headers or {})
        origin = f"https://localhost:{self.site.https_port}"
        if not self.tls:
            headers.setdefault("Host", f"localhost:{self.site.https_port}")
            headers.setdefault("X-Forwarded-Proto", "https")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers.setdefault("Referer", origin + path)
        try:
            self.conn = (self.conn if keep_alive else None) or self._connect()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, {}, ""
        if not keep_alive or response.will_close:
            self.close()
        for k, v in response.getheaders():
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                self.cookies[name] = value
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            content.decode(errors="replace"),
        )

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def join_fields(page: str) -> dict:
    def value(name):
        return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)

    branch = re.search(r'<option value="(\d+)"', page)
    return {
        "csrfmiddlewaretoken": value("csrfmiddlewaretoken"),
        "started": value("started"),
        "name": "Topology Tester",
        "branch": branch.group(1) if branch else "",
        "branch_not_listed": "" if branch else "Topology branch",
        "grade": "AO",
        "is_union_member": "yes",
        "consent_faction": "on",
        "website": "",
    }


def new_joiner(site, source: str) -> tuple[Browser, dict]:
    browser = Browser(site, source=source)
    status, _, page = browser.request("GET", "/join/")
    assert status == 200
    return browser, join_fields(page)


def sign_up(browser, fields, email) -> int:
    status, headers, _ = browser.request(
        "POST", "/join/", {**fields, "email": email}, keep_alive=False
    )
    if status == 302:
        assert "/join/" in headers["location"]
    return status


def load(site, *, seconds, readers, joiners, paths, run_id, event=None, at=None):
    """Bounded load: readers GET `paths`, joiners sign up (each from its own address).

    A sign-up answered 502 or not at all is sent again once, as a person would.
    Returns (gets [(t, status)], signups {email: final status}, [(t, status)]).
    """
    gets, signups, timeline, lock = [], {}, [], threading.Lock()
    cut = CUT_GETS
    cut.clear()
    forms = []
    for j in range(joiners):
        forms.append(new_joiner(site, f"127.{10 + j}.{secrets.randbelow(250)}.1"))
    time.sleep(3.2)  # the join form's minimum fill time
    begun = time.monotonic()
    deadline = begun + seconds

    def reader(k):
        browser = Browser(site, source=f"127.0.4.{k + 1}")
        n = 0
        while time.monotonic() < deadline and n < 5000:
            path = paths[n % len(paths)].replace("{n}", f"{run_id}{k}x{n}")
            status = browser.request("GET", path)[0]
            if status == 0:
                # The connection broke mid-response (the app server was killed
                # after its headers left): a browser tries an idempotent GET
                # again on a new connection, and so does this reader, once.
                with lock:
                    cut.append((time.monotonic() - begun, path))
                status = browser.request("GET", path)[0]
            with lock:
                gets.append((time.monotonic() - begun, status, path))
            n += 1

    def joiner(j):
        browser, fields = forms[j]
        n = 0
        while time.monotonic() < deadline and n < 400:
            browser.source = f"127.{10 + j}.{n // 250}.{n % 250 + 2}"
            email = f"{run_id}-{j}-{n}@example.org"
            status = sign_up(browser, fields, email)
            with lock:
                timeline.append((time.monotonic() - begun, status))
            if status in {0, 502}:
                time.sleep(0.3)
                status = sign_up(browser, fields, email)
            if status == 503:
                time.sleep(0.2)
            with lock:
                signups[email] = status
            n += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(readers)]
    threads += [threading.Thread(target=joiner, args=(j,)) for j in range(joiners)]
    for t in threads:
        t.start()
    if event is not None:
        time.sleep(max(0, begun + at - time.monotonic()))
        event()
    for t in threads:
        t.join(timeout=seconds + 120)
    load.begun = begun  # the time base of the returned timings
    return gets, signups, timeline
