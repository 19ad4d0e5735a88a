"""One auth group per role, holding the model permissions that role needs.

The admin now asks every organiser for Django's model permission as well as
the scope (members/scoping.py); until now the campaign admin and the contact
links let any organiser in without one. These groups give each role what the
code let it do, as data: national organisers every permission of the
campaign, ballots and members apps (accounts and roles included); group and
regional organisers the table below; editors every articles permission.
Every staff user joins their role's group (``User.save`` keeps it so).

Groups that already exist under these names keep the permissions they hold:
this only adds. Undoing it removes nothing, since organisers may have relied
on those groups before.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_GROUPS = {
    "national": "National organisers",
    "group": "Group organisers",
    "regional": "Regional organisers",
    "editor": "Editors",
}

ALL = ("view", "add", "change", "delete")
VIEW = ("view",)

# What group and regional organisers may do to each model: (group, regional).
# Rows of the whole union (structure, notice rules, the law, thresholds) are
# read-only for them; so are records (reports, consent); regional organisers
# cannot make units (a unit belongs to a group).
ORGANISERS = {
    "campaign.election": (ALL, ALL),
    "campaign.position": (ALL, ALL),
    "campaign.reservedseatrule": (ALL, ALL),
    "campaign.candidate": (ALL, ALL),
    "campaign.noticerule": (VIEW, VIEW),
    "campaign.branchmeeting": (ALL, ALL),
    "campaign.nomination": (ALL, ALL),
    "campaign.nominationreport": (VIEW, VIEW),
    "ballots.legalrule": (VIEW, VIEW),
    "ballots.readinessthreshold": (VIEW, VIEW),
    "ballots.bargainingunit": (ALL, VIEW),
    "ballots.unitbranch": (ALL, VIEW),
    "ballots.branchreadiness": (ALL, ALL),
    "ballots.structuretest": (ALL, ALL),
    "ballots.structuretestprogress": (ALL, ALL),
    "ballots.ballot": (ALL, ALL),
    "ballots.ballotunit": (ALL, ALL),
    "ballots.actiondate": (ALL, ALL),
    "ballots.turnoutreturn": (ALL, ALL),
    "members.group": (VIEW, VIEW),
    "members.region": (VIEW, VIEW),
    "members.branch": (VIEW, VIEW),
    "members.workplace": (VIEW, VIEW),
    "members.member": (ALL, ALL),
    "members.consent": (VIEW, VIEW),
    "members.consentwording": (VIEW, VIEW),
    "members.branchcontactlink": (ALL, ALL),
}


def create_role_groups(apps, schema_editor):
    """Create each role's group and give it its permissions (only ever adding)."""
    using = schema_editor.connection.alias if schema_editor else "default"
    # Django makes permissions after the last migration; the groups need them now.
    # A migration's app configs are stubs without a models module, which
    # create_permissions() would skip: lend them one for the call.
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        if stub:
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(app_label, model=None, actions=ALL):
        found = Permission.objects.using(using).filter(content_type__app_label=app_label)
        if model is not None:
            found = found.filter(codename__in=[f"{action}_{model}" for action in actions])
        return list(found)

    grants = {role: [] for role in ROLE_GROUPS}
    for app_label in ("campaign", "ballots", "members"):
        grants["national"] += permissions(app_label)
    grants["editor"] += permissions("articles")
    for label, (group_actions, regional_actions) in ORGANISERS.items():
        app_label, model = label.split(".")
        grants["group"] += permissions(app_label, model, group_actions)
        grants["regional"] += permissions(app_label, model, regional_actions)
    for role, name in ROLE_GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*grants[role])


def put_staff_in_role_groups(apps, schema_editor):
    """Every staff user joins their role's group."""
    using = schema_editor.connection.alias if schema_editor else "default"
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("members", "User")
    for role, name in ROLE_GROUPS.items():
        group = Group.objects.using(using).get(name=name)
        for user in User.objects.using(using).filter(is_staff=True, role=role):
            user.groups.add(group)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_branchcontactlink_from_campaign_ratelimitcounter_to_core"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Their models' permissions go into the groups.
        ("articles", "0005_rank_vector"),
        ("ballots", "0004_legalrule_decided_by_ballot_closes"),
        ("campaign", "0007_branchcontactlink_to_members"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
        migrations.RunPython(put_staff_in_role_groups, migrations.RunPython.noop),
    ]
