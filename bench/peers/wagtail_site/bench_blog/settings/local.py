"""What the bench gives this site (bench/peers/wagtail.py): its secret key, hosts and database.

The production settings (DEBUG off) import it last.
"""

import json
import os

SECRET_KEY = os.environ["BENCH_WAGTAIL_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": json.loads(os.environ["BENCH_WAGTAIL_DATABASE"])}
