"""Time the nominations board on the large data set.

Usage (against a database loaded with ``manage.py load_demo --size large``):

    DEBUG=true .venv/bin/python bench/board.py [--runs 5] [--slug nec-2027]

or build the campaign part of the large set in a scratch database first:

    DEBUG=true DATABASE_URL=postgresql://.../bench_campaign .venv/bin/python bench/board.py --build

Prints the election's size, the SQL queries the board runs, and the median
and worst time for building the board and rendering the admin page.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slug", default="")
    parser.add_argument("--build", action="store_true", help="load the large campaign data first")
    args = parser.parse_args()
    if args.build:
        build()

    from django.test import Client
    from django.urls import reverse

    from campaign import selectors
    from campaign.models import Election, Nomination
    from members.models import Branch, User

    elections = Election.objects.annotate(n=Count("positions__candidates")).order_by("-n")
    election = elections.get(slug=args.slug) if args.slug else elections.first()
    if election is None:
        sys.exit("No election: run manage.py load_demo --size large, or pass --build.")
    user, _ = User.objects.get_or_create(
        username="bench-national", defaults={"role": User.Role.NATIONAL, "is_staff": True}
    )
    print(
        f"{election.name}: {election.positions.count()} positions, {election.n} candidates, "
        f"{Branch.objects.count()} branches, "
        f"{Nomination.objects.filter(position__election=election).count()} nominations"
    )

    timings = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            board = selectors.election_board(election=election, user=user)
            timings.append(time.perf_counter() - start)
    print(
        f"board selector: {len(queries)} queries; "
        f"median {statistics.median(timings) * 1000:.0f} ms, "
        f"worst {max(timings) * 1000:.0f} ms; {len(board.rows)} candidate rows, "
        f"{len(board.not_held)} branches not held, {len(board.upcoming)} AGMs in 14 days"
    )

    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.OTP_REQUIRED_FOR_STAFF = False
    settings.AXES_ENABLED = False  # force_login has no client address for axes to log
    client = Client()
    client.force_login(user)
    url = reverse("admin:campaign_election_board", args=[election.pk])
    pages = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            pages.append(time.perf_counter() - start)
    print(
        f"admin board page: HTTP {response.status_code}, {len(queries)} queries, "
        f"{len(response.content) // 1024} KiB; median {statistics.median(pages) * 1000:.0f} ms, "
        f"worst {max(pages) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
