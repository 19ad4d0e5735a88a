"""Heavy reads: per-unit turnout and readiness, aggregated in PostgreSQL.

Each function runs one query whatever the number of units, branches or returns.
The SQL is assembled only from fixed fragments written here and the scope
conditions members.scoping.Scope.sql yields (the same rule as its queryset
filter); every value travels as a query parameter, hence the S608 exemptions.
A group organiser's figures come only from their group's branches, a regional
organiser's from their region's.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection

from ballots.models import Ballot, BranchReadiness, ReadinessThreshold
from ballots.readiness import Figures, Measures, measure
from ballots.rules import Kind, RuleBook, ballot_events
from members.scoping import Scope, scope_for


def _unit_scope_sql(scope: Scope, alias: str) -> tuple[str, list]:
    """Keep the units (ballots_bargainingunit alias) in scope, as BargainingUnit.visible_to
    does: a regional organiser's are those with at least one branch in the region."""
    region = (
        "EXISTS (SELECT 1 FROM ballots_unitbranch sub_ub "
        "JOIN members_branch sub_b ON sub_b.id = sub_ub.branch_id "
        "WHERE sub_ub.unit_id = {alias}.id AND sub_b.region_id = %s)"
    ).replace("{alias}", alias)
    return scope.sql(group=f"{alias}.group_id = %s", region=region)


@dataclass
class UnitTurnout:
    unit_id: int
    code: str
    name: str
    important_public_service: bool
    entitled: int
    branches: int
    reporting: int
    votes: int
    threshold_votes: int | None  # None: no turnout threshold applies
    support_votes: int | None  # yes votes needed where the 40% rule applies
    # Members' own "I've voted" reports. Each branch counts the larger of its contact's
    # latest figure and its members' reports, never both: the contact may have counted them.
    own_reports: int
    remaining_days: int
    elapsed_days: int
    total_days: int

    @property
    def turnout(self) -> float:
        return round(100 * self.votes / self.entitled, 1) if self.entitled else 0.0

    @property
    def still_needed(self) -> int:
        if self.threshold_votes is None:
            return 0
        return max(0, self.threshold_votes - self.votes)

    @property
    def needed_per_day(self) -> int | None:
        if not self.still_needed:
            return 0
        if self.remaining_days <= 0:
            return None
        return math.ceil(self.still_needed / self.remaining_days)

    @property
    def projection(self) -> int:
        """Votes at close if the rate so far holds."""
        if self.elapsed_days <= 0:
            return self.votes
        return min(self.entitled, round(self.votes * self.total_days / self.elapsed_days))

    @property
    def projected_to_pass(self) -> bool | None:
        if self.threshold_votes is None:
            return None
        return self.projection >= self.threshold_votes

    @property
    def margin_words(self) -> str:
        if self.threshold_votes is None:
            return "No turnout threshold applies"
        gap = self.threshold_votes - self.votes
        if gap > 0:
            return f"Needs {gap:,} more vote{'s' if gap != 1 else ''}"
        return f"Over the line by {-gap:,}" if gap else "Exactly on the line"


def ballot_period(ballot: Ballot, as_of: dt.date) -> tuple[int, int, int]:
    """Return (days elapsed including as_of, days remaining after it, total days)."""
    total = (ballot.closes_on - ballot.opens_on).days + 1
    elapsed = min(total, max(0, (as_of - ballot.opens_on).days + 1))
    remaining = max(0, (ballot.closes_on - max(as_of, ballot.opens_on - dt.timedelta(1))).days)
    return elapsed, min(remaining, total), total


