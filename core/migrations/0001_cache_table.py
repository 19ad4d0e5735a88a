from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The shared page cache and rate-limit counters live in PostgreSQL unless
    # REDIS_URL is set; createcachetable is a no-op for other backends and for
    # a table that exists (databases made before core/ had it from campaign).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
