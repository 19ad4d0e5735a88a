"""The ballots' part of the organiser home: timetable deadlines ahead, units below the
turnout line with the votes still needed, structure tests off track; all in scope."""

import datetime as dt

import pytest
from django.urls import reverse

from ballots import todo
from ballots.models import StructureTestProgress
from members.models import User
from tests.ballots.conftest import organiser
from tests.ballots.factories import StructureTestFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)


def _texts(items):
    return [item.text for item in items]


def test_units_below_the_line_say_how_many_votes_are_still_needed(returns, national):
    items = todo.organiser_todo(national, TODAY)
    below = [i for i in items if i.section == "Turnout below the line"]
    assert [(i.text, i.detail) for i in below] == [
        (
            f"{returns['ballot'].name}, tax Tax offices: 5 more votes needed",
            "45.0% so far, about 1 a day to close",
        ),
        (
            f"{returns['ballot'].name}, jobcentres Jobcentres: 10 more votes needed",
            "45.0% so far, about 1 a day to close",
        ),
    ]
    assert below[0].url == reverse("admin:ballots_ballot_dashboard", args=[returns["ballot"].pk])


def test_a_group_organiser_sees_only_their_units(returns):
    mine = organiser(User.Role.GROUP, group=returns["g1"])
    texts = _texts(todo.organiser_todo(mine, TODAY))
    assert any("Jobcentres" in t for t in texts)
    assert not any("Tax offices" in t for t in texts)


def test_timetable_deadlines_in_the_next_28_days_are_dated(returns, national):
    dated = [i for i in todo.organiser_todo(national, TODAY) if i.due is not None]
    assert (dt.date(2026, 3, 31), f"{returns['ballot'].name}: Ballot closes") in [
        (i.due, i.text) for i in dated
    ]
    assert all(TODAY <= i.due <= TODAY + dt.timedelta(days=28) for i in dated)


def test_structure_tests_behind_or_overdue_are_listed_and_on_track_ones_are_not(world, national):
    behind = StructureTestFactory(
        branch=world["b1"], title="Petition", deadline=dt.date(2026, 3, 31)
    )
    StructureTestProgress.objects.create(
        test=behind, recorded_on=dt.date(2026, 3, 1), done=10, out_of=100
    )
    StructureTestProgress.objects.create(
        test=behind, recorded_on=dt.date(2026, 3, 11), done=20, out_of=100
    )
    on_track = StructureTestFactory(
        branch=world["b2"], title="Pledge", deadline=dt.date(2026, 3, 21)
    )
    StructureTestProgress.objects.create(
        test=on_track, recorded_on=dt.date(2026, 3, 1), done=10, out_of=100
    )
    StructureTestProgress.objects.create(
        test=on_track, recorded_on=dt.date(2026, 3, 11), done=50, out_of=100
    )
    late = StructureTestFactory(branch=world["b3"], title="Survey", deadline=dt.date(2026, 3, 1))
    StructureTestFactory(branch=world["b4"], title="Far off", deadline=dt.date(2026, 9, 1))
    items = todo.structure_tests_off_track(national, TODAY)
    # 10% -> 20% in 10 days: 40% by 31 March, short of 70%. 10% -> 50%: 90% by 21 March.
    assert _texts(items) == [
        "Survey (TX-1): 70% by 1 Mar, overdue",
        "Petition (JC-1): 70% by 31 Mar, behind: on course for 40%",
    ]
    assert items[0].due is None
    assert items[1].due == dt.date(2026, 3, 31)
    assert items[1].url == reverse("admin:ballots_structuretest_change", args=[behind.pk])
    regional = organiser(User.Role.REGIONAL, region=world["south"])
    assert _texts(todo.structure_tests_off_track(regional, TODAY)) == []
    assert late.pk


def test_no_ballots_permission_no_ballot_items(returns):
    editor = organiser(User.Role.EDITOR)
    editor.user_permissions.clear()
    assert todo.organiser_todo(User.objects.get(pk=editor.pk), TODAY) == []


def test_the_calendar_feed_has_every_timetable_date_in_scope(returns, national):
    from ballots.calendar import calendar_events

    events = calendar_events(national, dt.date(2026, 2, 1), dt.date(2026, 12, 31))
    name = returns["ballot"].name
    assert (f"{name}: Ballot closes", dt.date(2026, 3, 31)) in [(e.summary, e.day) for e in events]
    editor = organiser(User.Role.EDITOR)
    editor.user_permissions.clear()
    fresh = User.objects.get(pk=editor.pk)
    assert calendar_events(fresh, dt.date(2026, 2, 1), dt.date(2026, 12, 31)) == []
