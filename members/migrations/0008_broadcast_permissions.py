"""The role groups' permissions for email broadcasts (issue #19).

National organisers hold every permission of the three new models, as they
hold every other members permission (migration 0006). Group and regional
organisers write, send and delete (drafts only: the admin refuses the rest)
broadcasts to members in their own group or region, which they already see
and may export; they get no permission on the suppression list (addresses of
every scope) or on delivery rows (they read their broadcasts' progress and
failures through the broadcast). Editors hold no personal data, so nothing.
There is no branch-level organiser role: branch contacts are not users.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("view", "add", "change", "delete")
GRANTS = {
    "National organisers": {"broadcast": ALL, "broadcastdelivery": ALL, "suppression": ALL},
    "Group organisers": {"broadcast": ALL},
    "Regional organisers": {"broadcast": ALL},
}


def grant(apps, schema_editor):
    """Give each role group its broadcast permissions (only ever adding)."""
    using = schema_editor.connection.alias if schema_editor else "default"
    config = apps.get_app_config("members")
    stub = getattr(config, "models_module", None) is None
    if stub:  # see 0006: create_permissions skips app configs without models
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
                    content_type__app_label="members",
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
                    content_type__app_label="members", content_type__model__in=list(models)
                )
            )


class Migration(migrations.Migration):
    dependencies = [("members", "0007_broadcasts")]

    operations = [migrations.RunPython(grant, revoke)]
