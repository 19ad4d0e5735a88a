"""Choose the version of a legal rule that applies to an event, and do the date arithmetic.

A rule applies by the date of a particular event (the ballot opening, the employer
receiving a notice), not by today's date. Only rows in force count; enacted or
proposed rows are shown as "may change" but never decide a deadline.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from ballots.models import LegalRule

Kind = LegalRule.Kind


@dataclass(frozen=True)
class RuleAnswer:
    """The rule that applies to an event date, and any pending change to it."""

    kind: str
    event_date: dt.date
    rule: LegalRule | None
    pending: list[LegalRule] = field(default_factory=list)

    @property
    def value(self) -> int | None:
        return self.rule.value if self.rule else None

    @property
    def applies(self) -> bool:
        """Whether a requirement applies (a rule exists and is not a repeal)."""
        return self.rule is not None and not self.rule.repealed


class RuleBook:
    """All legal rule rows, loaded once (one query) and resolved in memory."""

    def __init__(self, rows=None):
        self.rows = list(LegalRule.objects.all() if rows is None else rows)

    def resolve(self, kind: str, event_date: dt.date) -> RuleAnswer:
        """Return the in-force version of `kind` with the latest start on or before the date."""
        same = [r for r in self.rows if r.kind == kind]
        in_force = [
            r
            for r in same
            if r.status == LegalRule.Status.IN_FORCE
            and r.effective_from
            and r.effective_from <= event_date
        ]
        rule = max(in_force, key=lambda r: r.effective_from, default=None)
        pending = [
            r
            for r in same
            if r.status != LegalRule.Status.IN_FORCE
            and (
                r.effective_from is None
                or r.effective_from > (rule.effective_from if rule else dt.date.min)
            )
        ]
        return RuleAnswer(kind=kind, event_date=event_date, rule=rule, pending=pending)

    def in_force_versions(self, kind: str) -> list[LegalRule]:
        return [r for r in self.rows if r.kind == kind and r.status == LegalRule.Status.IN_FORCE]


def rules_for(kind: str, event_date: dt.date, *, book: RuleBook | None = None) -> RuleAnswer:
    """Return the rule of this kind that applies to an event on `event_date`."""
    return (book or RuleBook()).resolve(kind, event_date)


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: dt.date, months: int) -> dt.date:
    """Return the last day of a period of `months` months beginning with `start`.

    The period ends the day before the corresponding date; where the later month has
    no corresponding date (30 Aug + 6 months), it ends on that month's last day.
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return dt.date(year, month, last)
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def latest_notice_day(book: RuleBook, action_day: dt.date, *, by_agreement: bool) -> tuple:
    """Return (latest day the employer may receive notice, the rule) for an action day.

    Which notice period applies depends on the day the notice is received, so each
    version in force is tried over the days it governs, and the latest day wins.
    """
    versions = sorted(book.in_force_versions(Kind.NOTICE_OF_ACTION), key=lambda r: r.effective_from)
    best = (None, None)
    for i, rule in enumerate(versions):
        days = rule.value_by_agreement if by_agreement and rule.value_by_agreement else rule.value
        if days is None:
            continue
        receipt = action_day - dt.timedelta(days=days)
        if i + 1 < len(versions):  # this version governs only until the next one starts
            receipt = min(receipt, versions[i + 1].effective_from - dt.timedelta(days=1))
        if receipt >= rule.effective_from and (best[0] is None or receipt > best[0]):
            best = (receipt, rule)
    return best
