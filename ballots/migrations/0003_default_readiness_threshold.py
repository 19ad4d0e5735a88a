from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("ballots", "ReadinessThreshold").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("ballots", "0002_load_uk_legal_rules")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
