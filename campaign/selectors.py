"""Heavy reads: the nominations board, the public slate, the nominations sheet and
the branch contact's report page.

Each runs a fixed number of queries whatever the number of branches,
positions or candidates (counted in tests): the counting is done in SQL.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import CharField, Count, Exists, F, Func, Min, OuterRef, Prefetch, Q
from django.utils import timezone

from campaign.models import BranchMeeting, Candidate, Election, Nomination, NoticeRule, Position
from members.models import Branch
from members.scoping import scope_for

UPCOMING_DAYS = 14


@dataclass
class BoardRow:
    candidate: Candidate
    verified: int
    unverified: int
    verified_branches: list[str]
    unverified_branches: list[str]
    needed: int

    @property
    def total(self) -> int:
        return self.verified + self.unverified

    @property
    def short_by(self) -> int:
        return max(0, self.needed - self.verified)

    @property
    def reached(self) -> bool:
        return self.verified >= self.needed


@dataclass
class BoardPosition:
    position: Position
    rows: list[BoardRow] = field(default_factory=list)


@dataclass
class UpcomingMeeting:
    meeting: BranchMeeting
    deadlines: list[tuple[str, datetime.date]]


@dataclass
class Board:
    election: Election
    positions: list[BoardPosition]
    not_held: list[Branch]
    none_of_ours: list[Branch]
    upcoming: list[UpcomingMeeting]
    today: datetime.date

    @property
    def rows(self):
        return [row for bp in self.positions for row in bp.rows]


def branches_for(election: Election, user):
    """Branches that can nominate in this election and that this user may see."""
    qs = Branch.objects.filter(election.branches_q())
    return scope_for(user).filter(qs, branch_path="")


def _branch_label():
    """The nominating branch as "CODE Name" (both columns are NOT NULL).

    The space is written into the SQL, not passed as a parameter: with DISTINCT,
    PostgreSQL needs the ORDER BY to be the very expression aggregated, and with
    parameters sent apart from the SQL ($4 and $6) the two never count as the same.
    """
    return Func(
        F("nominations__meeting__branch__code"),
        F("nominations__meeting__branch__name"),
        template="(%(expressions)s)",
        arg_joiner=" || ' ' || ",
        output_field=CharField(),
    )


def election_board(*, election: Election, user, today: datetime.date | None = None) -> Board:
    """Build the nominations board for one election, scoped to the user's branches."""
    today = today or timezone.localdate()
    branches = branches_for(election, user)
    in_scope = Q(nominations__meeting__branch__in=branches.values("pk"))
    live = Q(nominations__superseded_by__isnull=True) & in_scope
    verified = live & Q(nominations__verified_by__isnull=False)
    unverified = live & Q(nominations__verified_by__isnull=True)
    branch = "nominations__meeting__branch"
    order = _branch_label()  # with DISTINCT, the order must be the aggregated value
    candidates = (
        Candidate.objects.filter(position__election=election)
        .select_related("position")
        # Only the columns shown: the rows are grouped by them, so narrow is fast.
        .only("name", "order", "position__title", "position__seats", "position__order")
        .annotate(
            # A branch counts once, however many of its meetings nominated.
            n_verified=Count(branch, filter=verified, distinct=True),
            n_unverified=Count(branch, filter=unverified, distinct=True),
            verified_branches=ArrayAgg(
                _branch_label(), filter=verified, distinct=True, order_by=order, default=[]
            ),
            unverified_branches=ArrayAgg(
                _branch_label(), filter=unverified, distinct=True, order_by=order, default=[]
            ),
        )
        .order_by("position__order", "position_id", "order", "pk")
    )
    # Positions come with their candidates (one query): a position with no
    # candidate on our slate has nothing to count, so it is not on the board.
    positions: dict[int, BoardPosition] = {}
    for c in candidates:
        bp = positions.setdefault(c.position_id, BoardPosition(c.position))
        bp.rows.append(
            BoardRow(
                candidate=c,
                verified=c.n_verified,
                unverified=c.n_unverified,
                verified_branches=c.verified_branches,
                unverified_branches=c.unverified_branches,
                needed=election.nominations_needed,
            )
        )

    window_end = election.agm_window_end
    in_window = BranchMeeting.objects.filter(
        branch=OuterRef("pk"), date__gte=election.agm_window_start, date__lte=window_end
    )
    ours = Nomination.objects.active().filter(
        meeting__branch=OuterRef("pk"), position__election=election, candidate__isnull=False
    )
    lacking = list(
        branches.annotate(
            held=Exists(in_window.filter(date__lt=today)),
            any_ours=Exists(ours),
            next_meeting=Min(
                "meetings__date",
                filter=Q(meetings__date__gte=today, meetings__date__lte=window_end),
            ),
        )
        .filter(Q(held=False) | Q(any_ours=False))
        .order_by("code")
    )
    not_held = [b for b in lacking if not b.held]
    none_of_ours = [b for b in lacking if b.held and not b.any_ours]

    rules = list(NoticeRule.objects.all())
    soon = (
        BranchMeeting.objects.filter(
            branch__in=branches.values("pk"),
            date__gte=today,
            date__lte=today + datetime.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("branch", "mover")
        .order_by("date", "branch__code")
    )
    upcoming = [UpcomingMeeting(m, m.notice_deadlines(rules)) for m in soon]
    return Board(
        election=election,
        positions=list(positions.values()),
        not_held=not_held,
        none_of_ours=none_of_ours,
        upcoming=upcoming,
        today=today,
    )


def board_csv_rows(board: Board):
    """Yield the board as CSV rows: one per candidate, branches semicolon-separated."""
    yield [
        "position",
        "candidate",
        "verified",
        "unverified",
        "needed",
        "short by",
        "verified branches",
        "unverified branches",
    ]
    for bp in board.positions:
        for row in bp.rows:
            yield [
                bp.position.title,
                row.candidate.name,
                row.verified,
                row.unverified,
                row.needed,
                row.short_by,
                "; ".join(row.verified_branches),
                "; ".join(row.unverified_branches),
            ]


# Public pages -------------------------------------------------------------------


def slate(election: Election) -> list[Position]:
    """Positions with our candidates in order (and, if published, verified counts)."""
    candidates = Candidate.objects.select_related("employer").order_by("order", "pk")
    if election.publish_counts:
        candidates = candidates.annotate(
            n_verified=Count(
                "nominations__meeting__branch",
                distinct=True,
                filter=Q(
                    nominations__superseded_by__isnull=True,
                    nominations__verified_by__isnull=False,
                ),
            )
        )
    return list(election.positions.prefetch_related(Prefetch("candidates", queryset=candidates)))


def open_elections_for_group(group, today: datetime.date | None = None):
    """Elections a branch of this group can nominate in whose nominations are open."""
    today = today or timezone.localdate()
    candidates = Candidate.objects.order_by("order", "pk")
    return list(
        Election.objects.published()
        .filter(Q(group__isnull=True) | Q(group=group), nominations_close__gte=today)
        .order_by(F("group_id").asc(nulls_first=True), "nominations_close", "name")
        .prefetch_related(
            Prefetch(
                "positions",
                queryset=Position.objects.prefetch_related(Prefetch("candidates", candidates)),
            )
        )
    )


# The branch contact's report page ------------------------------------------------


@dataclass
class ContactReport:
    """What a branch contact's report page shows for one election."""

    meeting: BranchMeeting | None  # the branch's meeting that nominates (report_meeting)
    positions: list[Position]  # with their candidates
    current: list[Nomination]  # what that meeting is recorded as nominating

    @property
    def agm(self) -> BranchMeeting | None:
        """The AGM the page's date form moves: an EGM is never moved from there."""
        if self.meeting is not None and self.meeting.kind == BranchMeeting.Kind.AGM:
            return self.meeting
        return None


def report_meeting(*, election: Election, branch: Branch) -> BranchMeeting | None:
    """Return the branch's meeting that nominates in this election: its latest meeting
    (AGM or EGM) in the election's AGM window, or None if it has told us of none."""
    return (
        BranchMeeting.objects.filter(
            branch=branch, date__gte=election.agm_window_start, date__lte=election.agm_window_end
        )
        .order_by("-date")
        .first()
    )


def contact_report(*, election: Election, branch: Branch) -> ContactReport:
    """Read what the report page needs: the meeting, the slate, what it nominated."""
    meeting = report_meeting(election=election, branch=branch)
    current = (
        list(Nomination.objects.active().filter(meeting=meeting, position__election=election))
        if meeting
        else []
    )
    return ContactReport(
        meeting=meeting,
        positions=list(election.positions.prefetch_related("candidates")),
        current=current,
    )
