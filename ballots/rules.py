"""Choose the version of a legal rule that applies to an event, and do the date arithmetic.

A rule applies by the date of a particular event (the ballot opening, the employer
receiving a notice), not by today's date, and which event that is is itself data:
each row's ``decided_by``. Callers pass the dates of the events they know, keyed
like ``LegalRule.DecidedBy`` ({"ballot_opens": ..., "ballot_closes": ...}); each row
is tested against its own event's date. Only rows in force count; enacted or
proposed rows are shown as "may change" but never decide a deadline.
"""

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from ballots.models import LegalRule

Kind = LegalRule.Kind
Event = LegalRule.DecidedBy


class UnknownEventDate(LookupError):
    """A rule row is decided by an event whose date the caller does not know."""

    def __init__(self, rule: LegalRule, known):
        self.rule = rule
        known_words = ", ".join(sorted(known)) or "none"
        super().__init__(
            f"The rule {rule} (row {rule.pk}) is decided by "
            f"{rule.get_decided_by_display().lower()} ({rule.decided_by!r}), "
            f"but only these event dates are known here: {known_words}. "
            "Correct the row's 'decided by' in the admin."
        )


def ballot_events(ballot) -> dict[str, dt.date]:
    """Return the dates of a ballot's own events, keyed like LegalRule.DecidedBy."""
    return {Event.BALLOT_OPENS: ballot.opens_on, Event.BALLOT_CLOSES: ballot.closes_on}


@dataclass(frozen=True)
class RuleAnswer:
    """The rule that applies to the events, and any pending change to it."""

    kind: str
    events: Mapping[str, dt.date]
    rule: LegalRule | None
    pending: list[LegalRule] = field(default_factory=list)

    @property
    def event_date(self) -> dt.date | None:
        """The date of the event that decided the answer (None if no rule applies)."""
        return self.events.get(self.rule.decided_by) if self.rule else None

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

    def resolve(self, kind: str, events: Mapping[str, dt.date]) -> RuleAnswer:
        """Return the in-force version of `kind` that applies to these events.

        A row applies when its effective date is on or before the date of the event
        it is decided by; of those, the one with the latest start wins. Raise
        UnknownEventDate if an in-force row of this kind is decided by an event
        missing from `events` (its answer cannot be known).
        """
        if not isinstance(events, Mapping):
            raise TypeError("resolve() takes a mapping of event dates, e.g. ballot_events()")
        same = [r for r in self.rows if r.kind == kind]
        in_force = []
        for r in same:
            if r.status != LegalRule.Status.IN_FORCE or not r.effective_from:
                continue
            if events.get(r.decided_by) is None:
                raise UnknownEventDate(r, events)
            if r.effective_from <= events[r.decided_by]:
                in_force.append(r)
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
        return RuleAnswer(kind=kind, events=dict(events), rule=rule, pending=pending)

    def in_force_versions(self, kind: str) -> list[LegalRule]:
        return [r for r in self.rows if r.kind == kind and r.status == LegalRule.Status.IN_FORCE]


def rules_for(
    kind: str, events: Mapping[str, dt.date], *, book: RuleBook | None = None
) -> RuleAnswer:
    """Return the rule of this kind that applies to events on these dates."""
    return (book or RuleBook()).resolve(kind, events)


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


def latest_notice_day(
    book: RuleBook,
    action_day: dt.date,
    *,
    by_agreement: bool,
    events: Mapping[str, dt.date] | None = None,
) -> tuple:
    """Return (latest day the employer may receive notice, the rule) for an action day.

    `events` are the other known dates (the ballot's). Rows decided by the day the
    notice is received split the calendar into spans, each governed by one answer;
    in each span the latest receipt day that still gives enough notice is found,
    and the latest of those wins.
    """
    events = dict(events or {})
    by_receipt = sorted(
        {
            r.effective_from
            for r in book.in_force_versions(Kind.NOTICE_OF_ACTION)
            if r.decided_by == Event.NOTICE_RECEIVED and r.effective_from
        }
    )
    starts = [dt.date.min, *by_receipt]
    best = (None, None)
    for i, start in enumerate(starts):
        end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else dt.date.max
        answer = book.resolve(Kind.NOTICE_OF_ACTION, {**events, Event.NOTICE_RECEIVED: end})
        rule = answer.rule
        if not answer.applies:
            continue
        days = rule.value_by_agreement if by_agreement and rule.value_by_agreement else rule.value
        receipt = min(action_day - dt.timedelta(days=days), end)
        if receipt >= start and (best[0] is None or receipt > best[0]):
            best = (receipt, rule)
    return best