def turnout_by_unit(
    ballot: Ballot, user, *, as_of: dt.date, book: RuleBook | None = None
) -> list[UnitTurnout]:
    """Return each visible unit's turnout so far, closest to the threshold first."""
    book = book or RuleBook()
    turnout = book.resolve(Kind.TURNOUT, ballot_events(ballot))
    support = book.resolve(Kind.SUPPORT_IPS, ballot_events(ballot))
    pct = turnout.value if turnout.applies and ballot.statutory else None
    support_pct = support.value if support.applies and ballot.statutory else None
    scope = scope_for(user)
    branch_sql, branch_params = scope.branch_sql("b")
    unit_sql, unit_params = _unit_scope_sql(scope, "u")
    # Each branch's latest return is one index probe (turnout_latest_idx), so the
    # cost follows the number of branches, not the number of returns.
    sql = f"""
        WITH per_unit AS (
            SELECT u.id AS unit_id, u.code, u.name, u.important_public_service AS ips,
                   bu.entitled,
                   COUNT(b.id) AS branches,
                   COUNT(latest.voted) + COUNT(own.n) FILTER (WHERE latest.voted IS NULL)
                       AS reporting,
                   COALESCE(SUM(GREATEST(latest.voted, own.n)), 0)::int AS votes,
                   COALESCE(SUM(own.n), 0)::int AS own_reports
            FROM ballots_ballotunit bu
            JOIN ballots_bargainingunit u ON u.id = bu.unit_id
            LEFT JOIN ballots_unitbranch ub ON ub.unit_id = u.id
            LEFT JOIN members_branch b ON b.id = ub.branch_id AND {branch_sql}
            LEFT JOIN LATERAL (
                SELECT tr.voted FROM ballots_turnoutreturn tr
                WHERE tr.ballot_id = bu.ballot_id AND tr.branch_id = b.id
                  AND tr.counted_on <= %s
                ORDER BY tr.counted_on DESC LIMIT 1
            ) latest ON TRUE
            LEFT JOIN LATERAL (
                SELECT NULLIF(COUNT(*), 0)::int AS n FROM ballots_votepledge vp
                WHERE vp.ballot_id = bu.ballot_id AND vp.branch_id = b.id
                  AND vp.reported_on <= %s
            ) own ON TRUE
            WHERE bu.ballot_id = %s AND {unit_sql}
            GROUP BY u.id, bu.entitled
        )
        SELECT unit_id, code, name, ips, entitled, branches, reporting, votes,
               CEIL(entitled * %s::numeric / 100)::int AS threshold_votes,
               CASE WHEN ips THEN CEIL(entitled * %s::numeric / 100)::int END AS support_votes,
               own_reports
        FROM per_unit
        ORDER BY ABS(votes - CEIL(entitled * %s::numeric / 100)) NULLS LAST, votes, name
    """  # noqa: S608
    params = [*branch_params, as_of, as_of, ballot.pk, *unit_params, pct, support_pct, pct]
    elapsed, remaining, total = ballot_period(ballot, as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        UnitTurnout(
            unit_id=r[0],
            code=r[1],
            name=r[2],
            important_public_service=r[3],
            entitled=r[4],
            branches=r[5],
            reporting=r[6],
            votes=r[7],
            threshold_votes=r[8],
            support_votes=r[9],
            own_reports=r[10],
            remaining_days=remaining,
            elapsed_days=elapsed,
            total_days=total,
        )
        for r in rows
    ]


def turnout_series(ballot: Ballot, user, *, unit_ids: list[int], as_of: dt.date) -> dict:
    """Return {unit_id: [(day, cumulative votes), ...]} from opening to as_of (one query)."""
    end = min(as_of, ballot.closes_on)
    if end < ballot.opens_on or not unit_ids:
        return {u: [] for u in unit_ids}
    branch_sql, branch_params = scope_for(user).branch_sql("b")
    sql = f"""
        SELECT ub.unit_id, d.day::date, COALESCE(SUM(GREATEST(lr.voted, own.n)), 0)::int
        FROM generate_series(%s::date, %s::date, interval '1 day') AS d(day)
        CROSS JOIN ballots_unitbranch ub
        JOIN members_branch b ON b.id = ub.branch_id AND {branch_sql}
        LEFT JOIN LATERAL (
            SELECT tr.voted FROM ballots_turnoutreturn tr
            WHERE tr.ballot_id = %s AND tr.branch_id = ub.branch_id
              AND tr.counted_on <= d.day
            ORDER BY tr.counted_on DESC LIMIT 1
        ) lr ON TRUE
        LEFT JOIN LATERAL (
            SELECT NULLIF(COUNT(*), 0)::int AS n FROM ballots_votepledge vp
            WHERE vp.ballot_id = %s AND vp.branch_id = ub.branch_id
              AND vp.reported_on <= d.day
        ) own ON TRUE
        WHERE ub.unit_id = ANY(%s)
        GROUP BY ub.unit_id, d.day
        ORDER BY ub.unit_id, d.day
    """  # noqa: S608
    series: dict[int, list] = {u: [] for u in unit_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [ballot.opens_on, end, *branch_params, ballot.pk, ballot.pk, list(unit_ids)]
        )
        for unit_id, day, votes in cursor.fetchall():
            series[unit_id].append((day, votes))
    return series


