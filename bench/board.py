"""Time the nominations board and the organiser home on the large data set.

Usage (against a database loaded with ``manage.py load_demo --size large``):

    DEBUG=true .venv/bin/python bench/board.py [--runs 9] [--slug nec-2027] [--load]

or build the campaign part of the large set in a scratch database first:

    DEBUG=true DATABASE_URL=postgresql://.../bench_campaign .venv/bin/python bench/board.py --build

Prints the election's size, the SQL queries each page runs, and the median (p50)
and worst time in this process (Django's test client, so no network). With
``--load`` it also starts gunicorn (production settings, 2 workers, as
``make bench`` does) and loads the board at 1 and 16 connections for
``--seconds`` each, for one national organiser: requests a second, p50, p99.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The load's server and this process must sign sessions with the same key.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def build():
    from django.core.management import call_command

    from campaign import demo as campaign_demo
    from members import demo as members_demo

    call_command("migrate", verbosity=0)
    print("members:", members_demo.load(branches=1000, members=2000))
    print("campaign:", campaign_demo.load(positions=35, candidates=200))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live site


CPU = []  # this process's CPU ms per run of the last timed(): moves less with load


def timed(fn, runs):
    """Run fn `runs` times; return (p50 ms, worst ms, queries of the last run, its result).

    Wall time includes waiting for PostgreSQL and for the CPU on a busy machine;
    ``CPU`` keeps this process's own CPU time per run (PostgreSQL's is not in it).
    """
    timings = []
    CPU.clear()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start, cpu = time.perf_counter(), time.process_time()
            result = fn()
            timings.append((time.perf_counter() - start) * 1000)
            CPU.append((time.process_time() - cpu) * 1000)
    return statistics.median(timings), max(timings), len(queries), result


def cpu_p50() -> str:
    return f"{statistics.median(CPU):.0f} ms of Python CPU"


def load(paths: dict, cookie: str, seconds: int) -> None:
    """Serve with gunicorn and load each path at 1 and 16 connections (needs DATABASE_URL)."""
    from django.core.management import call_command

    from bench.run.database import server_env
    from bench.run.load import run_python_load
    from bench.run.servers import Gunicorn

    call_command("collectstatic", interactive=False, verbosity=0)
    env = server_env(os.environ["DATABASE_URL"], os.environ["SECRET_KEY"])
    server = Gunicorn("board", env, workers=2)
    server.start()
    try:
        server.wait_ready()
        for name, path in paths.items():
            for concurrency in (1, 16):

                def request(_thread, _n, path=path, name=name):
                    return "GET", path, None, {"Cookie": cookie}, name

                result, records = run_python_load(server.port, concurrency, seconds, request)
                statuses = sorted({r[1] for r in records})
                print(
                    f"{name} over HTTP, c={concurrency}: {result.rps:.1f} requests/s, "
                    f"p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, "
                    f"{result.requests} requests, statuses {statuses}"
                )
                server.drain()
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--slug", default="")
    parser.add_argument("--build", action="store_true", help="load the large campaign data first")
    parser.add_argument("--load", action="store_true", help="also load it over HTTP, c=1 and 16")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.build:
        build()

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from bench.run.pages import organiser_session
    from campaign.board import election_board
    from campaign.models import Election, Nomination
    from core.todo import organiser_todo
    from members.models import Branch, User

    elections = Election.objects.annotate(n=Count("positions__candidates")).order_by("-n")
    election = elections.get(slug=args.slug) if args.slug else elections.first()
    if election is None:
        sys.exit("No election: run manage.py load_demo --size large, or pass --build.")
    cookie = organiser_session()  # a national organiser, verified for two-factor
    user = User.objects.get(username="bench-organiser")
    print(
        f"{election.name}: {election.positions.count()} positions, {election.n} candidates, "
        f"{Branch.objects.count()} branches, "
        f"{Nomination.objects.filter(position__election=election).count()} nominations"
    )
    p50, worst, queries, board = timed(
        lambda: election_board(election=election, user=user), args.runs
    )
    print(
        f"board selector: {queries} queries; p50 {p50:.0f} ms ({cpu_p50()}), "
        f"worst {worst:.0f} ms; "
        f"{len(board.rows)} candidate rows, {len(board.not_held)} branches not held, "
        f"{len(board.deadlines)} notice deadlines in 28 days"
    )
    p50, worst, queries, todo = timed(lambda: organiser_todo(user, timezone.localdate()), args.runs)
    print(
        f"organiser home items: {queries} queries; p50 {p50:.0f} ms ({cpu_p50()}), "
        f"worst {worst:.0f} ms; "
        f"{len(todo.dated)} dated, {sum(len(s.items) for s in todo.sections)} others"
    )

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client(HTTP_COOKIE=cookie)
    paths = {
        "admin board page": reverse("admin:campaign_election_board", args=[election.pk]),
        "organiser home page": reverse("admin:index"),
    }
    for name, url in paths.items():
        p50, worst, queries, response = timed(lambda url=url: client.get(url), args.runs)
        print(
            f"{name}: HTTP {response.status_code}, {queries} queries, "
            f"{len(response.content) // 1024} KiB; p50 {p50:.0f} ms ({cpu_p50()}), "
            f"worst {worst:.0f} ms"
        )
    if args.load:
        load(paths, cookie, args.seconds)


if __name__ == "__main__":
    main()
