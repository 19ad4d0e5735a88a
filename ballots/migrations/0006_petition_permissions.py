"""The role groups' permissions for petitions and their signatures (issue #20).

National organisers write petitions and hold every signature permission;
group and regional organisers read petitions (those tied to a structure test
in their scope, and the faction-wide ones) and the signatures naming a branch
in their scope (members.scoping). Editors hold no personal data, so nothing.
Adds to the groups members migration 0006 made, by name.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("view", "add", "change", "delete")
READ = ("view",)
GRANTS = {
    "National organisers": {"petition": ALL, "petitionsignature": ALL},
    "Group organisers": {"petition": READ, "petitionsignature": READ},
    "Regional organisers": {"petition": READ, "petitionsignature": READ},
}


def grant(apps, schema_editor):
    """Give each role group its petition permissions (only ever adding)."""
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
        ("ballots", "0005_petitions"),
        ("members", "0006_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
