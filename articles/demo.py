"""Demo articles: a lived-in site (about 40 pieces), or thousands for the benchmark.

Idempotent: articles, tags and authors are matched by slug. The articles go
in through ``articles.services.article_create_many``: bulk-inserted, each
distinct text rendered once, their search vectors computed in one UPDATE.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone

from articles.models import Article, Author, Tag
from articles.services import article_create_many

AUTHORS = [
    ("Meera Patel", "meera-patel", "EO in a Birmingham jobcentre and secretary of her branch."),
    ("Dai Thomas", "dai-thomas", "AO at HMRC in Cardiff; a union rep for eleven years."),
    (
        "Siobhan Kerr",
        "siobhan-kerr",
        "Group executive member and health and safety rep in Glasgow.",
    ),
    ("Tunde Adeyemi", "tunde-adeyemi", "Branch chair in Newcastle and part of our NEC slate."),
    ("Ruth Fielding", "ruth-fielding", "AA in a London benefit centre, new to the union in 2024."),
    ("Gareth Hughes", "gareth-hughes", "Retired DVLA rep who still writes for us about pensions."),
]

TAGS = [
    ("Pay", "pay", "Our pay claims, offers and what they mean for each grade."),
    ("Branch AGMs", "branch-agms", "Motions, nominations and reports from branch meetings."),
    ("NEC elections", "nec-elections", "Our slate for the national executive and how to back it."),
    ("Ballots", "ballots", "Turnout, thresholds and getting the vote out."),
    ("DWP", "dwp", "News from the Department for Work and Pensions group."),
    ("HMRC", "hmrc", "News from the HMRC group."),
    ("Health and safety", "health-and-safety", "Workloads, office safety and stress."),
    ("Trade unions", "trade-unions", "The wider movement and the law."),
    ("Equality", "equality", "Fair treatment at work for every member."),
]

PAY_TABLE = """Table: {dept} pay by grade, national rates from April

| Grade | Current | Offer | Our claim | Staff in post |
| --- | ---: | ---: | ---: | ---: |
| AA | £{aa:,} | £{aa_offer:,} | £{aa_claim:,} | {aa_staff:,} |
| AO | £{ao:,} | £{ao_offer:,} | £{ao_claim:,} | {ao_staff:,} |
| EO | £{eo:,} | £{eo_offer:,} | £{eo_claim:,} | {eo_staff:,} |
"""

BODIES = {
    "pay": """The employer's offer landed this week, and members in the lowest grades will see
through it quickly. Once national insurance and pension contributions come off, an AO on the
spot rate is barely better off than a year ago, while rent and food have gone up again.

## The figures

"""
    + PAY_TABLE
    + """
The gap between the offer and our claim is widest for AAs and AOs, the grades that answer the
phones and run the front counters. These are the staff the department cannot recruit or keep.

## What we are asking branches to do

- Hold a members' meeting before the consultation closes, in work time where you can.
- Put the figures above on every noticeboard and in every team chat.
- Ask members to vote **reject** in the consultation and say why in their own words.
- Report your turnout to the group so we know where to send help.

> "I train new starters who leave within the year because they can earn more stacking
> shelves. Until pay is fixed, nothing else gets fixed." — an AO trainer in {city}

## Why an offer like this keeps coming back

Every year the offer is written to fit a remit set by the Treasury, and every year our
leadership calls it disappointing and then recommends it. A consultation with no plan for
action behind it tells the employer exactly how far it can push us.

We want a claim built from the bottom up: branch meetings, members' own figures and a
timetable for a ballot if the answer is no.
""",
    "agm": """Branch AGM season is here, and it is the one point in the year when members
decide who speaks for them and which motions go to conference.

## Before the meeting

1. Check the date and venue with your branch secretary; notice must go out in good time.
2. Read the motions the committee proposes, and write your own if something is missing.
3. Ask a colleague to come with you. Quorum matters, and so does a room full of members.

## Nominations

The AGM also nominates candidates for the national executive. Our slate is standing on a
simple platform: a pay claim members write, ballots organised to win, and officers who
take the average wage of the members they represent.

