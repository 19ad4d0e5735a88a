"""Heavy reads: the public slate, the nominations sheet and the branch contact's
report page (the nominations board is campaign.board, re-exported here).

Each runs a fixed number of queries whatever the number of branches,
positions or candidates (counted in tests): the counting is done in SQL.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaign.board import (  # noqa: F401 (the board's old home: callers import it here)
    Board,
    BoardRow,
    board_csv_rows,
    branches_for,
    election_board,
)
from campaign.models import BranchMeeting, Candidate, Election, Nomination, Position
from members.models import Branch

# Public pages -------------------------------------------------------------------


def slate(election: Election) -> list[Position]:
    """Positions with our candidates in order (and, if published, verified counts)."""
    candidates = Candidate.objects.select_related("employer").order_by("order", "pk")
    if election.publish_counts:
        # Counted per candidate in a subquery: joining every nomination to the
        # candidates and grouping by all their columns sorted 22,000 wide rows
        # (69 ms at 1,000 branches; this way 1 ms).
        verified = (
            Nomination.objects.filter(
                candidate=OuterRef("pk"),
                superseded_by__isnull=True,
                verified_by__isnull=False,
            )
            .order_by()
            .values("candidate")
            .annotate(n=Count("meeting__branch", distinct=True))
            .values("n")
        )
        candidates = candidates.annotate(
            n_verified=Coalesce(Subquery(verified, output_field=IntegerField()), 0)
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
