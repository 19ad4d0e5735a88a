"""gunicorn for the bench: the production configuration without the access log.

Writing a log line per request to a pipe nobody reads would measure the pipe.
"""

import os
from pathlib import Path

exec((Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text())  # noqa: S102

accesslog = None
errorlog = "-"
loglevel = "warning"
# Load the app once in the master and fork the workers: a faster start on a busy
# two-core machine (BENCH_PRELOAD=0 starts each worker on its own, as production does).
preload_app = os.environ.get("BENCH_PRELOAD", "1") == "1"
