"""The organiser home: what needs doing, soonest first, from every app.

Core knows no app. Each app that has work for organisers declares
``organiser_todo(user, today) -> list[TodoItem]`` on its AppConfig (read with
``core.registry.declared``); the items are already narrowed to the user's scope
and permissions. Each app runs a fixed number of queries whatever the number of
branches, and caps its lists (``TodoItem.more`` says how many were left off).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Window

from core.registry import declared

AHEAD_DAYS = 28  # deadlines this close are on the home page
LIST_LIMIT = 8  # rows of one kind shown before "and N more"
# Deadlines of one section shown on the home (the boards and the calendar have them
# all): per section, so 1,000 branches' notice dates never push an election's off it.
DATED_LIMIT = 20


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: what, by when (if dated), and the page where it is done."""

    section: str  # the heading it is listed under, e.g. "Nominations"
    text: str
    url: str
    due: datetime.date | None = None
    detail: str = ""
    more: int = 0  # rows of this kind not listed (see `url` for all of them)

    def days_left(self, today: datetime.date) -> int | None:
        return None if self.due is None else (self.due - today).days


@dataclass
class TodoSection:
    title: str
    items: list[TodoItem]


@dataclass
class Todo:
    today: datetime.date
    dated: list[tuple[TodoItem, int]]  # (item, days left): the next AHEAD_DAYS, soonest first
    sections: list[TodoSection]  # the rest, by kind, in the apps' order
    dated_more: int = 0  # deadlines in the window not listed (past DATED_LIMIT of a section)

    @property
    def empty(self) -> bool:
        return not self.dated and not self.sections


def organiser_todo(user, today: datetime.date) -> Todo:
    """Collect every app's items for this organiser: deadlines first, then the rest by kind."""
    dated, undated = [], []
    for _config, hook in declared("organiser_todo"):
        for item in hook(user, today):
            (dated if item.due is not None else undated).append(item)
    dated.sort(key=lambda item: (item.due, item.section, item.text))
    shown, per_section = [], {}
    for item in dated:
        per_section[item.section] = per_section.get(item.section, 0) + 1
        if per_section[item.section] <= DATED_LIMIT:
            shown.append(item)
    sections: dict[str, TodoSection] = {}
    for item in undated:
        sections.setdefault(item.section, TodoSection(item.section, [])).items.append(item)
    return Todo(
        today=today,
        dated=[(item, item.days_left(today)) for item in shown],
        sections=list(sections.values()),
        dated_more=len(dated) - len(shown),
    )


def with_more(items: list[TodoItem], more: int, *, section: str, noun: str, url: str):
    """`items` and, when rows were left off, a last item "and N more <noun>s" linking to all."""
    if more > 0:
        plural = "" if more == 1 else "s"
        items.append(TodoItem(section, f"and {more} more {noun}{plural}", url, more=more))
    return items


def first_rows(queryset, limit: int = LIST_LIMIT) -> tuple[list, int]:
    """Return (the first `limit` rows, how many more there are), in one query.

    The total comes with the rows (COUNT(*) OVER ()), so a list of 1,000
    branches costs what a list of 8 does.
    """
    rows = list(queryset.annotate(todo_total=Window(Count("pk")))[:limit])
    return rows, (rows[0].todo_total - len(rows)) if rows else 0
