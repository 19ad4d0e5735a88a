"""Demo data: groups, regions, branches and their workplaces, and the people who joined."""

import random
import secrets
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from members.consent import current_wording
from members.models import Branch, ConsentKind, Group, Member, Region, Workplace

GROUPS = [
    ("dwp", "Department for Work and Pensions"),
    ("hmrc", "HM Revenue and Customs"),
    ("moj", "Ministry of Justice"),
    ("homeoffice", "Home Office"),
    ("defra", "Environment, Food and Rural Affairs"),
    ("culture", "Culture Sector"),
    ("commercial", "Commercial Sector"),
]
REGIONS = [
    ("scotland", "Scotland"),
    ("wales", "Wales"),
    ("northern", "Northern"),
    ("north-west", "North West"),
    ("yorkshire", "Yorkshire and Humberside"),
    ("midlands", "Midlands"),
    ("eastern", "Eastern"),
    ("london-se", "London and South East"),
    ("south-west", "South West"),
    ("northern-ireland", "Northern Ireland"),
]
TOWNS = {
    "scotland": ["Glasgow", "Edinburgh", "Dundee", "Aberdeen", "Inverness", "Paisley"],
    "wales": ["Cardiff", "Swansea", "Newport", "Wrexham", "Bangor"],
    "northern": ["Newcastle", "Sunderland", "Middlesbrough", "Durham", "Carlisle"],
    "north-west": ["Liverpool", "Manchester", "Preston", "Bolton", "Blackpool", "Warrington"],
    "yorkshire": ["Leeds", "Sheffield", "Bradford", "Hull", "Doncaster", "York"],
    "midlands": ["Birmingham", "Nottingham", "Leicester", "Coventry", "Derby", "Stoke"],
    "eastern": ["Norwich", "Ipswich", "Peterborough", "Chelmsford", "Cambridge"],
    "london-se": ["Croydon", "Stratford", "Brighton", "Reading", "Canterbury", "Westminster"],
    "south-west": ["Bristol", "Plymouth", "Exeter", "Gloucester", "Swindon", "Truro"],
    "northern-ireland": ["Belfast", "Derry", "Newry", "Ballymena"],
}
SITE_KINDS = ["Jobcentre", "Benefit Centre", "Tax Office", "Service Centre", "Court", "Hub"]


def load(*, branches: int = 300, members: int = 600, seed: int = 1) -> dict:
    """Create the union's structure; idempotent (codes are natural keys)."""
    rng = random.Random(seed)  # same demo every run
    groups = {
        code: Group.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in GROUPS
    }
    regions = {
        code: Region.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in REGIONS
    }
    existing = set(Branch.objects.values_list("code", flat=True))
    new_branches = []
    for n in range(1, branches + 1):
        group_code = GROUPS[n % len(GROUPS)][0] if n % 3 else "dwp"
        region_code = REGIONS[n % len(REGIONS)][0]
        code = f"{group_code.upper()[:4]}-{n:04d}"
        if code in existing:
            continue
        town = rng.choice(TOWNS[region_code])
        new_branches.append(
            Branch(
                code=code,
                name=f"{groups[group_code].code.upper()} {town} {n}",
                group=groups[group_code],
                region=regions[region_code],
            )
        )
    Branch.objects.bulk_create(new_branches, batch_size=2000)
    workplaces = [
        Workplace(
            branch=branch,
            name=f"{rng.choice(SITE_KINDS)} {i + 1}",
            town=branch.name.split()[1],
        )
        for branch in Branch.objects.filter(workplaces__isnull=True)
        for i in range(rng.randint(1, 3))
    ]
    Workplace.objects.bulk_create(workplaces, batch_size=5000, ignore_conflicts=True)
    added = load_members(count=members, rng=rng)
    return {
        "groups": len(groups),
        "regions": len(regions),
        "branches": len(new_branches),
        "members": added,
    }