Table: Branches in {city} that have set an AGM date

| Branch | Date | Members | Nominating our slate? |
| --- | --- | ---: | --- |
| {city} Benefit Centre | 14 January | 212 | Motion tabled |
| {city} Jobcentres | 21 January | 388 | To be decided |
| {city} Tax Office | 28 January | 147 | Yes, last year |

## After the meeting

Report the result to us through the link your organiser sends you. It takes two minutes,
and it is how we count nominations against the threshold each candidate needs.

> A branch that meets is a branch that can fight. One that does not is a name on a list.
""",
    "nec": """Our candidates for the national executive are rank-and-file members who still
work in the offices and jobcentres they will represent. None of them is a full-time officer.

## Why we are standing

The executive sets the pay strategy, decides when ballots run and controls the money. Too
often it has called off action just as members were ready for it. We think the members who
do the work should decide.

## The slate

- **President:** {name_a}, {dept} group, 19 years' service.
- **Vice presidents:** {name_b} and {name_c}.
- **Ordinary members:** twenty-two candidates from every group and nation.

## How to help

- Ask your branch AGM to nominate the whole slate. Each nomination counts.
- Share this article in your team chats and with reps in other branches.
- When the ballot papers arrive, vote, and ask three colleagues whether they have.

> "We are not asking for a blank cheque. We are asking for members to be in charge." —
> {name_a}
""",
    "turnout": """The ballot is open and turnout is the number that matters. The law says at
least half of the members balloted must vote, or the result does not count however big
the majority.

## Where we are

Table: Turnout returns reported by branches, week {week}

| Area | Members balloted | Returned so far | Turnout | Target this week |
| --- | ---: | ---: | ---: | ---: |
| {city} | {balloted:,} | {returned:,} | {turnout}% | 35% |
| Regional total | {region_balloted:,} | {region_returned:,} | {region_turnout}% | 35% |

## What works

- Phone banking: a ten-minute call gets more votes than any email.
- Lunchtime stalls in the canteen or car park, with the ballot deadline in big letters.
- A personal message from a rep to each member in their team.
- Checking home addresses: members who moved will not get a paper.

## What does not

Posters alone do not move turnout. Members need to be asked, by name, by someone they know.

> If every rep gets five more votes this week, we are over the threshold.
""",
    "safety": """Members in {city} have told us the same thing for months: too much work, too
few staff and no time to do the job properly. Stress is now the most common reason for
long-term sickness in the office.

## What the law says

The employer must assess the risk of stress just as it assesses a trip hazard, and act on
what it finds. A stress risk assessment is not a wellbeing leaflet.

## What reps can do

1. Ask for the latest stress risk assessment in writing.
2. Run a short survey of members: workload, breaks, targets.
3. Raise the findings at the health and safety committee, with names removed.
4. Keep a record of every meeting and every answer.

Table: Survey of members in {city}, this spring

| Question | Yes | No |
| --- | ---: | ---: |
| I regularly work through my lunch break | 64% | 36% |
| My workload has grown in the last year | 81% | 19% |
| I have considered leaving in the last six months | 47% | 53% |

> "I go home and I can't switch off. I dream about the queue." — an EO in {city}
""",
    "movement": """This week's news is a reminder that we do not organise alone. Workers in the
{dept} are watching what civil servants do, and we are watching them.

## What changed

New rules on ballots and notice periods are coming in stages. Some help us, some do not, and
the dates matter. We keep the rules that apply to our ballots up to date on this site.

## What it means for branches

- Keep member records current: home address, personal email, mobile.
- Make sure every workplace has a rep or at least a contact.
- Talk to other unions on your site; a joint meeting is stronger than two small ones.

