"""Readiness measures for a branch or a unit, and the status they add up to."""

from dataclasses import dataclass, field
from decimal import Decimal

from ballots.models import ReadinessThreshold

READY, CLOSE, NOT_READY, NO_FIGURES = "ready", "close", "not_ready", "no_figures"
STATUS_LABELS = {
    READY: "Ready",
    CLOSE: "Close",
    NOT_READY: "Not ready",
    NO_FIGURES: "No figures",
}


@dataclass
class Figures:
    """Counts from one snapshot, or summed over a unit's latest snapshots."""

    members: int = 0
    staff_in_post: int | None = None
    with_email: int = 0
    with_mobile: int = 0
    with_contact: int = 0
    with_home_address: int = 0
    reps: int = 0
    advocates: int = 0
    meetings_held: int = 0
    committees: int = 0  # branches with a ballot committee
    branches: int = 1  # branches the figures cover

    @classmethod
    def from_snapshot(cls, s) -> "Figures":
        return cls(
            members=s.members,
            staff_in_post=s.staff_in_post,
            with_email=s.with_email,
            with_mobile=s.with_mobile,
            with_contact=s.with_contact,
            with_home_address=s.with_home_address,
            reps=s.reps,
            advocates=s.advocates,
            meetings_held=s.meetings_held,
            committees=int(s.ballot_committee),
        )


def _pct(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Measures:
    figures: Figures
    density: float | None
    contact: float | None
    workplace_address: float | None
    reps_per_100: float | None
    status: str
    reasons: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def measure(figures: Figures | None, thresholds: ReadinessThreshold) -> Measures:
    """Work out the measures and the status, with the reasons in words."""
    if figures is None or figures.members == 0:
        return Measures(
            figures or Figures(),
            None,
            None,
            None,
            None,
            NO_FIGURES,
            ["No readiness figures yet"] if figures is None else ["No members recorded"],
        )
    f = figures
    density = _pct(f.members, f.staff_in_post) if f.staff_in_post else None
    contact = _pct(f.with_contact, f.members)
    workplace = _pct(f.members - f.with_home_address, f.members)
    reps = round(100 * f.reps / f.members, 1)
    margin = float(thresholds.close_margin)
    shortfalls = []  # (is_close, reason)

    def at_least(value, target, reason):
        if value is not None and value < target:
            shortfalls.append((target - value <= margin, reason))

    if density is None:
        shortfalls.append((True, "Staff in post not known, so density cannot be judged"))
    else:
        at_least(
            density,
            thresholds.min_density,
            f"Density is {density:g}% (target {thresholds.min_density}%)",
        )
    at_least(
        contact,
        thresholds.min_contact,
        f"{100 - contact:g}% of members have no personal contact "
        f"(target: {thresholds.min_contact}% reachable)",
    )
    if workplace > thresholds.max_workplace_address:
        shortfalls.append(
            (
                workplace - thresholds.max_workplace_address <= margin,
                f"{workplace:g}% of ballot papers would go to a workplace "
                f"(at most {thresholds.max_workplace_address}%)",
            )
        )
    target_reps = float(Decimal(thresholds.min_reps_per_100))
    if reps < target_reps:
        # Reps per 100 is a small number: "close" means within a tenth of the margin.
        shortfalls.append(
            (
                target_reps - reps <= margin / 10,
                f"{reps:g} reps per 100 members (target {target_reps:g})",
            )
        )
    if f.meetings_held < thresholds.min_meetings * f.branches:
        shortfalls.append((True, f"{f.meetings_held} members' meetings held"))
    if thresholds.require_committee and f.committees < f.branches:
        if f.branches == 1:
            shortfalls.append((False, "No ballot committee formed"))
        else:
            missing = f.branches - f.committees
            shortfalls.append(
                (False, f"{missing} of {f.branches} branches have no ballot committee")
            )
    if not shortfalls:
        status = READY
    elif all(close for close, _ in shortfalls):
        status = CLOSE
    else:
        status = NOT_READY
    return Measures(f, density, contact, workplace, reps, status, [r for _, r in shortfalls])
