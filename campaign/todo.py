"""The campaign's part of the organiser home (core.todo): notice deadlines, nominations
closing, candidates short of the threshold, nominations waiting to be verified, AGMs
held but not reported, and the events coming up with their replies.

Six queries whatever the number of branches, meetings or candidates: the
meetings are grouped by day in SQL, and each list comes with its total.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Event,
    Nomination,
    NominationReport,
    NoticeRule,
)
from core.todo import AHEAD_DAYS, LIST_LIMIT, TodoItem, first_rows, with_more
from members.scoping import scope_for


def _day(day: datetime.date) -> str:
    return date_format(day, "D j M")


def longest_notice(rules) -> int:
    """Days between a meeting and its earliest notice deadline (a month counts 31)."""
    factor = {NoticeRule.Unit.DAYS: 1, NoticeRule.Unit.WEEKS: 7, NoticeRule.Unit.MONTHS: 31}
    return max((rule.amount * factor[rule.unit] for rule in rules), default=0)


def meetings_on(day: datetime.date) -> str:
    """The branch meetings list, filtered to the meetings on one day."""
    query = urlencode({"date__year": day.year, "date__month": day.month, "date__day": day.day})
    return f"{reverse('admin:campaign_branchmeeting_changelist')}?{query}"


def notice_deadlines(user, today: datetime.date, *, days: int = AHEAD_DAYS) -> list[TodoItem]:
    """A dated item per notice rule and meeting day whose deadline falls in the next `days`."""
    rules = list(NoticeRule.objects.all())
    last = today + datetime.timedelta(days=days)
    meetings = scope_for(user).filter(
        BranchMeeting.objects.filter(
            date__gte=today, date__lte=last + datetime.timedelta(days=longest_notice(rules))
        ),
        branch_path="branch",
    )
    by_day = (
        meetings.values("date", "kind")
        .annotate(n=Count("pk"), codes=ArrayAgg("branch__code", order_by="branch__code"))
        .order_by("date", "kind")
    )
    items = []
    for row in by_day:
        kind = BranchMeeting.Kind(row["kind"]).label
        branches = ", ".join(row["codes"][:5]) + (" …" if row["n"] > 5 else "")
        for rule in rules:
            due = rule.deadline(row["date"])
            if rule.applies_to not in ("", row["kind"]) or not today <= due <= last:
                continue
            items.append(
                TodoItem(
                    section="Branch meetings",
                    text=f"{rule.label}: {row['n']} {kind}{'s' if row['n'] != 1 else ''} "
                    f"on {_day(row['date'])}",
                    detail=branches,
                    url=meetings_on(row["date"]),
                    due=due,
                )
            )
    return items


def open_elections(user, today: datetime.date):
    """Elections this organiser sees whose nominations have not closed."""
    return Election.objects.visible_to(user).filter(nominations_close__gte=today)


def nominations_closing(user, today: datetime.date, *, days: int = AHEAD_DAYS) -> list[TodoItem]:
    last = today + datetime.timedelta(days=days)
    return [
        TodoItem(
            section="Nominations",
            text=f"Nominations for {election.name} reach HQ",
            url=reverse("admin:campaign_election_board", args=[election.pk]),
            due=election.nominations_close,
        )
        for election in open_elections(user, today).filter(nominations_close__lte=last)
    ]


def short_candidates(user, today: datetime.date) -> list[TodoItem]:
    """Our candidates in open elections with fewer verified branch nominations than needed.

    Counted over the branches this organiser organises, as their board counts them:
    one narrow query over nominations grouped by candidate (see campaign.board), and
    one for the candidates; the list is cut here.
    """
    elections = open_elections(user, today)
    verified = (
        scope_for(user)
        .filter(
            Nomination.objects.filter(
                position__election__in=elections,
                superseded_by__isnull=True,
                verified_by__isnull=False,
                candidate__isnull=False,
            ),
            branch_path="meeting__branch",
        )
        .order_by()
        .values("candidate_id")
        .annotate(n=Count("meeting__branch_id", distinct=True))
    )
    counts = {row["candidate_id"]: row["n"] for row in verified}
    candidates = (
        Candidate.objects.filter(position__election__in=elections)
        .select_related("position__election")
        .only(
            "name",
            "position__title",
            "position__election__name",
            "position__election__nominations_needed",
            "position__election__nominations_close",
        )
        .order_by("position__election__nominations_close", "position__order", "order", "pk")
    )
    short = [
        (c, counts.get(c.pk, 0))
        for c in candidates
        if counts.get(c.pk, 0) < c.position.election.nominations_needed
    ]
    items = [
        TodoItem(
            section="Nominations",
            text=f"{c.name} ({c.position.title}, {c.position.election.name}) is "
            f"{c.position.election.nominations_needed - got} short",
            detail=f"{got} of {c.position.election.nominations_needed} verified nominations",
            url=reverse("admin:campaign_election_board", args=[c.position.election_id]),
        )
        for c, got in short[:LIST_LIMIT]
    ]
    return with_more(
        items,
        len(short) - LIST_LIMIT,
        section="Nominations",
        noun="candidate",
        url=reverse("admin:campaign_election_changelist"),
    )


def nominations_to_verify(user, today: datetime.date) -> list[TodoItem]:
    """Per open election, the live nominations nobody has checked yet (ours count on the
    board only once verified). One query."""
    waiting = (
        scope_for(user)
        .filter(
            Nomination.objects.active().filter(
                position__election__in=open_elections(user, today),
                verified_by__isnull=True,
            ),
            branch_path="meeting__branch",
        )
        .values("position__election_id", "position__election__name")
        .annotate(n=Count("pk"))
        .order_by("position__election__name")
    )
    changelist = reverse("admin:campaign_nomination_changelist")
    return [
        TodoItem(
            section="Nominations to verify",
            text=f"{row['position__election__name']}: {row['n']} nomination"
            f"{'' if row['n'] == 1 else 's'} reported, not yet checked",
            detail="Our candidates' count on the board once verified.",
            url=changelist
            + "?"
            + urlencode(
                {
                    "verified_by__isempty": 1,
                    "superseded_by__isempty": 1,
                    "position__election__id__exact": row["position__election_id"],
                }
            ),
        )
        for row in waiting
    ]


def unreported_meetings(user, today: datetime.date) -> list[TodoItem]:
    """Meetings held in an open election's AGM window with no result recorded yet."""
    nominating = open_elections(user, today).filter(
        Q(group__isnull=True) | Q(group_id=OuterRef("branch__group_id")),
        agm_window_start__lte=OuterRef("date"),
        agm_window_end__gte=OuterRef("date"),
    )
    held = (
        scope_for(user)
        .filter(BranchMeeting.objects.filter(date__lt=today), branch_path="branch")
        .filter(Exists(nominating))
        # Recorded: a report (one may nominate nobody) or nominations entered without one.
        .exclude(Exists(NominationReport.objects.filter(meeting=OuterRef("pk"))))
        .exclude(Exists(Nomination.objects.filter(meeting=OuterRef("pk"))))
        .select_related("branch")
        .order_by("date", "branch__code")
    )
    rows, more = first_rows(held)
    items = [
        TodoItem(
            section="AGMs held, result not recorded",
            text=f"{m.branch.code} {m.branch.name}: {m.get_kind_display()} on {_day(m.date)}",
            url=reverse("admin:campaign_branchmeeting_result", args=[m.pk]),
        )
        for m in rows
    ]
    return with_more(
        items,
        more,
        section="AGMs held, result not recorded",
        noun="meeting",
        url=reverse("admin:campaign_branchmeeting_changelist") + "?reported=no",
    )