FIRST = """Aisha Alan Amy Andrew Angela Ben Bernadette Callum Chloe Ciaran Claire Darren
Deborah Declan Eilidh Emma Fatima Fraser Gareth Gemma Grace Hamza Helen Imran Jack Jade Jamal
Joanne Kerry Kieran Laura Liam Lucy Mairead Mark Megan Mohammed Nadia Niamh Owen Priya Rhys
Rosa Ryan Sana Sean Siobhan Stuart Tariq Tom Yasmin Zoe""".split()  # noqa: SIM905
LAST = """Ahmed Begum Brown Campbell Clarke Davies Doherty Evans Hughes Hussain Jones Kaur
Kelly Khan Lewis MacDonald Martin Morgan Murphy Murray O'Neill Patel Price Quinn Reid Roberts
Robinson Scott Shah Singh Smith Stewart Taylor Thomas Thompson Walker Watson White Williams
Wilson Wright Young""".split()  # noqa: SIM905
DEMO_DOMAIN = "demo.example.net"  # reserved for examples: nothing is ever delivered


def load_members(*, count: int, rng: random.Random) -> int:
    """Add demo members up to `count` (idempotent), with their consents; return how many.

    Rows go in with COPY (ids drawn from the table's sequence first), because
    100,000 members must load in well under a minute.
    """
    existing = Member.objects.filter(email__endswith="@" + DEMO_DOMAIN).count()
    if existing >= count:
        return 0
    wanted = count - existing
    branch_ids = list(Branch.objects.values_list("pk", flat=True))
    grades = [g for g, _ in Member.Grade.choices]
    statuses = (
        [Member.Status.CONFIRMED] * 80
        + [Member.Status.ACTIVE] * 8
        + [Member.Status.PENDING] * 8
        + [Member.Status.LEFT] * 4
    )
    now = timezone.now()
    faction_id = current_wording(ConsentKind.FACTION).pk
    branch_wording_id = current_wording(ConsentKind.BRANCH).pk
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('members_member', 'id')) "
            "FROM generate_series(1, %s)",
            [wanted],
        )
        ids = [row[0] for row in cursor.fetchall()]
    members, consents = [], []
    for pk, n in zip(ids, range(existing + 1, count + 1), strict=True):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        status = rng.choice(statuses)
        pending = status == Member.Status.PENDING
        joined = now - timedelta(days=rng.uniform(0, 20 if pending else 400))
        listed = bool(branch_ids) and rng.random() < 0.95
        members.append(
            (
                pk,
                f"{first} {last}",
                f"{first}.{last}.{n}@{DEMO_DOMAIN}".lower().replace("'", ""),
                f"07700 9{n % 100000:05d}" if rng.random() < 0.6 else "",
                rng.choice(branch_ids) if listed else None,
                "" if listed else f"Branch {n % 97}",
                "",
                rng.choice(grades),
                rng.random() < 0.08,
                rng.random() < 0.93,
                status,
                joined,
                joined,
                None if pending else joined + timedelta(hours=rng.uniform(0.1, 48)),
                secrets.token_urlsafe(24),
            )
        )
        consents.append((pk, ConsentKind.FACTION.value, faction_id, joined, "demo", None))
        if rng.random() < 0.6:
            withdrawn = now if rng.random() < 0.05 else None
            consents.append(
                (pk, ConsentKind.BRANCH.value, branch_wording_id, joined, "demo", withdrawn)
            )
    raw = connection.connection.cursor()
    with raw.copy(
        "COPY members_member (id, name, email, mobile, branch_id, branch_not_listed, "
        "workplace_not_listed, grade, is_rep, is_union_member, status, created_at, updated_at, "
        "confirmed_at, secret) FROM STDIN"
    ) as copy:
        for row in members:
            copy.write_row(row)
    with raw.copy(
        "COPY members_consent (member_id, kind, wording_id, given_at, source, withdrawn_at) "
        "FROM STDIN"
    ) as copy:
        for row in consents:
            copy.write_row(row)
    return wanted
