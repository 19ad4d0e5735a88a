"""The nominations board: a summary first, then candidates, deadlines ahead and the
branches to chase, filtered by group, region, position and status.

Fixed query count whatever the number of branches, counted in SQL. At 1,000
branches the default page stays small: candidates' branch names are listed only
for one position (or in the CSV), and each branch list shows its first LIST_ROWS
(a status filter shows one list whole).
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import CharField, Count, Exists, F, Func, Min, OuterRef, Q
from django.utils import timezone

from campaign.models import BranchMeeting, Candidate, Election, Nomination, NoticeRule, Position
from core.todo import AHEAD_DAYS
from members.models import Branch, Group, Region
from members.scoping import scope_for

LIST_ROWS = 50  # rows of a branch list shown before "and N more"
BOARD_LISTS = ("deadlines", "not_held", "none_of_ours")  # Board attributes the status shows whole


class Status:
    """What the branch lists may be narrowed to (the board's status filter)."""

    DEADLINES = "deadlines"
    NOT_HELD = "not_held"
    NONE_OF_OURS = "none_of_ours"
    CHOICES = [
        ("", "Everything (first rows of each list)"),
        (DEADLINES, "Notice deadlines in the next 28 days"),
        (NOT_HELD, "No AGM held yet"),
        (NONE_OF_OURS, "AGM held, nominated none of ours"),
    ]


class BoardFilterForm(forms.Form):
    """The board's filters; every choice is limited to what the organiser may see."""

    group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False)
    region = forms.ModelChoiceField(queryset=Region.objects.none(), required=False)
    position = forms.ModelChoiceField(
        queryset=Position.objects.none(),
        required=False,
        help_text="Lists the branches that nominated each candidate for this position.",
    )
    status = forms.ChoiceField(choices=Status.CHOICES, required=False, label="Show")

    def __init__(self, data, *, election: Election, user):
        super().__init__(data)
        branches = branches_for(election, user)
        self.fields["group"].queryset = Group.objects.filter(
            pk__in=branches.values("group_id")
        ).order_by("name")
        self.fields["region"].queryset = Region.objects.filter(
            pk__in=branches.values("region_id")
        ).order_by("name")
        self.fields["position"].queryset = election.positions.order_by("order", "pk")

    def filters(self) -> dict:
        """The valid filters (an invalid one is ignored, and its error shown)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}

    def query(self, *, without: str = "") -> str:
        """The valid filters as a query string, in the fields' order ("" for none)."""
        filters = self.filters()
        return urlencode(
            [
                (name, getattr(filters[name], "pk", filters[name]))
                for name in self.fields
                if name in filters and name != without
            ]
        )


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


@dataclass(frozen=True)
class BoardDeadline:
    """A notice deadline before a branch meeting: "Members told of the meeting" by 1 Feb."""

    due: datetime.date
    label: str
    meeting_id: int
    meeting_date: datetime.date
    kind: str
    branch: str  # "CODE Name"
    moved: bool  # someone will move our nominations


@dataclass
class Board:
    election: Election
    positions: list[BoardPosition]
    not_held: list["BranchLine"]
    none_of_ours: list["BranchLine"]
    deadlines: list[BoardDeadline]  # due in the next AHEAD_DAYS, soonest first
    today: datetime.date
    branches: int = 0  # branches that can nominate, in scope and filters
    detail: bool = False  # candidates' branch names were read
    status: str = ""

    @property
    def rows(self):
        return [row for bp in self.positions for row in bp.rows]

    @property
    def reached(self) -> int:
        return sum(1 for row in self.rows if row.reached)

    @property
    def held(self) -> int:
        return self.branches - len(self.not_held)

    def shown(self, name: str) -> list:
        """The first LIST_ROWS of a list, or all of it when the status filter picks it."""
        rows = getattr(self, name)
        return rows if self.status == name else rows[:LIST_ROWS]