def coming_events(user, today: datetime.date, *, days: int = AHEAD_DAYS) -> list[TodoItem]:
    """A dated item per event in scope in the next `days`, with its replies: one query."""
    events = (
        Event.objects.visible_to(user)
        .filter(starts_at__date__gte=today, starts_at__date__lte=today + datetime.timedelta(days))
        .with_places_taken()
        .order_by("starts_at", "pk")[:LIST_LIMIT]
    )
    return [
        TodoItem(
            section="Events",
            text=f"{e.title}: {e.taken} coming" + (f" of {e.capacity}" if e.capacity else ""),
            url=reverse("admin:campaign_event_attendees", args=[e.pk]),
            due=timezone.localdate(e.starts_at),
            detail="" if e.is_published else "not published",
        )
        for e in events
    ]


def organiser_todo(user, today: datetime.date) -> list[TodoItem]:
    """The campaign's items for this organiser (none without the permissions to act)."""
    items = []
    if user.has_perm("campaign.view_branchmeeting"):
        items += notice_deadlines(user, today)
    if user.has_perm("campaign.view_election"):
        items += nominations_closing(user, today)
        items += short_candidates(user, today)
    if user.has_perm("campaign.change_nomination"):
        items += nominations_to_verify(user, today)
    if user.has_perm("campaign.change_branchmeeting"):
        items += unreported_meetings(user, today)
    if user.has_perm("campaign.view_eventrsvp"):
        items += coming_events(user, today)
    return items
