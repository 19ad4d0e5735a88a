"""Demo structure: groups, regions, a few hundred branches and their workplaces."""

import random

from members.models import Branch, Group, Region, Workplace

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


def load(*, branches: int = 300, seed: int = 1) -> dict:
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
    return {"groups": len(groups), "regions": len(regions), "branches": len(new_branches)}
