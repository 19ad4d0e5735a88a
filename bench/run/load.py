"""Load: wrk when there is one, a bounded Python load generator otherwise; the join POSTs."""

import http.client
import math
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
from urllib.parse import urlencode

from bench.run import HOST
from bench.run.pages import Result
from bench.run.report import fmt_result
from bench.run.servers import fetch


def ensure_wrk(install: bool) -> str | None:
    found = shutil.which("wrk")
    if found or not install or os.geteuid() != 0:
        return found
    print("Installing wrk (apt-get) ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"]):
        subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
        if shutil.which("wrk"):
            break
    else:
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env=env,
            capture_output=True,
            timeout=300,
            check=False,
        )
    return shutil.which("wrk")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(wrk: str, port: int, path: str, concurrency: int, seconds: int, cookie: str):
    cmd = [
        wrk,
        f"-t{min(2, concurrency)}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Host: {HOST}",
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    p50 = _ms(p50.group(1)) if p50 else math.nan  # nan: no request finished in time
    p99 = _ms(p99.group(1)) if p99 else math.nan
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Result(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors, requests=total)


def run_python_load(port, concurrency, seconds, make_request):
    """A bounded load generator: `concurrency` keep-alive connections until the deadline.

    make_request(thread, n) returns (method, path, body, headers, tag); each
    answer is recorded as (tag, status, latency). Requests in flight at the
    deadline finish; no new one starts.
    """
    deadline = time.monotonic() + seconds
    records: list[list] = [[] for _ in range(concurrency)]

    def worker(t):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        n = 0
        while time.monotonic() < deadline:
            method, path, body, headers, tag = make_request(t, n)
            n += 1
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers={"Host": HOST, **headers})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            records[t].append((tag, status, time.perf_counter() - start))
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    flat = [r for rs in records for r in rs]
    latencies = sorted(r[2] * 1000 for r in flat) or [0.0]
    ok = sum(1 for r in flat if 200 <= r[1] < 400)
    result = Result(
        rps=ok / elapsed,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors=len(flat) - ok,
        requests=len(flat),
    )
    return result, flat


def join_form_fields(port: int) -> dict | None:
    """GET the join form once: its CSRF cookie and token, the signed start time, a branch."""
    status, headers, body = fetch(port, "/join/")
    if status != 200:
        return None
    html = body.decode()
    cookie = next(
        (
            v.split(";")[0].split("=", 1)[1]
            for k, v in headers
            if k.lower() == "set-cookie" and v.startswith("csrftoken=")
        ),
        None,
    )

    def value(name):
        m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', html
        )
        return m.group(1) if m else ""

    branch = re.search(r'<option value="(\d+)"', html)
    grade = re.search(r'name="grade".*?<option value="([A-Za-z0-9]+)"', html, re.S)
    fields = {
        "csrfmiddlewaretoken": value("csrfmiddlewaretoken"),
        "started": value("started"),
        "name": "Bench Reader",
        "branch": branch.group(1) if branch else "",
        "branch_not_listed": "" if branch else "Bench branch",
        "grade": grade.group(1) if grade else "AO",
        "is_union_member": "yes",
        "consent_faction": "on",
        "website": "",
    }
    return {"fields": fields, "csrf_cookie": cookie or "", "fetched_at": time.time()}


def post_signups(port, concurrency, seconds, join_form, run_id, path):
    """Distinct valid sign-ups; return the Result and the accounting of what was stored."""
    from members.models import Member

    wait = join_form["fetched_at"] + 3.5 - time.time()  # the form's minimum fill time
    if wait > 0:
        time.sleep(wait)
    counter = iter(range(1, 10**9))
    lock = threading.Lock()

    def make(t, n):
        with lock:
            k = next(counter)
        email = f"bench-{run_id}-{k}@example.org"
        body = urlencode(dict(join_form["fields"], email=email))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={join_form['csrf_cookie']}",
            # A different person each time (config/settings_bench.py trusts this header).
            "X-Forwarded-For": f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}",
        }
        return "POST", path, body, headers, email

    result, records = run_python_load(port, concurrency, seconds, make)
    accepted = {tag for tag, status, _ in records if status == 302}
    stored = list(
        Member.objects.filter(email__startswith=f"bench-{run_id}-").values_list("email", flat=True)
    )
    stored_set = {e.lower() for e in stored}
    result.rps = len(accepted) / seconds if seconds else 0.0
    return result, {
        "sent": len(records),
        "accepted": len(accepted),
        "stored": len(stored),
        "lost": len(accepted - stored_set),
        "duplicated": len(stored) - len(stored_set),
        "stored_but_not_accepted": len(stored_set - accepted),
        "other_answers": sorted({s for _, s, _ in records if s != 302}),
    }


def load_rows(rows, servers, *, concurrencies, seconds, wrk, join_form, say) -> dict | None:
    """Load every row on its server at each concurrency; return the join POSTs' accounting."""
    join_stats = None
    run_id = secrets.token_hex(4)
    for row in rows:
        if row.note:  # already known not to load (a peer that could not be set up)
            continue
        server = servers[row.server]
        if not row.path:
            row.note = "n/a (no such page yet)"
            continue
        headers = {"Cookie": row.cookie} if row.cookie else {}
        if "POST" in row.name:
            if not join_form:
                row.note = "n/a (no join form)"
                continue
            for c in concurrencies:
                server.drain()
                result, stats = post_signups(
                    server.port, c, seconds, join_form, f"{run_id}-{c}", row.path
                )
                row.results[c] = result
                join_stats = {
                    k: (join_stats or {}).get(k, 0) + v
                    for k, v in stats.items()
                    if isinstance(v, int)
                } | {"other_answers": stats["other_answers"]}
            say(f"{row.name}: {join_stats}")
            continue
        try:
            server.drain()
            status, _, _ = fetch(server.port, row.path, headers=headers, timeout=120)
        except (OSError, http.client.HTTPException) as exc:
            row.note = f"n/a (no answer: {exc.__class__.__name__})"
            continue
        if status != 200:
            row.note = f"n/a ({status})"
            continue
        for c in concurrencies:
            server.drain()  # requests left queued by the last cell are not this one's
            if wrk:
                row.results[c] = run_wrk(wrk, server.port, row.path, c, seconds, row.cookie)
            else:
                row.results[c], _ = run_python_load(
                    server.port,
                    c,
                    seconds,
                    lambda t, n, p=row.path, h=headers: ("GET", p, None, h, None),
                )
        say(f"{row.name}: " + ", ".join(fmt_result(r) for r in row.results.values()))
    return join_stats
