"""Load UK industrial-action ballot law as published by the end of August 2026.

Rows, not constants: organisers add a row when the law moves. Dates given as
1 March 2017 for long-standing duties are the floor this app needs (the
Trade Union Act 2016 changes commenced then), not the duty's first commencement.
"""

import datetime as dt

from django.db import migrations

TUA_2016 = dt.date(2017, 3, 1)
ERA_2025_FEB = dt.date(2026, 2, 18)

RULES = [
    # kind, value, by agreement, text, effective_from, decided_by, status, source
    (
        "turnout", 50, None, "", TUA_2016, "ballot_opens", "in_force",
        "Trade Union Act 2016 s.2 (TULRCA 1992 s.226(2)(a)(iii)): at least 50% of those "
        "entitled to vote must vote. In force for ballots opening on or after 1 March 2017.",
    ),
    (
        "turnout", None, None, "", None, "ballot_opens", "enacted",
        "Employment Rights Act 2025 repeals the 50% turnout threshold. Commencement not "
        "confirmed; expected alongside electronic balloting.",
    ),
    (
        "support_ips", 40, None, "", TUA_2016, "ballot_opens", "in_force",
        "Trade Union Act 2016 s.3 (TULRCA 1992 s.226(2A)-(2F)): where most of those entitled "
        "work in important public services (health, education, fire, transport, border "
        "security, nuclear decommissioning), at least 40% of all entitled must vote yes.",
    ),
    (
        "support_ips", None, None, "", ERA_2025_FEB, "ballot_opens", "in_force",
        "Employment Rights Act 2025: the 40% support threshold is repealed for ballots "
        "opening on or after 18 February 2026.",
    ),
    (
        "notice_of_ballot", 7, None, "", TUA_2016, "ballot_opens", "in_force",
        "TULRCA 1992 s.226A: notice of the ballot must reach the employer at least 7 days "
        "before the opening day. Unchanged by the Employment Rights Act 2025.",
    ),
    (
        "sample_paper", 3, None, "", TUA_2016, "ballot_opens", "in_force",
        "TULRCA 1992 s.226A: a sample voting paper must reach the employer at least 3 days "
        "before the opening day. Unchanged by the Employment Rights Act 2025.",
    ),
    (
        "notice_of_action", 14, 7, "", TUA_2016, "notice_received", "in_force",
        "Trade Union Act 2016 s.8 (TULRCA 1992 s.234A): 14 days' notice of industrial "
        "action, or 7 days if the employer agrees.",
    ),
    (
        "notice_of_action", 10, None, "", ERA_2025_FEB, "notice_received", "in_force",
        "Employment Rights Act 2025: 10 days' notice of industrial action for notices the "
        "employer receives on or after 18 February 2026. (No by-agreement figure recorded: "
        "add one here if it applies.)",
    ),
    (
        "mandate_length", 6, 9, "", TUA_2016, "ballot_opens", "in_force",
        "Trade Union Act 2016 s.9 (TULRCA 1992 s.234): the mandate lasts 6 months beginning "
        "with the date of the ballot (its close), or 9 months if the employer agrees.",
    ),
    (
        "mandate_length", 12, None, "", ERA_2025_FEB, "ballot_opens", "in_force",
        "Employment Rights Act 2025: 12 months for ballots opening on or after "
        "18 February 2026.",
    ),
    (
        "voting_method", None, None, "Postal only", TUA_2016, "ballot_opens", "in_force",
        "TULRCA 1992 s.230: voting by post only.",
    ),
    (
        "voting_method", None, None, "Electronic, hybrid and workplace voting permitted",
        None, "ballot_opens", "enacted",
        "Employment Rights Act 2025: electronic, hybrid and workplace balloting; the order "
        "was laid in June 2026, commencement date not yet confirmed.",
    ),
]


def load(apps, schema_editor):
    LegalRule = apps.get_model("ballots", "LegalRule")
    for kind, value, agreed, text, start, decided_by, status, source in RULES:
        LegalRule.objects.get_or_create(
            kind=kind,
            effective_from=start,
            status=status,
            defaults={
                "value": value,
                "value_by_agreement": agreed,
                "text": text,
                "decided_by": decided_by,
                "source": source,
            },
        )


def unload(apps, schema_editor):
    LegalRule = apps.get_model("ballots", "LegalRule")
    for kind, _v, _a, _t, start, _d, status, _s in RULES:
        LegalRule.objects.filter(kind=kind, effective_from=start, status=status).delete()


class Migration(migrations.Migration):
    dependencies = [("ballots", "0001_bargaining_units_readiness_ballots_turnout")]

    operations = [migrations.RunPython(load, unload)]