def latest_readiness(user, *, thresholds: ReadinessThreshold | None = None):
    """Return [(snapshot, Measures)] for each visible branch's latest snapshot (one query)."""
    thresholds = thresholds or ReadinessThreshold.current()
    snapshots = (
        scope_for(user)
        .filter(BranchReadiness.objects.all(), branch_path="branch")
        .select_related("branch", "branch__group", "branch__region")
        .order_by("branch_id", "-taken_on", "-id")
        .distinct("branch_id")
    )
    rows = [(s, measure(Figures.from_snapshot(s), thresholds)) for s in snapshots]
    rows.sort(key=lambda pair: (pair[0].branch.name, pair[0].branch.code))
    return rows


@dataclass
class UnitReadiness:
    unit_id: int
    code: str
    name: str
    branches: int
    reporting: int
    measures: Measures


def readiness_by_unit(user, *, thresholds: ReadinessThreshold | None = None):
    """Return each visible unit's readiness, summed over its branches' latest snapshots."""
    thresholds = thresholds or ReadinessThreshold.current()
    scope = scope_for(user)
    branch_sql, branch_params = scope.branch_sql("b")
    unit_sql, unit_params = _unit_scope_sql(scope, "u")
    sql = f"""
        WITH latest AS (
            SELECT DISTINCT ON (r.branch_id) r.*
            FROM ballots_branchreadiness r
            ORDER BY r.branch_id, r.taken_on DESC, r.id DESC
        )
        SELECT u.id, u.code, u.name, COUNT(b.id), COUNT(l.id),
               COALESCE(SUM(l.members), 0), SUM(l.staff_in_post),
               COUNT(l.id) FILTER (WHERE l.staff_in_post IS NULL),
               COALESCE(SUM(l.with_email), 0), COALESCE(SUM(l.with_mobile), 0),
               COALESCE(SUM(l.with_contact), 0), COALESCE(SUM(l.with_home_address), 0),
               COALESCE(SUM(l.reps), 0), COALESCE(SUM(l.advocates), 0),
               COALESCE(SUM(l.meetings_held), 0),
               COUNT(l.id) FILTER (WHERE l.ballot_committee)
        FROM ballots_bargainingunit u
        LEFT JOIN ballots_unitbranch ub ON ub.unit_id = u.id
        LEFT JOIN members_branch b ON b.id = ub.branch_id AND {branch_sql}
        LEFT JOIN latest l ON l.branch_id = b.id
        WHERE {unit_sql}
        GROUP BY u.id
        ORDER BY u.name
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*branch_params, *unit_params])
        rows = cursor.fetchall()
    result = []
    for r in rows:
        reporting = r[4]
        figures = None
        if reporting:
            figures = Figures(
                members=r[5],
                # Density only where every reporting branch gave staff in post.
                staff_in_post=r[6] if r[7] == 0 else None,
                with_email=r[8],
                with_mobile=r[9],
                with_contact=r[10],
                with_home_address=r[11],
                reps=r[12],
                advocates=r[13],
                meetings_held=r[14],
                committees=r[15],
                branches=reporting,
            )
        result.append(
            UnitReadiness(r[0], r[1], r[2], r[3], reporting, measure(figures, thresholds))
        )
    return result
