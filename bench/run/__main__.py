"""The benchmark: build the large data set, serve it with gunicorn, load it, print a table.

    .venv/bin/python -m bench.run            # the full run (make bench)
    .venv/bin/python -m bench.run --quick    # demo data, one second per row (make bench-quick)

What it does, in order (see bench/README.md for how to read the output):

1. Creates its own database (``rankandfile_bench``, or ``..._quick``) on the
   embedded PostgreSQL or on the server of ``DATABASE_URL`` (``BENCH_DATABASE_URL``
   names one directly), migrates it and loads ``manage.py load_demo --size large``
   (``--size demo`` with ``--quick``). Loading is idempotent, so a second run
   reuses the data; ``--fresh`` starts again from an empty database (``database``).
2. Measures in-process, with Django's test client: SQL queries per request of
   every row, and ``EXPLAIN ANALYZE`` of the search query (``pages``).
3. Saves the article page's bytes as a static file and collects static files:
   whitenoise serves it from the same gunicorn (the ceiling row).
4. Starts gunicorn with the production settings (DEBUG off) on 127.0.0.1 only:
   one with the page cache on, one with it off (``PAGE_CACHE_ENABLED=false``;
   ``servers``).
5. Loads every row with wrk (installed with apt-get when missing and root; a
   bounded Python load generator otherwise) at concurrency 1, 16 and 64, for a
   fixed duration each; join POSTs go through a Python generator that knows
   which sign-up got which answer, so lost or duplicated ones are counted (``load``).
6. Checks that two app servers on one database show an edit at once.
7. Stops every process it started, by PID, whatever happens, and prints the
   table and the targets (``report``).

With ``--peers``, a stock Wagtail blog and a stock WordPress, loaded with the
same 1,000 articles, are set up before step 4, started beside the gunicorns and
loaded in step 5; their rows are printed beside ours (``bench/peers``).
"""

import argparse
import json
import os
import secrets
import signal
import sys
import time

from bench.peers import WORKERS as PEER_WORKERS
from bench.run import HOST, ROOT
from bench.run.database import build, prepare_database, server_env
from bench.run.load import ensure_wrk, join_form_fields, load_rows
from bench.run.pages import (
    count_queries,
    discover_rows,
    explain_search,
    organiser_session,
    write_ceiling_file,
)
from bench.run.report import print_report, write_json
from bench.run.servers import Gunicorn, RssSampler, check_consistency

# gunicorn.conf.py's default for WEB_CONCURRENCY: the bench measures what a
# volunteer's deployment runs (tests/bench/test_quick.py keeps them equal).
PRODUCTION_WORKERS = 3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="demo data, one second per row")
    parser.add_argument("--fresh", action="store_true", help="rebuild the bench database")
    parser.add_argument("--seconds", type=int, help="seconds per row and concurrency")
    parser.add_argument("--concurrency", help="comma-separated, e.g. 1,16,64")
    parser.add_argument(
        "--workers",
        type=int,
        help=f"gunicorn workers (default {PRODUCTION_WORKERS}, production's; 1 with --quick)",
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    parser.add_argument(
        "--rows", help="only the rows whose names contain one of these, e.g. 'tag,feed'"
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also a stock Wagtail and WordPress with the same articles (bench/peers)",
    )
    parser.add_argument(
        "--peer-workers",
        type=int,
        default=PEER_WORKERS,
        help=f"each peer's workers (default {PEER_WORKERS}, as in the issue's first comparison)",
    )
    args = parser.parse_args(argv)
    # A TERM (a test's timeout, a CI cancel) unwinds through the finally blocks
    # below, so the gunicorns started here are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    quick = args.quick
    seconds = args.seconds or (1 if quick else 5)
    concurrencies = (
        [int(c) for c in args.concurrency.split(",")]
        if args.concurrency
        else ([16] if quick else [1, 16, 64])
    )
    workers = args.workers or (1 if quick else PRODUCTION_WORKERS)
    started = time.monotonic()

    def say(text):
        print(f"[{time.monotonic() - started:6.1f}s] {text}", flush=True)

    load_before = os.getloadavg()[0]
    database_url = prepare_database(quick=quick, fresh=args.fresh)
    env = server_env(database_url, secrets.token_urlsafe(50))
    os.environ.update(env)
    os.chdir(ROOT)
    import django

    django.setup()
    from django.core.management import call_command

    size = build(database_url, quick=quick, say=say)
    # Pages render {% static %} through the manifest: collect before any is built.
    call_command("collectstatic", interactive=False, verbosity=0)
    rows, info = discover_rows(quick)
    cookie = organiser_session()
    for row in rows:
        if not row.public and row.target == "organiser":
            row.cookie = cookie
    say(f"pages: {json.dumps(info)}")
    article_row = next(r for r in rows if r.name == "article page")
    size_bytes = write_ceiling_file(article_row.path)
    if args.rows:
        wanted = [w.strip().lower() for w in args.rows.split(",") if w.strip()]
        rows = [
            r
            for r in rows
            if r.name.startswith("static ceiling") or any(w in r.name.lower() for w in wanted)
        ]
    say(f"ceiling file: {size_bytes} bytes (the article page's); static files collected")
    peers = []
    if args.peers:
        from bench.peers import prepare_peers

        peers = prepare_peers(
            rows,
            database_url=database_url,
            workers=args.peer_workers,
            list_page=info["list_page"],
            secret_key=secrets.token_urlsafe(50),
            say=say,
        )

    explain = explain_search(rows)
    wrk = None if args.no_wrk else ensure_wrk(install=not quick)
    say(f"load generator: {wrk or 'Python (wrk not available)'}")
    servers = {
        "cached": Gunicorn("cached", env, workers),
        "cold": Gunicorn("cold", dict(env, PAGE_CACHE_ENABLED="false"), workers),
    }
    servers.update({peer.key: peer for peer in peers})
    sampler = RssSampler(list(servers.values()))
    join_stats = None
    consistency = ""
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
        say(f"gunicorn up: {', '.join(f'{n} on {HOST}:{s.port}' for n, s in servers.items())}")
        join_form = join_form_fields(servers["cached"].port)
        count_queries(rows, join_form)
        say("SQL queries per request counted in-process")
        sampler.start()
        join_stats = load_rows(
            rows,
            servers,
            concurrencies=concurrencies,
            seconds=seconds,
            wrk=wrk,
            join_form=join_form,
            say=say,
        )
        sampler.stopped.set()
        for server in servers.values():
            server.sample_rss()
        after = {n: {w.pid: w.memory_info().rss for w in s.workers()} for n, s in servers.items()}
        if not quick:
            consistency = check_consistency(env, info.get("article"))
    finally:
        sampler.stopped.set()
        for server in servers.values():
            server.stop()

    peak = {n: s.peak_rss for n, s in servers.items()}
    print_report(
        rows,
        concurrencies,
        peak,
        after,
        quick=quick,
        size=size,
        workers=workers,
        peer_workers=args.peer_workers,
        seconds=seconds,
        wrk=wrk,
        load_before=load_before,
        join_stats=join_stats,
        consistency=consistency,
        explain=explain,
    )
    if args.json:
        write_json(args.json, rows, join_stats=join_stats, peak=peak, explain=explain, info=info)
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
