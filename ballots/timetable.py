"""A ballot's legal timetable, computed from the rules that apply to it."""

import datetime as dt
from dataclasses import dataclass

from ballots.models import Ballot, LegalRule
from ballots.rules import Event, Kind, RuleBook, ballot_events, latest_notice_day, period_end

SOON_DAYS = 3  # flag a deadline fewer than this many days away


@dataclass(frozen=True)
class Deadline:
    label: str
    due: dt.date | None  # None: no rule recorded for this date
    rule: LegalRule | None
    done_on: dt.date | None = None
    note: str = ""
    kind: str = "deadline"  # "deadline" (must act by), "cutoff" (warn before), or "date"
    problem: str = ""  # something wrong whatever the date, e.g. action after expiry

    def days_left(self, today: dt.date) -> int | None:
        return (self.due - today).days if self.due else None

    def state(self, today: dt.date) -> str:
        """Return done, late, missed, passed, soon, ok, or unknown."""
        if self.due is None:
            return "unknown"
        if self.done_on is not None:
            return "done" if self.done_on <= self.due else "late"
        if self.kind == "date":
            return "ok"
        left = self.days_left(today)
        if left < 0:
            return "missed" if self.kind == "deadline" else "passed"
        if left < SOON_DAYS:
            return "soon"
        return "ok"

    def flag(self, today: dt.date) -> str:
        """Say in words what needs attention, or ''."""
        if self.problem:
            return self.problem
        state, left = self.state(today), self.days_left(today)
        if state in ("missed", "late"):
            return "Missed" if state == "missed" else "Sent late"
        if state == "soon":
            return "Today" if left == 0 else f"{left} day{'s' if left != 1 else ''} left"
        if state == "unknown":
            return "No rule recorded for this date"
        return ""


@dataclass(frozen=True)
class Timetable:
    ballot: Ballot
    turnout: object
    support: object
    voting_method: object
    deadlines: list[Deadline]

    def flagged(self, today: dt.date) -> list[Deadline]:
        return [d for d in self.deadlines if d.flag(today)]


def _days_before(book, kind, label, events, done_on):
    answer = book.resolve(kind, events)
    opens_on = events[Event.BALLOT_OPENS]
    if not answer.applies:
        return Deadline(label, None, answer.rule, done_on)
    return Deadline(
        label,
        opens_on - dt.timedelta(days=answer.value),
        answer.rule,
        done_on,
        note=f"At least {answer.value} days before the ballot opens.",
    )


def ballot_timetable(ballot: Ballot, *, book: RuleBook | None = None, actions=None) -> Timetable:
    """Compute every deadline of a ballot from the rules that apply to it."""
    book = book or RuleBook()
    events = ballot_events(ballot)
    opens = ballot.opens_on
    actions = list(ballot.action_dates.all()) if actions is None else actions
    deadlines = []
    if ballot.statutory:
        deadlines.append(
            _days_before(
                book,
                Kind.NOTICE_OF_BALLOT,
                "Notice of ballot to reach the employer",
                events,
                ballot.notice_of_ballot_sent_on,
            )
        )
        deadlines.append(
            _days_before(
                book,
                Kind.SAMPLE_PAPER,
                "Sample voting paper to reach the employer",
                events,
                ballot.sample_paper_sent_on,
            )
        )
    deadlines.append(Deadline("Ballot opens", opens, None, kind="date"))
    if ballot.new_member_cutoff:
        deadlines.append(
            Deadline("New-member cut-off", ballot.new_member_cutoff, None, kind="cutoff")
        )
    if ballot.replacement_cutoff:
        deadlines.append(
            Deadline("Replacement-paper cut-off", ballot.replacement_cutoff, None, kind="cutoff")
        )
    deadlines.append(Deadline("Ballot closes", ballot.closes_on, None, kind="date"))
    expiry = None
    if ballot.statutory:
        mandate = book.resolve(Kind.MANDATE_LENGTH, events)
        if mandate.applies:
            months = mandate.value
            if ballot.by_agreement and mandate.rule.value_by_agreement:
                months = mandate.rule.value_by_agreement
            expiry = period_end(ballot.closes_on, months)
            deadlines.append(
                Deadline(
                    "Mandate expires (last day of action)",
                    expiry,
                    mandate.rule,
                    note=f"{months} months beginning with the close of the ballot.",
                    kind="date",
                )
            )
        for action in actions:
            due, rule = latest_notice_day(
                book, action.starts_on, by_agreement=ballot.by_agreement, events=events
            )
            note = problem = ""
            if action.starts_on <= ballot.closes_on:
                problem = "Action must start after the ballot closes"
            elif expiry and action.starts_on > expiry:
                problem = "Action is after the mandate expires"
            if rule is not None:
                days = (action.starts_on - due).days
                if rule.decided_by == Event.NOTICE_RECEIVED:
                    why = "for notices received on that date"
                else:
                    why = f"decided by {rule.get_decided_by_display().lower()}"
                note = f"{days} days' notice under the rule {why}."
            deadlines.append(
                Deadline(
                    f"Notice of action for {action.starts_on:%-d %b %Y}",
                    due,
                    rule,
                    action.notice_received_on,
                    note=note,
                    problem=problem,
                )
            )
    deadlines.sort(key=lambda d: (d.due is None, d.due or dt.date.max))
    return Timetable(
        ballot=ballot,
        turnout=book.resolve(Kind.TURNOUT, events),
        support=book.resolve(Kind.SUPPORT_IPS, events),
        voting_method=book.resolve(Kind.VOTING_METHOD, events),
        deadlines=deadlines,
    )
