"""Imports save every row or none, and never fail with anything but a list of errors."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.models import BranchReadiness, ReadinessThreshold, TurnoutReturn
from ballots.readiness import Figures, measure
from ballots.services import ImportRejected, readiness_import_csv, turnout_import_csv

pytestmark = pytest.mark.django_db

cell = st.one_of(
    st.integers(-3, 500).map(str),
    st.sampled_from(["", "yes", "no", "2026-03-10", "31/02/2026", "x", "1e3", " 7 "]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=6),
)
HEAD = (
    "branch_code,taken_on,members,staff_in_post,with_email,with_mobile,with_contact,"
    "with_home_address,reps,advocates,meetings_held,ballot_committee\n"
)


def _line(cells):
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["JC-1", "TX-2", "ZZ-9"]), *[cell] * 11), min_size=1, max_size=4
    )
)
def test_fuzzed_readiness_csv_saves_all_or_nothing(world, national, rows):
    before = BranchReadiness.objects.count()
    text = HEAD + "".join(_line(r) for r in rows)
    try:
        saved = readiness_import_csv(user=national, text=text)
    except ImportRejected as exc:
        errors = exc.errors
        assert errors
        assert BranchReadiness.objects.count() == before
    else:
        assert saved == len(rows)
        assert BranchReadiness.objects.count() == before + len(rows)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["JC-1", "JC-2", "TX-1"]), cell, cell), min_size=1, max_size=4
    )
)
def test_fuzzed_turnout_csv_saves_all_or_nothing(world, national, rows):
    """All the file's rows are saved (as many as reported) or none, and nothing else changes."""
    # Each example starts from one return the file cannot name (no fuzzed date is
    # 9 March), so a save adds exactly the rows reported and changes nothing else.
    TurnoutReturn.objects.all().delete()
    TurnoutReturn.objects.create(
        ballot=world["ballot"], branch=world["b1"], counted_on=dt.date(2026, 3, 9), voted=7
    )
    before = sorted(TurnoutReturn.objects.values_list("branch_id", "counted_on", "voted"))
    text = "branch_code,counted_on,voted\n" + "".join(_line(r) for r in rows)
    rejected = None
    try:
        saved = turnout_import_csv(user=national, ballot=world["ballot"], text=text)
    except ImportRejected as exc:
        rejected = exc
    after = sorted(TurnoutReturn.objects.values_list("branch_id", "counted_on", "voted"))
    if rejected is not None:
        assert rejected.errors
        assert after == before
    else:
        # Each (branch, date) may appear once in a file, so every saved row is a new one.
        assert saved == len(rows)
        assert len(after) == len(before) + saved


def test_empty_and_headerless_files_are_rejected(world, national):
    for text in ["", "branch_code,taken_on,members\n", "just words"]:
        with pytest.raises(ImportRejected):
            readiness_import_csv(user=national, text=text)


@pytest.fixture
def thresholds(db):
    return ReadinessThreshold.current()


def _figures(**kw):
    base = {
        "members": 100,
        "staff_in_post": 150,
        "with_email": 85,
        "with_mobile": 80,
        "with_contact": 90,
        "with_home_address": 95,
        "reps": 3,
        "meetings_held": 1,
        "committees": 1,
    }
    base.update(kw)
    return Figures(**base)


def test_ready_when_every_target_is_met(thresholds):
    m = measure(_figures(), thresholds)
    assert (m.status, m.reasons) == ("ready", [])
    assert (m.density, m.contact, m.workplace_address, m.reps_per_100) == (66.7, 90.0, 5.0, 3.0)


def test_close_when_every_gap_is_within_the_margin(thresholds):
    m = measure(_figures(with_contact=77, with_email=70), thresholds)
    assert m.status == "close"
    assert m.reasons == ["23% of members have no personal contact (target: 80% reachable)"]


def test_not_ready_with_reasons_in_words(thresholds):
    m = measure(_figures(with_contact=50, with_email=40, with_mobile=30, committees=0), thresholds)
    assert m.status == "not_ready"
    assert "No ballot committee formed" in m.reasons
    assert "50% of members have no personal contact (target: 80% reachable)" in m.reasons


def test_thresholds_are_data(thresholds):
    thresholds.min_contact = 95
    thresholds.close_margin = 2
    thresholds.save()
    assert measure(_figures(), ReadinessThreshold.current()).status == "not_ready"


def test_no_figures_and_no_members(thresholds):
    assert measure(None, thresholds).status == "no_figures"
    assert measure(
        _figures(
            members=0, with_email=0, with_mobile=0, with_contact=0, with_home_address=0, reps=0
        ),
        thresholds,
    ).reasons == ["No members recorded"]


def test_snapshot_rules_in_the_database(world):
    from django.db import IntegrityError, transaction

    snap = BranchReadiness.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchReadiness.objects.filter(pk=snap.pk).update(with_contact=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchReadiness.objects.filter(pk=snap.pk).update(staff_in_post=1)
    assert snap.taken_on == dt.date(2026, 3, 1)
