"""Helpers for the CSV files people and organisers download."""

# The one safe writer and its cell rule live in core (every app's CSVs use them);
# kept importable from here for the callers that knew them here.
from core.csv_safe import FORMULA_STARTS, safe_cell  # noqa: F401

# What one item of a list-valued key is called in the "section" column.
ITEM_NAMES = {
    "consents": "consent",
    "meetings_moved": "meeting moved",
    "branch_contact_links": "branch contact link",
    "reports": "report",
}


def _item_name(key: str) -> str:
    return ITEM_NAMES.get(key, key.replace("_", " "))


def section_rows(data: dict, section: str = "details"):
    """Yield (section, field, value) rows for a nested dict of a member's data.

    Plain values are rows of `section`; each item of a list is a section of its
    own ("consent 2", "branch contact link 1, report 3"); an empty list is one
    row saying "none". So no cell ever holds a Python list or dict.
    """
    nested = []
    for key, value in data.items():
        if isinstance(value, list | tuple):
            nested.append((key, value))
        elif isinstance(value, dict):
            nested.append((key, [value]))
        else:
            yield section, key, value
    for key, items in nested:
        name = _item_name(key)
        prefix = "" if section == "details" else f"{section}, "
        if not items:
            yield f"{prefix}{key.replace('_', ' ')}", "", "none"
        for n, item in enumerate(items, start=1):
            if isinstance(item, dict):
                yield from section_rows(item, f"{prefix}{name} {n}")
            else:
                yield f"{prefix}{name} {n}", key, item
