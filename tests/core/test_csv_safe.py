"""The one CSV writer defuses every would-be spreadsheet formula."""

import csv
import io

import pytest

from core.csv_safe import safe_cell, safe_writer


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_a_formula_is_quoted(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_plain_cells_pass_unchanged():
    assert [safe_cell(v) for v in ("Ann", 3, None, True, "")] == ["Ann", "3", "", "yes", ""]


def test_the_writer_defuses_every_cell_of_every_row():
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(["name", '=HYPERLINK("http://x")'])
    writer.writerows([["@SUM(A1)", 2], ["ok", "-3"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        ["name", '\'=HYPERLINK("http://x")'],
        ["'@SUM(A1)", "2"],
        ["ok", "'-3"],
    ]
