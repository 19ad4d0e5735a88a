"""Demo campaign: an NEC election with our slate, a group executive election,
AGMs across the demo branches and a realistic spread of nominations.

Dates are set around the day the demo is first loaded, so the board shows AGMs
held, AGMs coming up this fortnight and branches still to fix a date.
Idempotent: elections, positions and candidates are found by natural keys,
and meetings and nominations are only added to branches that have none.
"""

import datetime
import math
import random

from django.db.models import Min
from django.utils import timezone

from campaign.models import (
    BranchMeeting,
    Candidate,
    Election,
    Event,
    Nomination,
    NominationReport,
    Position,
)
from members.models import Branch, Group, Member, Region

FIRST = [
    "Aisha",
    "Bernie",
    "Ciara",
    "Dev",
    "Eilidh",
    "Femi",
    "Gareth",
    "Hannah",
    "Imran",
    "Jas",
    "Kerry",
    "Lewis",
    "Maya",
    "Niall",
    "Olu",
    "Priya",
    "Rhys",
    "Sian",
    "Tom",
    "Una",
    "Vikram",
    "Wendy",
    "Yusuf",
    "Zoe",
    "Ade",
    "Bronwen",
    "Callum",
    "Donna",
    "Errol",
    "Fiona",
]
LAST = [
    "Adeyemi",
    "Brennan",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kaur",
    "Lloyd",
    "McBride",
    "Nolan",
    "Okafor",
    "Patel",
    "Quinn",
    "Reid",
    "Shah",
    "Thomas",
    "Usman",
    "Vaughan",
    "Walsh",
    "Yates",
    "Ahmed",
    "Begum",
    "Connolly",
    "Doyle",
]
STATEMENTS = [
    "Twenty years on the counter and in the branch. I will argue for a national ballot we can win, "
    "built office by office, and for every full-time officer to be elected.",
    "Our pay has fallen behind for a decade. I stand for a fighting strategy: clear demands, "
    "members deciding, and no deal that is not put to a vote.",
    "I organised my workplace from three members to a majority. The union grows when reps are "
    "backed, not managed. Vote for a democratic, accountable executive.",
    "Contact-centre worker and rep. I want an end to the targets culture, proper staffing and a "
    "union that answers to its members between conferences as well as at them.",
    "Branch secretary and health and safety rep. Every member deserves a union that turns up: "
    "I will fight for facility time, safe offices and an end to low pay.",
]
OTHER_SLATE = [
    "Chris Marsh",
    "Jan Hollis",
    "Pat Ferris",
    "Lee Donnelly",
    "Sam Ashworth",
    "Robin Kerr",
]


def _titles(count: int) -> list[str]:
    titles = ["President", "Vice President", "NEC ordinary member"]
    titles += [f"{name} members' seat" for name in ["Black", "Disabled", "Young", "LGBT+", "Women"]]
    titles += [f"Regional seat: {r.name}" for r in Region.objects.order_by("name")]
    titles += [f"Group seat: {g.name}" for g in Group.objects.order_by("name")]
    n = 1
    while len(titles) < count:
        titles.append(f"Sector seat {n}")
        n += 1
    return titles[:count]


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name.casefold() not in used:
            used.add(name.casefold())
            return name


def _election(*, slug, name, group, today) -> Election:
    election, _ = Election.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "group": group,
            "intro": "Our candidates stand for a democratic union that fights for its members. "
            "Get them nominated at your branch AGM.",
            "agm_window_start": today - datetime.timedelta(days=40),
            "agm_window_end": today + datetime.timedelta(days=35),
            "nominations_close": today + datetime.timedelta(days=42),
            "ballot_opens": today + datetime.timedelta(days=60),
            "ballot_closes": today + datetime.timedelta(days=88),
            "nominations_needed": 15 if group is None else 5,
            "employer_cap": 8 if group is None else None,
            "is_published": True,
            "publish_counts": group is None,
        },
    )
    return election


