#!/usr/bin/env python
"""Profile a page built from scratch (page cache off), as the bench's cold rows do.

    .venv/bin/python bench/profile.py /articles/some-slug/ [--requests 200] [--html out.html]

Runs against the bench database (``rankandfile_bench``, built by ``make bench``;
``BENCH_DATABASE_URL`` names another) with the production settings, in this
process, through Django's test client: prints milliseconds and SQL queries per
request and pyinstrument's profile of the whole run.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="the page to profile, e.g. /articles/<slug>/")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args(argv)

    from bench.run.database import prepare_database, server_env

    database_url = prepare_database(quick=False, fresh=False)
    os.environ.update(server_env(database_url, "profile-" + "x" * 50, PAGE_CACHE_ENABLED="false"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    call_command("collectstatic", interactive=False, verbosity=0)  # the production manifest
    client = Client(SERVER_NAME="127.0.0.1")
    response = client.get(args.path)  # warm up: templates, connection
    if response.status_code != 200:
        print(f"{args.path} answered {response.status_code}", file=sys.stderr)
        return 1
    queries = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(timed):
        client.get(args.path)
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        client.get(args.path)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # this process alone: less moved by other load
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.requests):
            client.get(args.path)
    print(
        f"{args.path}: {elapsed / args.requests * 1000:.1f} ms a request "
        f"({cpu / args.requests * 1000:.1f} ms of it Python in this process), "
        f"{len(queries)} SQL queries, {len(response.content):,} bytes"
    )
    for seconds, sql in queries:
        print(f"  {seconds * 1000:5.2f} ms  {' '.join(sql.split())[:140]}")
    show_all = os.environ.get("PROFILE_ALL") == "1"  # library frames too
    print(profiler.output_text(unicode=True, color=False, show_all=show_all))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