> Solidarity is not a word on a banner. It is turning up when another union is on the
> picket line.
""",
}

PLACES = ["Leeds", "Glasgow", "Cardiff", "Newcastle", "Birmingham", "Liverpool", "Belfast",
          "Norwich", "Bristol", "Sheffield"]  # fmt: skip
DEPTS = ["DWP", "HMRC", "Home Office", "DVLA", "Land Registry", "Ministry of Justice"]
NAMES = ["Tunde Adeyemi", "Siobhan Kerr", "Meera Patel", "Dai Thomas", "Ruth Fielding"]

# (title, standfirst, body kind, tags, author slugs)
ARTICLES = [
    (
        "{dept} pay offer: why AOs should vote reject",
        "The offer leaves thousands of AOs below the real living wage once deductions come off.",
        "pay",
        ["pay"],
        ["meera-patel"],
    ),
    (
        "Branch AGMs: a guide for first-timers",
        "What happens at an AGM, how to move a motion and why nominations matter.",
        "agm",
        ["branch-agms"],
        ["ruth-fielding"],
    ),
    (
        "Our slate for the NEC",
        "Rank-and-file candidates for every seat, and how your branch can nominate them.",
        "nec",
        ["nec-elections"],
        ["tunde-adeyemi"],
    ),
    (
        "Turnout week {week}: {city} passes the halfway mark",
        "Phone banks and canteen stalls are working. Here is where every area stands.",
        "turnout",
        ["ballots"],
        ["siobhan-kerr"],
    ),
    (
        "Stress at work: how reps in {city} got a risk assessment",
        "A survey, a committee and a paper trail turned complaints into changes.",
        "safety",
        ["health-and-safety"],
        ["siobhan-kerr"],
    ),
    (
        "What the new ballot rules mean for us",
        "Notice periods and thresholds are changing. The dates matter for every branch.",
        "movement",
        ["trade-unions", "ballots"],
        ["gareth-hughes"],
    ),
    (
        "HMRC pay: the figures behind the headline",
        "A percentage looks generous until you set it against the rent.",
        "pay",
        ["pay", "hmrc"],
        ["dai-thomas"],
    ),
    (
        "{city} branch nominates the full slate",
        "A packed AGM backed every one of our candidates and a motion for a pay ballot.",
        "agm",
        ["branch-agms", "nec-elections"],
        ["tunde-adeyemi"],
    ),
    (
        "Why we need officers on a worker's wage",
        "Our candidates pledge to take the average pay of the members they represent.",
        "nec",
        ["nec-elections"],
        ["meera-patel"],
    ),
    (
        "Ballot turnout: five things that work",
        "Lessons from the branches that beat the threshold last time.",
        "turnout",
        ["ballots"],
        ["ruth-fielding"],
    ),
    (
        "Jobcentre workloads have reached breaking point",
        "Members report longer queues, fewer staff and more aggressive targets.",
        "safety",
        ["health-and-safety", "dwp"],
        ["meera-patel"],
    ),
    (
        "Solidarity with the {dept} strikers",
        "Our members joined the picket line this week. Here is why it matters to us.",
        "movement",
        ["trade-unions"],
        ["dai-thomas"],
    ),
    (
        "The AA grade should not exist on poverty pay",
        "The lowest grade keeps slipping below the legal minimum. It is a choice, not an accident.",
        "pay",
        ["pay", "equality"],
        ["ruth-fielding"],
    ),
    (
        "Motions to conference: what our branches are sending",
        "Pay, office closures and facility time lead the list this year.",
        "agm",
        ["branch-agms"],
        ["gareth-hughes"],
    ),
    (
        "Meet the candidate: {name}",
        "Why a jobcentre EO is standing for the national executive.",
        "nec",
        ["nec-elections", "dwp"],
        ["tunde-adeyemi"],
    ),
    (
        "Turnout week {week}: the push in {city}",
        "The region is close to the line. Every rep's five calls count.",
        "turnout",
        ["ballots"],
        ["siobhan-kerr"],
    ),
    (
        "Heat in the office: what the employer must do",
        "There is no maximum temperature in law, but there is a duty to act.",
        "safety",
        ["health-and-safety"],
        ["siobhan-kerr"],
    ),
    (
        "Facility time under threat again",
        "Cuts to reps' time weaken every branch. Here is how to defend it.",
        "movement",
        ["trade-unions"],
        ["gareth-hughes"],
    ),
    (
        "DWP pay: London staff left behind",
        "Outer and inner London rates have not kept pace with the capital's living wage.",
        "pay",
        ["pay", "dwp"],
        ["meera-patel"],
    ),
    (
        "How to report your AGM's nominations",
        "Two minutes with the link your organiser sends, and your branch counts.",
        "agm",
        ["branch-agms", "nec-elections"],
        ["ruth-fielding"],
    ),
    (
        "Equal pay for equal work, still",
        "Members in the same job are paid differently depending on when they joined.",
        "pay",
        ["pay", "equality"],
        ["dai-thomas"],
    ),
    (
        "The executive that called off the action",
        "What went wrong last time, and how members can make sure it does not happen again.",
        "nec",
        ["nec-elections"],
        ["gareth-hughes"],
    ),
    (
        "Ballot result: what the figures tell us",
        "A big majority and a turnout just short. The lessons for the next vote.",
        "turnout",
        ["ballots"],
        ["tunde-adeyemi"],
    ),
    (
        "Display screen breaks are your right",
        "Regular breaks from the screen are law, not a favour from your manager.",
        "safety",
        ["health-and-safety"],
        ["ruth-fielding"],
    ),
    (
        "{dept} office closures: the fight in {city}",
        "A closure plan would move hundreds of jobs out of town. Members are organising.",
        "movement",
        ["trade-unions"],
        ["dai-thomas"],
    ),
    (
        "EO pay progression: stuck at the bottom",
        "Thousands of EOs have spent years on the minimum of the range.",
        "pay",
        ["pay"],
        ["siobhan-kerr"],
    ),
    (
        "Quorum: how to get members to the AGM",
        "Time off, a good room and a personal invitation make the difference.",
        "agm",
        ["branch-agms"],
        ["meera-patel"],
    ),
    (
        "Hustings: our candidates answer your questions",
        "Four online meetings in the evening, one for each nation.",
        "nec",
        ["nec-elections"],
        ["tunde-adeyemi"],
    ),
    (
        "Why home addresses matter in a postal ballot",
        "Every member who moved and did not tell us is a vote lost.",
        "turnout",
        ["ballots"],
        ["siobhan-kerr"],
    ),
    (
        "Lone working in jobcentres",
        "Security staff cuts leave members exposed. Here is what a risk assessment must cover.",
        "safety",
        ["health-and-safety", "dwp"],
        ["gareth-hughes"],
    ),
    (
        "Pensions: what the changes mean for members over fifty",
        "A plain guide to the new rules and what to check before you decide.",
        "movement",
        ["trade-unions"],
        ["gareth-hughes"],
    ),
    (
        "HMRC contact centres: targets over people",
        "Call-handling targets are driving members off sick. Reps are pushing back.",
        "safety",
        ["health-and-safety", "hmrc"],
        ["dai-thomas"],
    ),
    (
        "A pay claim written by members",
        "How our branches built a claim from their own figures, grade by grade.",
        "pay",
        ["pay", "branch-agms"],
        ["meera-patel"],
    ),
    (
        "Women in the lowest grades pay the price",
        "The grades with the lowest pay are mostly women. Pay policy is an equality issue.",
        "pay",
        ["pay", "equality"],
        ["ruth-fielding"],
    ),
    (
        "New reps: your first month",
        "What to read, who to ask and how to take your first case.",
        "agm",
        ["branch-agms"],
        ["tunde-adeyemi"],
    ),
    (
        "Nominations close soon: where we stand",
        "Most candidates are past the threshold. A few need your branch.",
        "nec",
        ["nec-elections"],
        ["meera-patel"],
    ),
    (
        "Turnout week {week}: the final push",
        "Three days to go and the region is within reach of the threshold.",
        "turnout",
        ["ballots"],
        ["siobhan-kerr"],
    ),
    (
        "Violence at work is never part of the job",
        "Members are being threatened at the counter. The employer must record it and act.",
        "safety",
        ["health-and-safety"],
        ["siobhan-kerr"],
    ),
    (
        "What the strike in {city} won",
        "Six weeks out, and a deal that members voted for. Here is how they did it.",
        "movement",
        ["trade-unions"],
        ["dai-thomas"],
    ),
    (
        "Our answer to the pay remit",
        "The Treasury sets the limit, but we do not have to accept it.",
        "pay",
        ["pay"],
        ["tunde-adeyemi"],
    ),
]


def _params(i: int) -> dict:
    base = 23_000 + (i % 7) * 150
    return {
        "dept": DEPTS[i % len(DEPTS)],
        "city": PLACES[i % len(PLACES)],
        "week": 1 + i % 4,
        "name": NAMES[i % len(NAMES)],
        "name_a": NAMES[i % len(NAMES)],
        "name_b": NAMES[(i + 1) % len(NAMES)],
        "name_c": NAMES[(i + 2) % len(NAMES)],
        "aa": base, "aa_offer": base + 690, "aa_claim": base + 3_000, "aa_staff": 1_400 + i * 7,
        "ao": base + 1_900, "ao_offer": base + 2_600, "ao_claim": base + 5_000,
        "ao_staff": 19_000 + i * 31,
        "eo": base + 5_200, "eo_offer": base + 6_000, "eo_claim": base + 8_500,
        "eo_staff": 39_000 + i * 17,
        "balloted": 2_400 + i * 13, "returned": 900 + i * 11,
        "turnout": round(100 * (900 + i * 11) / (2_400 + i * 13)),
        "region_balloted": 31_000 + i * 101, "region_returned": 10_400 + i * 97,
        "region_turnout": round(100 * (10_400 + i * 97) / (31_000 + i * 101)),
    }  # fmt: skip


def _slug(title: str, n: int) -> str:
    from django.utils.text import slugify

    return f"{slugify(title)[:180]}-{n}" if n >= len(ARTICLES) else slugify(title)[:190]


def load(*, articles: int = 40) -> dict:
    """Create authors, tags and ``articles`` published articles (skipping those already here)."""
    authors = {}
    for name, slug, bio in AUTHORS:
        authors[slug], _ = Author.objects.get_or_create(
            slug=slug, defaults={"name": name, "bio": bio}
        )
    tags = {}
    for name, slug, description in TAGS:
        tags[slug], _ = Tag.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )

    # Each kind of body written a few ways; large sets reuse them (and so
    # article_create_many renders each only once).
    variants = 12
    bodies = {
        (kind, v): body.format(**_params(v))
        for kind, body in BODIES.items()
        for v in range(variants)
    }

    now = timezone.now()
    existing = set(Article.objects.values_list("slug", flat=True))
    new, links_tags, links_authors = [], [], []
    for n in range(articles):
        title_t, standfirst, kind, tag_slugs, author_slugs = ARTICLES[n % len(ARTICLES)]
        params = _params(n)
        title = title_t.format(**params)
        if n >= len(ARTICLES):
            title = f"{title} ({params['city']}, {2026 - n // 400})"
        slug = _slug(title, n)
        if slug in existing:
            continue
        existing.add(slug)
        article = Article(
            title=title,
            slug=slug,
            standfirst=standfirst.format(**params),
            body_markdown=bodies[(kind, n % variants)],
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=6 + n * 19),
        )
        new.append(article)
        links_tags.append([tags[s] for s in tag_slugs] + ([tags["dwp"]] if "DWP" in title else []))
        links_authors.append([authors[s] for s in author_slugs])
    created = article_create_many(articles=new, tags=links_tags, authors=links_authors)
    if created:
        # A demo article has not been edited since it went out.
        Article.objects.filter(pk__in=[a.pk for a in created]).update(updated_at=F("published_at"))
    if len(created) > 1000:
        # Fresh statistics, or the planner may pick a slow plan for the first requests.
        with connection.cursor() as cursor:
            for model in (Article, Article.tags.through, Article.authors.through):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {"articles": len(created), "authors": len(authors), "tags": len(tags)}