def _slate(election, titles, total, rng, groups, branches) -> tuple[int, int]:
    """Create the positions and spread `total` candidates over them; return counts added."""
    existing = {p.title: p for p in election.positions.all()}
    fixed = {
        "President": 1,
        "Vice President": 4,
        "NEC ordinary member": 30,
        "Group Vice President": 3,
    }
    rest = max(1, math.ceil(max(0, total - 35) / max(1, len(titles) - 3)))
    new_positions = [
        Position(election=election, title=t, seats=fixed.get(t, rest), order=i)
        for i, t in enumerate(titles)
        if t not in existing
    ]
    Position.objects.bulk_create(new_positions)
    positions = list(election.positions.order_by("order"))
    if Candidate.objects.filter(position__election=election).exists():
        return len(new_positions), 0
    used: set[str] = set()
    candidates = []
    # Fill each position up to its seats, in order, until the slate is `total` long.
    while len(candidates) < total:
        added = False
        for p in positions:
            on_slate = sum(1 for c in candidates if c.position is p)
            if on_slate < p.seats and len(candidates) < total:
                candidates.append(
                    Candidate(
                        position=p,
                        name=_name(rng, used),
                        order=on_slate + 1,
                        employer=rng.choice(groups),
                        branch=rng.choice(branches),
                        statement=rng.choice(STATEMENTS),
                        **_joint_slate(len(candidates), on_slate, p, election),
                    )
                )
                added = True
        if not added:
            break
    Candidate.objects.bulk_create(candidates)
    return len(new_positions), len(candidates)


def _joint_slate(index: int, on_slate: int, position, election) -> dict:
    """A joint slate: a few partners' candidates and independents, and for the small
    STV positions our recommended order (the slate order)."""
    fields = {}
    if index % 7 == 3:
        fields = {"affiliation": Candidate.Affiliation.PARTNER, "partner": "Broad Left"}
    elif index % 11 == 5:
        fields = {"affiliation": Candidate.Affiliation.INDEPENDENT}
    if election.is_stv and 1 < position.seats <= 4:
        fields["preference"] = on_slate + 1
    return fields


def _meetings(today, rng, window) -> int:
    """Give most branches without one an AGM inside the window."""
    start, end = window
    have = set(
        BranchMeeting.objects.filter(date__gte=start, date__lte=end).values_list(
            "branch_id", flat=True
        )
    )
    movers = dict(
        Member.objects.filter(branch__isnull=False)
        .values("branch_id")
        .annotate(first=Min("id"))
        .values_list("branch_id", "first")
    )
    days = (end - start).days
    agm_years = {
        (branch_id, d.year)
        for branch_id, d in BranchMeeting.objects.filter(kind="agm").values_list(
            "branch_id", "date"
        )
    }
    new = []
    for branch_id in Branch.objects.order_by("code").values_list("pk", flat=True):
        if branch_id in have or branch_id % 8 == 0:  # some branches have not fixed a date
            continue
        date = start + datetime.timedelta(days=rng.randint(0, days))
        if (branch_id, date.year) in agm_years:
            continue
        moved = rng.random() < 0.7
        new.append(
            BranchMeeting(
                branch_id=branch_id,
                kind=BranchMeeting.Kind.AGM,
                date=date,
                place=rng.choice(["Canteen", "Training room 2", "Online (Teams)", "Ground floor"]),
                our_nominations_moved=moved,
                mover_id=movers.get(branch_id) if moved else None,
            )
        )
    BranchMeeting.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _nominations(election, today, rng, verifier) -> int:
    """Record what the AGMs already held nominated, as reports from branch contacts."""
    positions = list(election.positions.prefetch_related("candidates"))
    meetings = list(
        BranchMeeting.objects.filter(date__gte=election.agm_window_start, date__lt=today)
        .exclude(reports__election=election)
        .filter(election.branches_q("branch__"))
        .select_related("branch")
    )
    now = timezone.now()
    reports, rows = [], []
    for meeting in meetings:
        if meeting.pk % 4 == 0:  # held, but nominated none of ours (or not reported yet)
            continue
        report = NominationReport(
            meeting=meeting,
            election=election,
            version=1,
            source=NominationReport.Source.CONTACT,
            reported_by="Branch secretary",
            created_at=now,
        )
        entries = []
        for position in positions:
            if rng.random() < 0.45:
                continue
            ours = list(position.candidates.all())
            take = ours[: rng.randint(1, max(1, len(ours)))] if ours else []
            others = []
            if len(take) < position.seats and rng.random() < 0.3:
                others = [rng.choice(OTHER_SLATE)]
            verified = rng.random() < 0.7
            for c in take:
                entries.append({"position": position.pk, "candidate": c.pk, "name": c.name})
                rows.append((report, position, c, "", verified))
            for name in others:
                entries.append({"position": position.pk, "candidate": None, "name": name})
                rows.append((report, position, None, name, verified))
        report.entries = entries
        reports.append(report)
    NominationReport.objects.bulk_create(reports, batch_size=2000)
    Nomination.objects.bulk_create(
        [
            Nomination(
                meeting=report.meeting,
                position=position,
                candidate=candidate,
                other_name=name,
                report=report,
                reported_by=report.reported_by,
                reported_at=now,
                verified_by=verifier if verified and verifier else None,
                verified_at=now if verified and verifier else None,
            )
            for report, position, candidate, name, verified in rows
        ],
        batch_size=5000,
    )
    return len(rows)


