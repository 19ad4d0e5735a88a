#!/usr/bin/env python
"""Time the ballot unit dashboard on the large data set (200 units, 1,000 branches, 60 days).

    .venv/bin/python bench/ballot_dashboard.py            # build if needed, then time
    .venv/bin/python bench/ballot_dashboard.py --fresh    # start from an empty database

It uses its own database (``<name>_bench_ballots`` on the embedded PostgreSQL or the
server of DATABASE_URL; BENCH_DATABASE_URL names one directly), migrates it, loads the
structure (members.demo, 1,000 branches) and the ballots demo (200 units, 60 days of
returns: 60,000 rows), then times, over several runs:

* the per-unit turnout query (selectors.turnout_by_unit),
* the cumulative series for the 12 charted units (selectors.turnout_series),
* the whole admin dashboard page through Django's test client, with its query count,

and prints EXPLAIN ANALYZE of the per-unit query.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(fn, runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    from bench.run.database import prepare_database

    os.environ["DATABASE_URL"] = prepare_database(quick=False, fresh=args.fresh, suffix="_ballots")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")  # local run: no HTTPS redirect, no secret needed
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"  # Django's test client
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from ballots import demo as ballots_demo
    from ballots.models import Ballot, TurnoutReturn
    from ballots.selectors import turnout_by_unit, turnout_series
    from members import demo as members_demo
    from members.models import User

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with transaction.atomic():
        members_demo.load(branches=1000)
        loaded = ballots_demo.load(units=200, days=60)
    print(f"data: {loaded} ({time.perf_counter() - start:.1f} s)")
    ballot = Ballot.objects.get(name=ballots_demo.BALLOT_NAME)
    returns = TurnoutReturn.objects.filter(ballot=ballot).count()
    units = ballot.ballot_units.count()
    print(f"ballot: {units} units, {returns} turnout returns")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    user, _ = User.objects.get_or_create(
        username="bench-ballots",
        defaults={"role": User.Role.NATIONAL, "is_staff": True, "is_superuser": True},
    )
    as_of = ballot.opens_on + (ballot.closes_on - ballot.opens_on) // 2
    med, p95, rows = _timed(lambda: turnout_by_unit(ballot, user, as_of=as_of), args.runs)
    print(f"turnout_by_unit ({len(rows)} units): median {med:.1f} ms, p95 {p95:.1f} ms")
    ids = [u.unit_id for u in rows[:12]]
    med, p95, _ = _timed(lambda: turnout_series(ballot, user, unit_ids=ids, as_of=as_of), args.runs)
    print(f"turnout_series (12 units): median {med:.1f} ms, p95 {p95:.1f} ms")

    from django.conf import settings

    # The bench signs in with force_login, which has no TOTP device; the page is
    # what is timed, not the login.
    settings.OTP_REQUIRED_FOR_STAFF = False
    # As Django's test runner does: keep one connection for the whole run, so the
    # captured queries are the page's own.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(user)
    url = reverse("admin:ballots_ballot_dashboard", args=[ballot.pk]) + f"?as_of={as_of}"
    client.get(url)  # warm templates
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    med, p95, _ = _timed(lambda: client.get(url), max(5, args.runs // 2))
    print(
        f"dashboard page: {len(seen)} queries, "
        f"median {med:.1f} ms, p95 {p95:.1f} ms, {len(response.content) // 1024} KiB"
    )
    # The per-unit query is the first raw WITH ... statement the page ran.
    sql, params = next(q for q in seen if q[0].lstrip().startswith("WITH"))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\nEXPLAIN ANALYZE of the per-unit query:")
        for (line,) in cursor.fetchall():
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
