"""Load a lived-in demo site, or with --size large the benchmark data set.

Idempotent: running it again adds nothing that is already there.
"""

import inspect

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from core.registry import declared

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
        # Each app names its loader (AppConfig.demo_loader); they run in the order
        # the apps are installed, so the union's structure comes first.
        for config, path in declared("demo_loader"):
            load = import_string(path)
            with transaction.atomic():
                result = load(**_accepted(load, sizes))
            self.stdout.write(f"{config.label}: {result}")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({size})."))


def _accepted(func, sizes: dict) -> dict:
    """Pass each loader only the size options it declares."""
    params = inspect.signature(func).parameters
    return {k: v for k, v in sizes.items() if k in params}