def _events(today: datetime.date, host: Branch) -> int:
    """Two meetings to reply to: a public one with a room's capacity, and an online
    members' meeting. Made once (by slug); no replies, which are people's own."""
    evening = timezone.make_aware(datetime.datetime.combine(today, datetime.time(18, 30)))
    made = 0
    for slug, fields in (
        (
            "pay-campaign-meeting",
            {
                "title": "Pay campaign meeting, open to all",
                "description": (
                    "Members and non-members welcome: **the pay offer**, the ballot, "
                    "and how we win it. Bring a workmate."
                ),
                "starts_at": evening + datetime.timedelta(days=9),
                "place": "Trades club, upstairs room",
                "capacity": 60,
            },
        ),
        (
            "members-ballot-briefing",
            {
                "title": "Members' ballot briefing (online)",
                "description": "For members: the ballot timetable and getting the vote out.",
                "starts_at": evening + datetime.timedelta(days=16),
                "online_url": "https://meet.example.org/rank-and-file",
                "audience": Event.Audience.MEMBERS,
            },
        ),
    ):
        fields["ends_at"] = fields["starts_at"] + datetime.timedelta(hours=2)
        _, created = Event.objects.get_or_create(
            slug=slug, defaults={**fields, "branch": host, "is_published": True}
        )
        made += created
    return made


def load(*, positions: int = 12, candidates: int = 24, seed: int = 5) -> dict:
    """Create the demo campaign; safe to run again."""
    from members.models import User

    rng = random.Random(seed)
    today = timezone.localdate()
    groups = list(Group.objects.order_by("code"))
    branches = list(Branch.objects.order_by("code")[:200])
    if not groups or not branches:
        return {"skipped": "no branches: load the members demo first"}
    verifier = User.objects.filter(role=User.Role.NATIONAL).order_by("pk").first()

    nec = _election(
        slug=f"nec-{today.year + 1}", name=f"NEC {today.year + 1}", group=None, today=today
    )
    made_positions, made_candidates = _slate(
        nec, _titles(positions), candidates, rng, groups, branches
    )
    dwp = next((g for g in groups if g.code == "dwp"), groups[0])
    gec = _election(
        slug=f"{dwp.code}-group-executive-{today.year + 1}",
        name=f"{dwp.code.upper()} Group Executive {today.year + 1}",
        group=dwp,
        today=today,
    )
    gec_branches = [b for b in branches if b.group_id == dwp.pk] or branches
    p2, c2 = _slate(
        gec,
        ["Group President", "Group Vice President", "Group Secretary"],
        5,
        rng,
        [dwp],
        gec_branches,
    )
    meetings = _meetings(today, rng, (nec.agm_window_start, nec.agm_window_end))
    nominations = _nominations(nec, today, rng, verifier) + _nominations(gec, today, rng, verifier)
    _events(today, branches[0])
    return {
        "elections": Election.objects.count(),
        "positions": made_positions + p2,
        "candidates": made_candidates + c2,
        "meetings": meetings,
        "nominations": nominations,
    }
