"""Demo data: bargaining units, readiness snapshots and one live statutory ballot.

Idempotent: units are found by code, snapshots and returns are only added for
branches that have none, and the ballot is found by name.
"""

import datetime as dt
import itertools
import math
import random

from django.utils import timezone

from ballots.models import (
    ActionDate,
    Ballot,
    BallotUnit,
    BargainingUnit,
    BranchReadiness,
    Petition,
    StructureTest,
    StructureTestProgress,
    TurnoutReturn,
    UnitBranch,
)
from members.models import Branch, Group

BALLOT_NAME = "Pay and pensions ballot (demo)"
# Employers within each group; a demo unit takes the next name for its group.
UNIT_NAMES = [
    "Jobcentres",
    "Benefit processing",
    "Debt management",
    "Tax operations",
    "Customs and excise",
    "Courts and tribunals",
    "Probation offices",
    "Border Force",
    "Passport offices",
    "Rural payments",
    "Museums and galleries",
    "Outsourced contracts",
]
IMPORTANT_PUBLIC_SERVICE = {"homeoffice"}  # border security


def _units(count: int, rng) -> list[BargainingUnit]:
    groups = list(Group.objects.order_by("code"))
    if not groups or count <= 0:
        return []
    existing = {u.code: u for u in BargainingUnit.objects.filter(code__startswith="demo-")}
    new = []
    for n in range(count):
        group = groups[n % len(groups)]
        code = f"demo-{group.code}-{n // len(groups) + 1}"
        if code in existing:
            continue
        label = UNIT_NAMES[n % len(UNIT_NAMES)]
        new.append(
            BargainingUnit(
                group=group,
                code=code,
                name=f"{group.name}: {label} {n // len(groups) + 1}",
                important_public_service=group.code in IMPORTANT_PUBLIC_SERVICE,
            )
        )
    BargainingUnit.objects.bulk_create(new)
    units = list(BargainingUnit.objects.filter(code__startswith="demo-").order_by("id"))[:count]
    by_group: dict[int, list] = {}
    for unit in units:
        by_group.setdefault(unit.group_id, []).append(unit)
    links = [
        UnitBranch(unit=by_group[b.group_id][i % len(by_group[b.group_id])], branch=b)
        for i, b in enumerate(
            Branch.objects.filter(ballot_unit_link__isnull=True, group_id__in=by_group).order_by(
                "id"
            )
        )
    ]
    UnitBranch.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    return units


def _snapshot(branch, day, members, rng, progress: float) -> BranchReadiness:
    staff = int(members * rng.uniform(1.3, 2.6))
    email = int(members * min(0.98, rng.uniform(0.45, 0.9) + progress))
    mobile = int(members * min(0.98, rng.uniform(0.4, 0.85) + progress))
    contact = min(members, max(email, mobile) + int(min(email, mobile) * rng.uniform(0.05, 0.3)))
    home = int(members * min(1.0, rng.uniform(0.75, 0.97) + progress / 2))
    return BranchReadiness(
        branch=branch,
        taken_on=day,
        members=members,
        staff_in_post=staff,
        with_email=email,
        with_mobile=mobile,
        with_contact=max(contact, email, mobile),
        with_home_address=home,
        reps=int(members * rng.uniform(0.005, 0.05)),
        advocates=rng.randint(0, 6),
        meetings_held=rng.randint(0, 3),
        ballot_committee=rng.random() < 0.4 + progress * 3,
        source=BranchReadiness.Source.ADMIN,
    )


def _petition(today: dt.date) -> bool:
    """The pay petition, tied to the first "Sign the pay petition" structure test: from
    its first confirmed signature on, the test's progress is counted, not typed."""
    test = StructureTest.objects.filter(title="Sign the pay petition").order_by("pk").first()
    _, created = Petition.objects.get_or_create(
        slug="pay-rise-now",
        defaults={
            "title": "Pay rise now",
            "text": (
                "We call on the employer to make a pay offer that beats inflation, "
                "and to negotiate with the union **now**."
            ),
            "target": 5000,
            "deadline": today + dt.timedelta(days=30),
            "structure_test": test,
            "is_published": True,
        },
    )
    return created


