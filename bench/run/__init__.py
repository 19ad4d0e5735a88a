"""The benchmark (``python -m bench.run``; what it does: ``__main__.py`` and bench/README.md).

- ``database``: the bench's own database, the servers' environment, the data set;
- ``pages``: the rows of the table and what is measured of them in-process;
- ``servers``: the gunicorns, stopped by their PIDs, and the two-server consistency check;
- ``load``: wrk, or a bounded Python load generator, and the join POSTs;
- ``report``: the table, the targets, the summary and the JSON file.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"  # the only address anything here binds to or sends to
