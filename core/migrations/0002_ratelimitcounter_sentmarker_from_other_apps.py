"""Take over the rate-limit counters (from members) and the sent-email markers (campaign).

Both tables keep their rows: the models are added to core's state only, then
their tables are renamed. The counters' content type moves with the model, so
permissions given on it stay given. The markers were a table made by raw SQL
(campaign 0005); they are a model now.
"""

from django.db import migrations, models
import django.utils.timezone


def relabel_content_type(apps, model, old_app, new_app):
    """Give the model's content type (and so its permissions) the new app label.

    New code that ran before this migration (``get_for_model`` in a worker
    started beside the container running ``migrate``) may already have made a
    content type under the new label. Nothing can point at it yet, since the
    model had no table under that label, so it gives way to the old one,
    which holds the permissions and admin history.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label=old_app, model=model)
    if old.exists():
        ContentType.objects.filter(app_label=new_app, model=model).delete()
        old.update(app_label=new_app)


def move_content_types(apps, schema_editor):
    relabel_content_type(apps, "ratelimitcounter", "members", "core")


def move_content_types_back(apps, schema_editor):
    relabel_content_type(apps, "ratelimitcounter", "core", "members")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_cache_table"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0002_consent_ratelimit_member_proof"),
        ("campaign", "0005_sent_email_marker"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateLimitCounter",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=200)),
                        ("window_start", models.DateTimeField()),
                        ("count", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "rate-limit counter",
                        "ordering": ["-window_start"],
                        "db_table": "members_ratelimitcounter",
                        "indexes": [models.Index(fields=["window_start"], name="ratelimit_window_idx")],
                        "constraints": [models.UniqueConstraint(fields=("key", "window_start"), name="ratelimitcounter_unique_window")],
                    },
                ),
                migrations.CreateModel(
                    name="SentMarker",
                    fields=[
                        ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                        ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "verbose_name": "sent-email marker",
                        "ordering": ["-sent_at"],
                        "db_table": "campaign_sent_marker",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="ratelimitcounter", table=None),
        migrations.AlterModelTable(name="sentmarker", table=None),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX campaign_sent_marker_sent_at RENAME TO sentmarker_sent_at_idx",
                    "ALTER INDEX sentmarker_sent_at_idx RENAME TO campaign_sent_marker_sent_at",
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name="sentmarker",
                    index=models.Index(fields=["sent_at"], name="sentmarker_sent_at_idx"),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
