#!/usr/bin/env python
"""Count the CPU instructions a page costs, built from scratch (page cache off).

    .venv/bin/python bench/instructions.py / /tags/pay/ /feed/ [--requests 10]
    .venv/bin/python bench/instructions.py --cached /feed/    # a page-cache hit instead
    .venv/bin/python bench/instructions.py --organiser /admin/campaign/election/1/board/

Times in milliseconds move with whatever else the machine runs (on a shared
two-core machine, by 30% from one minute to the next); instructions counted by
valgrind's callgrind do not. Each page is requested in-process through Django's
test client, on the bench database with the production settings (as
``bench/profile.py``), three times to warm up and then ``--requests`` times with
counting switched on: the figure is instructions of this Python process per
request (PostgreSQL's work is not in it). Under valgrind a request runs about
50 times slower, so a page takes 15-30 seconds.
"""

import argparse
import gc
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(path: str, requests: int, cached: bool, organiser: bool = False) -> None:
    """Run inside valgrind: count instructions only around the measured requests."""
    from bench.run.database import prepare_database, server_env

    database_url = prepare_database(quick=False, fresh=False)
    os.environ.update(
        server_env(
            database_url,
            "instructions-" + "x" * 50,
            PAGE_CACHE_ENABLED="true" if cached else "false",
        )
    )
    import django

    django.setup()
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    if organiser:  # a national organiser, signed in and verified for two-factor
        from bench.run.pages import organiser_session

        client = Client(SERVER_NAME="127.0.0.1", HTTP_COOKIE=organiser_session())
    for _ in range(3):  # templates, URL resolvers, the connection
        status = client.get(path).status_code
    if status != 200:
        sys.exit(f"{path} answered {status}")
    # A full collection walks every object of the process (about 100,000, 40 ms):
    # one that happens to fall among the counted requests would be most of the
    # count. Collected here, the counted requests meet only the young ones, as a
    # long-running worker does.
    gc.collect()
    toggle = ["callgrind_control", "--instr"]
    subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(requests):
        client.get(path)
    subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="pages, e.g. / /tags/pay/")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--cached", action="store_true", help="count a page-cache hit")
    parser.add_argument("--organiser", action="store_true", help="as a national organiser")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inside:
        measure(args.paths[0], args.requests, args.cached, args.organiser)
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install -y valgrind)", file=sys.stderr)
        return 1
    for path in args.paths:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "callgrind.out"
            run = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--instr-atstart=no",
                    f"--callgrind-out-file={out}",
                    sys.executable,
                    __file__,
                    "--inside",
                    f"--requests={args.requests}",
                    *(["--cached"] if args.cached else []),
                    *(["--organiser"] if args.organiser else []),
                    path,
                ],
                capture_output=True,
                text=True,
            )
            if run.returncode:
                print(f"{path}: failed\n{run.stderr[-2000:]}", file=sys.stderr)
                return 1
            totals = next(
                line for line in out.read_text().splitlines() if line.startswith("totals:")
            )
        per_request = int(totals.split()[1]) / args.requests
        digits = 2 if per_request < 1e7 else 1
        print(f"{path}: {per_request / 1e6:.{digits}f} million instructions a request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
