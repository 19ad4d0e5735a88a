"""The role groups' permissions for members' own 'I've voted' reports (issue #20).

National organisers hold every permission; group and regional organisers read
the reports of members in branches in their scope (members.scoping); nobody
but the member makes one. Editors hold no personal data, so nothing. Adds to
the groups members migration 0006 made, by name.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("view", "add", "change", "delete")
READ = ("view",)
GRANTS = {
    "National organisers": {"votepledge": ALL},
    "Group organisers": {"votepledge": READ},
    "Regional organisers": {"votepledge": READ},
}


def grant(apps, schema_editor):
    """Give each role group its report permissions (only ever adding)."""
    using = schema_editor.connection.alias
    config = apps.get_app_config("ballots")
    stub = getattr(config, "models_module", None) is None
    if stub:  # see members 0006: create_permissions skips app configs without models
        config.models_module = True
    create_permissions(config, apps=apps, verbosity=0, using=using)
    if stub:
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in GRANTS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        for model, actions in models.items():
            group.permissions.add(
                *Permission.objects.using(using).filter(
                    content_type__app_label="ballots",
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in GRANTS.items():
        group = Group.objects.using(schema_editor.connection.alias).filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="ballots", content_type__model__in=list(models)
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("ballots", "0007_vote_pledges"),
        ("members", "0006_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
