"""The branch-contact link now lives in members (members 0005 took its table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0006_scrub_contact_link_tokens_from_task_queue"),
        ("members", "0005_branchcontactlink_from_campaign_ratelimitcounter_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The foreign key already points at the renamed table.
            state_operations=[
                migrations.AlterField(
                    model_name="nominationreport",
                    name="link",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="reports",
                        to="members.branchcontactlink",
                    ),
                ),
                migrations.DeleteModel(name="BranchContactLink"),
            ],
        ),
    ]
