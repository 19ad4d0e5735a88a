"""Turnout CSV import fed arbitrary text: a list of errors or a full save, never a crash."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.models import TurnoutReturn
from ballots.services import ImportRejected, turnout_import_csv

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
odd = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)
pieces = st.sampled_from(
    [
        "branch_code",
        "counted_on",
        "voted",
        ",",
        "\n",
        "\r",
        "\r\n",
        '"',
        "\x00",
        "JC-1",
        "TX-1",
        "2026-03-10",
        "12",
        "-1",
        "99999999999",
        "\ufeff",
        " ",
    ]
)


def _state():
    return sorted(TurnoutReturn.objects.values_list("branch_id", "counted_on", "voted"))


def _check(world, national, text):
    before = _state()
    rejected = None
    try:
        saved = turnout_import_csv(user=national, ballot=world["ballot"], text=text)
    except ImportRejected as exc:
        rejected = exc
    if rejected is not None:
        assert rejected.errors
        assert _state() == before
    else:
        assert saved >= 1
        assert len(_state()) <= len(before) + saved


@FUZZ
@given(text=odd)
def test_arbitrary_text(world, national, text):
    _check(world, national, text)


@FUZZ
@given(body=st.lists(pieces, max_size=30))
def test_text_made_of_csv_pieces(world, national, body):
    _check(world, national, "branch_code,counted_on,voted\n" + "".join(body))


def test_a_bare_carriage_return_is_not_a_crash(world, national):
    """Found by the fuzz above: it raised csv.Error (a 500) before the reader used newline=''."""
    with pytest.raises(ImportRejected):
        turnout_import_csv(user=national, ballot=world["ballot"], text="\rbranch_code")
    text = 'branch_code,counted_on,voted\r"JC-1",2026-03-10,"1\r2"\n'
    with pytest.raises(ImportRejected):
        turnout_import_csv(user=national, ballot=world["ballot"], text=text)
