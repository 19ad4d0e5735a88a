"""The one CSV writer of the site: every cell defused against spreadsheet formulas.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and some with a leading tab or carriage return) as a formula: a
candidate named ``=HYPERLINK("http://x", "click")`` becomes a link in an
organiser's spreadsheet, or worse. Every CSV the site writes (member exports,
a member's own data, the nominations board, ...) goes through ``safe_writer``,
which prefixes such cells with a quote, so no caller can forget a column.
"""

import csv
from collections.abc import Iterable

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


class SafeWriter:
    """``csv.writer`` whose every cell passes through ``safe_cell``."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def safe_writer(out, **kwargs) -> SafeWriter:
    """Return the CSV writer to use for any file the site lets someone download."""
    return SafeWriter(out, **kwargs)