def load(*, units: int = 8, days: int = 20, seed: int = 6) -> dict:
    """Create demo units, two readiness snapshots per branch and a live ballot."""
    rng = random.Random(seed)  # the same demo every run
    today = timezone.localdate()
    unit_list = _units(units, rng)

    snapshots = []
    for branch in Branch.objects.filter(readiness__isnull=True).order_by("id"):
        members = rng.randint(40, 900)
        snapshots.append(_snapshot(branch, today - dt.timedelta(days=70), members, rng, 0.0))
        snapshots.append(
            _snapshot(branch, today - dt.timedelta(days=days + 10), members, rng, 0.06)
        )
    BranchReadiness.objects.bulk_create(snapshots, batch_size=5000)

    ballot, created = Ballot.objects.get_or_create(
        name=BALLOT_NAME,
        defaults={
            "kind": Ballot.Kind.STATUTORY,
            "opens_on": today - dt.timedelta(days=max(days, 1) - 1),
            "closes_on": today + dt.timedelta(days=14),
        },
    )
    returns = 0
    if created and unit_list:
        ballot.notice_of_ballot_sent_on = ballot.opens_on - dt.timedelta(days=9)
        ballot.sample_paper_sent_on = ballot.opens_on - dt.timedelta(days=5)
        ballot.new_member_cutoff = ballot.opens_on - dt.timedelta(days=21)
        ballot.replacement_cutoff = ballot.closes_on - dt.timedelta(days=5)
        ballot.save()
        ActionDate.objects.bulk_create(
            ActionDate(ballot=ballot, starts_on=ballot.closes_on + dt.timedelta(days=d))
            for d in (12, 26)
        )
        latest = {
            s.branch_id: s.members
            for s in BranchReadiness.objects.order_by("branch_id", "-taken_on", "-id").distinct(
                "branch_id"
            )
        }
        links = list(UnitBranch.objects.filter(unit__in=unit_list))
        entitled: dict[int, int] = {}
        for link in links:
            entitled[link.unit_id] = entitled.get(link.unit_id, 0) + latest.get(link.branch_id, 0)
        BallotUnit.objects.bulk_create(
            BallotUnit(ballot=ballot, unit=u, entitled=max(1, entitled.get(u.pk, 0)))
            for u in unit_list
        )
        total_days = (ballot.closes_on - ballot.opens_on).days + 1
        rows = []
        for link in links:
            members = latest.get(link.branch_id, 0)
            final = members * rng.uniform(0.3, 0.68)  # turnout this branch heads for
            for d in range(days):
                share = 1 - math.exp(-3 * (d + 1) / total_days)  # early votes come fastest
                share /= 1 - math.exp(-3)
                voted = min(members, int(final * share * rng.uniform(0.97, 1.0)))
                rows.append(
                    TurnoutReturn(
                        ballot=ballot,
                        branch_id=link.branch_id,
                        counted_on=ballot.opens_on + dt.timedelta(days=d),
                        voted=voted,
                        source=BranchReadiness.Source.ADMIN,
                    )
                )
        # Cumulative counts never fall: a later count at least the earlier one.
        for prev, cur in itertools.pairwise(rows):
            if prev.branch_id == cur.branch_id and cur.voted < prev.voted:
                cur.voted = prev.voted
        TurnoutReturn.objects.bulk_create(rows, batch_size=5000)
        returns = len(rows)
        for unit in unit_list[:3]:
            test = StructureTest.objects.create(
                title="Sign the pay petition",
                unit=unit,
                target_percent=70,
                deadline=ballot.opens_on - dt.timedelta(days=7),
            )
            out_of = max(1, entitled.get(unit.pk, 0))
            StructureTestProgress.objects.bulk_create(
                StructureTestProgress(
                    test=test,
                    recorded_on=test.deadline - dt.timedelta(days=7 * w),
                    done=int(out_of * (0.72 - 0.12 * w)),
                    out_of=out_of,
                )
                for w in range(4)
            )
    _petition(today)
    return {
        "units": len(unit_list),
        "snapshots": len(snapshots),
        "ballot": ballot.name,
        "turnout_returns": returns,
    }