def branches_for(election: Election, user, filters=None):
    """Branches that can nominate in this election and that this user may see (and, with
    `filters` from BoardFilterForm, in its group and region)."""
    qs = scope_for(user).filter(Branch.objects.filter(election.branches_q()), branch_path="")
    filters = filters or {}
    if filters.get("group"):
        qs = qs.filter(group=filters["group"])
    if filters.get("region"):
        qs = qs.filter(region=filters["region"])
    return qs


def _label():
    """The nominating branch as "CODE Name" (both columns are NOT NULL).

    The space is written into the SQL, not passed as a parameter: with DISTINCT,
    PostgreSQL needs the ORDER BY to be the very expression aggregated, and with
    parameters sent apart from the SQL ($4 and $6) the two never count as the same.
    """
    return Func(
        F("meeting__branch__code"),
        F("meeting__branch__name"),
        template="(%(expressions)s)",
        arg_joiner=" || ' ' || ",
        output_field=CharField(),
    )


def _counts(election, branches, *, position=None, detail=False) -> dict[int, dict]:
    """{candidate id: counts (and, with detail, branch names)} from one narrow query.

    Grouped by the nomination's candidate alone, not by the candidate's columns:
    the rows sorted are three integers wide, which at 23,000 nominations is
    several times faster than aggregating over the joined candidate rows.
    """
    nominations = Nomination.objects.filter(
        position__election=election,
        superseded_by__isnull=True,
        candidate__isnull=False,
        meeting__branch__in=branches.values("pk"),
    )
    if position is not None:
        nominations = nominations.filter(position=position)
    verified = Q(verified_by__isnull=False)
    unverified = Q(verified_by__isnull=True)
    branch = "meeting__branch_id"
    counts = {
        # A branch counts once, however many of its meetings nominated.
        "verified": Count(branch, filter=verified, distinct=True),
        "unverified": Count(branch, filter=unverified, distinct=True),
    }
    if detail:
        order = _label()  # with DISTINCT, the order must be the aggregated value
        counts["verified_branches"] = ArrayAgg(
            _label(), filter=verified, distinct=True, order_by=order, default=[]
        )
        counts["unverified_branches"] = ArrayAgg(
            _label(), filter=unverified, distinct=True, order_by=order, default=[]
        )
    rows = nominations.order_by().values("candidate_id").annotate(**counts)
    return {row.pop("candidate_id"): row for row in rows}


def _candidates(election, *, position=None):
    candidates = Candidate.objects.filter(position__election=election)
    if position is not None:
        candidates = candidates.filter(position=position)
    return (
        candidates.select_related("position")
        .only("name", "order", "position__title", "position__seats", "position__order")
        .order_by("position__order", "position_id", "order", "pk")
    )


def notice_deadlines_ahead(branches, today: datetime.date, days: int = AHEAD_DAYS):
    """Every notice deadline of these branches' meetings due in the next `days`, soonest first.

    Only meetings whose date can put a deadline in the window are read: for each
    rule, the meeting dates `amount` days/weeks/months after the window (a month
    taken as 28 to 31 days).
    """
    rules = list(NoticeRule.objects.all())
    last = today + datetime.timedelta(days=days)
    per_unit = {
        NoticeRule.Unit.DAYS: (1, 1),
        NoticeRule.Unit.WEEKS: (7, 7),
        NoticeRule.Unit.MONTHS: (28, 31),
    }
    window = Q(pk__in=[])
    for rule in rules:
        low, high = per_unit[rule.unit]
        q = Q(
            date__gte=today + datetime.timedelta(days=rule.amount * low),
            date__lte=last + datetime.timedelta(days=rule.amount * high),
        )
        window |= q & Q(kind=rule.applies_to) if rule.applies_to else q
    meetings = BranchMeeting.objects.filter(window, branch__in=branches.values("pk")).values(
        "pk", "date", "kind", "our_nominations_moved", "branch__code", "branch__name"
    )
    found = []
    for m in meetings:
        for rule in rules:
            due = rule.deadline(m["date"])
            if rule.applies_to in ("", m["kind"]) and today <= due <= last:
                found.append(
                    BoardDeadline(
                        due=due,
                        label=rule.label,
                        meeting_id=m["pk"],
                        meeting_date=m["date"],
                        kind=BranchMeeting.Kind(m["kind"]).label,
                        branch=f"{m['branch__code']} {m['branch__name']}",
                        moved=m["our_nominations_moved"],
                    )
                )
    found.sort(key=lambda d: (d.due, d.branch, d.label))
    return found


