"""Helpers for the CSV files people and organisers download."""

# A cell starting with one of these is a formula (or becomes one) to a spreadsheet.
FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


def safe_cell(value) -> str:
    """Return the text of one CSV cell, with a would-be formula defused by a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


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
