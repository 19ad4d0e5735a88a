"""Load a lived-in demo site, or with --size large the benchmark data set.

Idempotent: running it again adds nothing that is already there.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app contributes `<app>.demo.load(**sizes)`; order matters (structure first).
APPS = ["members", "articles", "campaign", "ballots"]

SIZES = {
    "demo": {
        "branches": 300,
        "articles": 40,
        "members": 600,
        "positions": 12,
        "candidates": 24,
        "units": 8,
        "days": 20,
    },
    "large": {
        "branches": 1000,
        "articles": 10000,
        "members": 100000,
        "positions": 35,
        "candidates": 200,
        "units": 200,
        "days": 60,
    },
}


class Command(BaseCommand):
    help = "Load demo content (idempotent). --size large builds the benchmark data set."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="demo")

    def handle(self, *args, size, **options):
        sizes = SIZES[size]
        for app in APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            with transaction.atomic():
                result = module.load(**_accepted(module.load, sizes))
            self.stdout.write(f"{app}: {result}")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({size})."))


def _accepted(func, sizes: dict) -> dict:
    """Pass each loader only the size options it declares."""
    import inspect

    params = inspect.signature(func).parameters
    return {k: v for k, v in sizes.items() if k in params}