@dataclass(frozen=True)
class BranchLine:
    """A branch on the board's lists: whether its AGM was held, nominated ours, is next."""

    code: str
    name: str
    held: bool
    any_ours: bool
    next_meeting: datetime.date | None


def _branch_lines(election, branches, today: datetime.date) -> list[BranchLine]:
    """Every branch that can nominate, with what the board says of it, in code order.

    Four narrow reads joined here rather than one query with EXISTS per branch: at
    1,000 branches and 23,000 nominations PostgreSQL ran that one as a hashed
    sub-plan over every nomination, twice (60 ms); these take a few ms each.
    """
    window = Q(date__gte=election.agm_window_start, date__lte=election.agm_window_end)
    meetings = BranchMeeting.objects.filter(window, branch__in=branches.values("pk"))
    held = set(meetings.filter(date__lt=today).values_list("branch_id", flat=True))
    ours = Nomination.objects.active().filter(
        meeting=OuterRef("pk"), position__election=election, candidate__isnull=False
    )
    with_ours = set(
        BranchMeeting.objects.filter(branch__in=branches.values("pk"))
        .filter(Exists(ours))
        .values_list("branch_id", flat=True)
    )
    upcoming = dict(
        meetings.filter(date__gte=today)
        .order_by()
        .values("branch_id")
        .annotate(first=Min("date"))
        .values_list("branch_id", "first")
    )
    return [
        BranchLine(code, name, pk in held, pk in with_ours, upcoming.get(pk))
        for pk, code, name in branches.order_by("code").values_list("pk", "code", "name")
    ]


def election_board(
    *,
    election: Election,
    user,
    today: datetime.date | None = None,
    filters: dict | None = None,
    detail: bool = False,
) -> Board:
    """Build the nominations board for one election, scoped to the user's branches.

    `filters` (from BoardFilterForm): group, region (narrow the branches counted and
    listed), position (one position's candidates, with their branches' names) and
    status (which branch list to show whole). `detail` lists every candidate's
    branches (the CSV export).
    """
    today = today or timezone.localdate()
    filters = filters or {}
    branches = branches_for(election, user, filters)
    position = filters.get("position")
    detail = detail or position is not None
    # Positions come with their candidates (one query): a position with no
    # candidate on our slate has nothing to count, so it is not on the board.
    counts = _counts(election, branches, position=position, detail=detail)
    positions: dict[int, BoardPosition] = {}
    for c in _candidates(election, position=position):
        got = counts.get(c.pk, {})
        bp = positions.setdefault(c.position_id, BoardPosition(c.position))
        bp.rows.append(
            BoardRow(
                candidate=c,
                verified=got.get("verified", 0),
                unverified=got.get("unverified", 0),
                verified_branches=got.get("verified_branches", []),
                unverified_branches=got.get("unverified_branches", []),
                needed=election.nominations_needed,
            )
        )

    lines = _branch_lines(election, branches, today)
    return Board(
        election=election,
        positions=list(positions.values()),
        not_held=[b for b in lines if not b.held],
        none_of_ours=[b for b in lines if b.held and not b.any_ours],
        deadlines=notice_deadlines_ahead(branches, today),
        today=today,
        branches=len(lines),
        detail=detail,
        status=filters.get("status", ""),
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
