"""The ballots' part of the organiser home (core.todo): every timetable deadline in the
next weeks, units below the turnout line while a ballot runs, structure tests off track.

Queries: the legal rules, the ballots with their action dates, the structure tests
(one each), and one per running ballot for its units' turnout (at most
RUNNING_BALLOTS of them); none grows with the number of branches.
"""

import datetime

from django.db.models import Prefetch
from django.urls import reverse

from ballots.models import ActionDate, Ballot, StructureTest
from ballots.rules import RuleBook
from ballots.selectors import turnout_by_unit
from ballots.timetable import ballot_timetable
from core.todo import AHEAD_DAYS, LIST_LIMIT, TodoItem

RUNNING_BALLOTS = 5  # turnout is read for this many running ballots at most
MANDATE_DAYS = 366  # no mandate lasts longer than a year after the ballot closes


def _dashboard(ballot_id: int) -> str:
    return reverse("admin:ballots_ballot_dashboard", args=[ballot_id])


def timetable_deadlines(user, today: datetime.date, ballots, book) -> list[TodoItem]:
    """Each deadline of a visible ballot due in the next AHEAD_DAYS and not yet done."""
    last = today + datetime.timedelta(days=AHEAD_DAYS)
    items = []
    for ballot in ballots:
        for deadline in ballot_timetable(ballot, book=book, actions=ballot.actions).deadlines:
            if deadline.due is None or deadline.done_on is not None:
                continue
            if today <= deadline.due <= last:
                items.append(
                    TodoItem(
                        section="Ballots",
                        text=f"{ballot.name}: {deadline.label}",
                        detail=deadline.note,
                        url=_dashboard(ballot.pk),
                        due=deadline.due,
                    )
                )
    return items


def units_below_line(user, today: datetime.date, ballots, book) -> list[TodoItem]:
    """Units of running ballots whose turnout is still below the legal line."""
    running = [b for b in ballots if b.opens_on <= today <= b.closes_on][:RUNNING_BALLOTS]
    items = []
    for ballot in running:
        for unit in turnout_by_unit(ballot, user, as_of=today, book=book):
            if unit.still_needed:
                per_day = unit.needed_per_day
                items.append(
                    TodoItem(
                        section="Turnout below the line",
                        text=f"{ballot.name}, {unit.code} {unit.name}: "
                        f"{unit.still_needed:,} more votes needed",
                        detail=f"{unit.turnout}% so far"
                        + (f", about {per_day:,} a day to close" if per_day else ""),
                        url=_dashboard(ballot.pk),
                    )
                )
    return items


def structure_tests_off_track(user, today: datetime.date) -> list[TodoItem]:
    """Tests due in the next AHEAD_DAYS (or missed in the last) that will not, or did not, pass."""
    window = datetime.timedelta(days=AHEAD_DAYS)
    tests = (
        StructureTest.objects.visible_to(user)
        .filter(deadline__gte=today - window, deadline__lte=today + window)
        .with_progress()
        .select_related("branch", "unit")
        .order_by("deadline", "title")
    )
    items = []
    for test in tests:
        standing = test.standing(today)
        if standing.state in ("met", "on track"):
            continue
        where = test.branch.code if test.branch else test.unit.code
        state = str(standing)
        items.append(
            TodoItem(
                section="Structure tests",
                text=f"{test.title} ({where}): {test.target_percent}% by "
                f"{test.deadline:%-d %b}, {state}",
                url=reverse("admin:ballots_structuretest_change", args=[test.pk]),
                due=test.deadline if test.deadline >= today else None,
            )
        )
    return items[: LIST_LIMIT * 2]


def organiser_todo(user, today: datetime.date) -> list[TodoItem]:
    """The ballots' items for this organiser (none without the permission to see ballots)."""
    items = []
    if user.has_perm("ballots.view_ballot"):
        book = RuleBook()
        ballots = list(
            Ballot.objects.visible_to(user)
            # A closed ballot's mandate runs for months: its notices of action still count.
            .filter(closes_on__gte=today - datetime.timedelta(days=MANDATE_DAYS))
            .prefetch_related(Prefetch("action_dates", ActionDate.objects.all(), "actions"))
            .order_by("opens_on", "pk")
        )
        items += timetable_deadlines(user, today, ballots, book)
        items += units_below_line(user, today, ballots, book)
    if user.has_perm("ballots.view_structuretest"):
        items += structure_tests_off_track(user, today)
    return items
