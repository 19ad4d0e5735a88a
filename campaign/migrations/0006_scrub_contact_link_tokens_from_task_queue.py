"""Take raw contact-link tokens out of the task queue's table.

Until this migration, ``send_contact_link`` was queued with the raw token as
an argument, so every queued or finished run kept a working link in
django_tasks_db's ``args_kwargs``. The task now takes the link's id only and
makes the token when it sends. This rewrites each stored run to the new
arguments: a run still waiting sends the link with a fresh token, a finished
one keeps its history without the token.
"""

from django.db import migrations

TASK_PATH = "campaign.tasks.send_contact_link"


def scrub(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for row in DBTaskResult.objects.filter(task_path=TASK_PATH).only("id", "args_kwargs"):
        args = list(row.args_kwargs.get("args") or [])
        kwargs = dict(row.args_kwargs.get("kwargs") or {})
        link_id = args[0] if args else kwargs.get("link_id")
        dedupe_key = kwargs.get("dedupe_key") or f"link-{link_id}"
        row.args_kwargs = {"args": [link_id], "kwargs": {"dedupe_key": dedupe_key}}
        row.save(update_fields=["args_kwargs"])


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0005_sent_email_marker"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
