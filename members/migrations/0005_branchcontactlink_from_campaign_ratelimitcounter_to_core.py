"""The branch-contact link moves here from campaign; the rate-limit counter goes to core.

No rows move: the link's table is renamed, its content type (and so every
permission and admin log entry that points at it) is relabelled, and the
counter leaves members' state only (core 0002 takes its table).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def relabel_content_type(apps, model, old_app, new_app):
    """Give the model's content type (and so its permissions and log entries) the new label.

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
    relabel_content_type(apps, "branchcontactlink", "campaign", "members")


def move_content_types_back(apps, schema_editor):
    relabel_content_type(apps, "branchcontactlink", "members", "campaign")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_member_group"),
        ("campaign", "0006_scrub_contact_link_tokens_from_task_queue"),
        ("core", "0002_ratelimitcounter_sentmarker_from_other_apps"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RateLimitCounter"),
                migrations.CreateModel(
                    name="BranchContactLink",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("contact_name", models.CharField(max_length=200)),
                        ("email", models.EmailField(max_length=254)),
                        ("token_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("branch", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="contact_links", to="members.branch")),
                        ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="contact_links_created", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "branch contact link",
                        "ordering": ["-created_at"],
                        "db_table": "campaign_branchcontactlink",
                        "constraints": [models.CheckConstraint(condition=models.Q(("expires_at__gt", models.F("created_at"))), name="branchcontactlink_expires_after_created")],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="branchcontactlink", table=None),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
