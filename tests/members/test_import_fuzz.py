"""Fuzzing the structure CSV import: every file saves all its rows or none, or says why."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.imports import ImportFailed, structure_import
from members.models import Branch, Workplace
from tests.factories import GroupFactory, RegionFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HEADER = "code,name,group,region,workplace,town\n"

any_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
cell = st.one_of(
    st.sampled_from(["", "dwp", "hmrc", "yorkshire", "scotland", "DWP-1", "Leeds", " x "]),
    any_text,
    st.text(alphabet="ab\x00\r\n\t\",;'\u202e\ufeff", max_size=8),
    st.just("x" * 250),
)


@pytest.fixture
def structure(db):
    GroupFactory(code="dwp", name="Department for Work and Pensions")
    GroupFactory(code="hmrc", name="HM Revenue and Customs")
    RegionFactory(code="yorkshire", name="Yorkshire")
    RegionFactory(code="scotland", name="Scotland")


def _counts():
    return Branch.objects.count(), Workplace.objects.count()


def _state():
    return (
        sorted(Branch.objects.values_list("code", "name", "group_id", "region_id")),
        sorted(Workplace.objects.values_list("branch__code", "name", "town")),
    )


def _import_or_error(data):
    """Run the import; on ImportFailed prove nothing changed and the errors say why."""
    before = _state()
    failed = None
    try:
        report = structure_import(data=data)
    except ImportFailed as exc:
        failed = exc
    if failed is None:
        return report, before
    assert failed.errors
    assert all(isinstance(line, int) and message.strip() for line, message in failed.errors)
    assert _state() == before
    return None


def _quoted(cells):
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), any_text.map(str.encode), any_text))
def test_arbitrary_bytes_or_text_never_crash(structure, data):
    result = _import_or_error(data)
    if result is not None:
        assert result[0].rows >= 0


@FUZZ
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["DWP-1", "DWP-2", "HMRC-3", "dwp-1"]), *[cell] * 5),
        min_size=1,
        max_size=5,
    ),
    extra=st.sampled_from(["", ",surplus", "\n\n", "\r\n"]),
)
def test_plausible_but_broken_files_save_all_or_nothing(structure, rows, extra):
    text = HEADER + "".join(_quoted(r) for r in rows) + extra
    before_counts = _counts()
    result = _import_or_error(text.encode())
    if result is None:
        return
    report, _ = result
    branches, workplaces = _counts()
    assert branches == before_counts[0] + report.branches_created
    assert workplaces == before_counts[1] + report.workplaces_created
    codes = {r[0].strip() for r in rows if any(c.strip() for c in r)}
    assert set(Branch.objects.filter(code__in=codes).values_list("code", flat=True)) == codes


@FUZZ
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["DWP-1", "HMRC-3"]), any_text, cell),
            st.one_of(any_text, cell),
            st.sampled_from(["dwp", "HM Revenue and Customs", "DWP"]),
            st.sampled_from(["yorkshire", "Scotland"]),
            st.one_of(st.just(""), any_text, cell),
            st.one_of(st.just(""), any_text, cell),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_valid_looking_rows_with_odd_text_save_all_or_nothing(structure, rows):
    """Groups and regions exist, so most rows get as far as the database."""
    before_counts = _counts()
    result = _import_or_error(("".join([HEADER] + [_quoted(r) for r in rows])).encode())
    if result is None:
        return
    report, _ = result
    assert _counts() == (
        before_counts[0] + report.branches_created,
        before_counts[1] + report.workplaces_created,
    )


@FUZZ
@given(
    header=st.lists(
        st.sampled_from(["code", "name", "group", "region", "workplace", "town", "CODE", ""]),
        max_size=8,
    ),
    body=st.lists(st.lists(cell, max_size=8), max_size=4),
)
def test_missing_repeated_and_odd_columns(structure, header, body):
    text = ",".join(header) + "\n" + "".join(_quoted(r) for r in body)
    _import_or_error(text)


def test_a_nul_character_is_a_line_error_not_a_crash(structure):
    """Found by the fuzz above: PostgreSQL cannot store NUL (was a DataError, a 500)."""
    with pytest.raises(ImportFailed) as caught:
        structure_import(data=HEADER + "DWP-1,Leeds\x00,dwp,yorkshire,,\n")
    assert caught.value.errors == [(2, "Name contains a null character, which cannot be stored.")]
    assert not Branch.objects.exists()
