"""The ballots' part of the organiser home (core.todo): every timetable deadline in the
next weeks, units below the turnout line while a ballot runs, structure tests off track.

Queries: the legal rules, the ballots with their action dates, the structure tests
(one each), and one per running ballot for its units' turnout (at most
RUNNING_BALLOTS of them); none grows with the number of branches.
"""

import datetime

from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse

from ballots.models import ActionDate, Ballot, StructureTest, StructureTestProgress
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


def projected_percent(test: StructureTest, today: datetime.date) -> float | None:
    """Where the test will stand on its date if progress goes on at the rate so far.

    The rate is from the first record to the latest; with one record, no rise is
    assumed. None when nothing has been recorded.
    """
    if test.latest_on is None:
        return None
    latest = 100 * test.latest_done / test.latest_out_of if test.latest_out_of else 0.0
    if test.first_on is None or test.first_on >= test.latest_on:
        return latest
    first = 100 * test.first_done / test.first_out_of if test.first_out_of else 0.0
    rate = (latest - first) / (test.latest_on - test.first_on).days
    return latest + rate * max(0, (test.deadline - test.latest_on).days)


def structure_tests_off_track(user, today: datetime.date) -> list[TodoItem]:
    """Tests due in the next AHEAD_DAYS (or missed in the last) that will not, or did not, pass."""
    progress = StructureTestProgress.objects.filter(test=OuterRef("pk"))
    latest = progress.order_by("-recorded_on", "-id")
    first = progress.order_by("recorded_on", "id")
    window = datetime.timedelta(days=AHEAD_DAYS)
    tests = (
        StructureTest.objects.visible_to(user)
        .filter(deadline__gte=today - window, deadline__lte=today + window)
        .annotate(
            latest_on=Subquery(latest.values("recorded_on")[:1]),
            latest_done=Subquery(latest.values("done")[:1]),
            latest_out_of=Subquery(latest.values("out_of")[:1]),
            first_on=Subquery(first.values("recorded_on")[:1]),
            first_done=Subquery(first.values("done")[:1]),
            first_out_of=Subquery(first.values("out_of")[:1]),
        )
        .select_related("branch", "unit")
        .order_by("deadline", "title")
    )
    items = []
    for test in tests:
        projected = projected_percent(test, today)
        if projected is not None and projected >= test.target_percent:
            continue
        where = test.branch.code if test.branch else test.unit.code
        if test.deadline < today:
            state = "overdue"
        elif projected is None:
            state = "no progress recorded"
        else:
            state = f"behind: on course for {projected:.0f}%"
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
