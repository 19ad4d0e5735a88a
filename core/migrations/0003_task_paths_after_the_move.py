"""Point queued and remembered tasks at the modules their functions moved to.

django-tasks-db stores each run's dotted path: a daily retention run queued
by the old code would otherwise fail to import, and a retried contact-link
email would no longer find its "already sent" marker.
"""

from django.db import migrations

MOVED = {
    "campaign.tasks.send_contact_link": "members.tasks.send_contact_link",
    "campaign.retention.enforce_retention_task": "core.retention.enforce_retention_task",
    "campaign.task_recovery.recover_stale_tasks_task": "core.task_recovery.recover_stale_tasks_task",
    "campaign.task_recovery.probe_task": "core.task_recovery.probe_task",
}


def _rename(apps, moves: dict[str, str]) -> None:
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    SentMarker = apps.get_model("core", "SentMarker")
    for old, new in moves.items():
        DBTaskResult.objects.filter(task_path=old).update(task_path=new)
        for marker in SentMarker.objects.filter(key__startswith=f"{old}:"):
            SentMarker.objects.create(key=new + marker.key[len(old) :], sent_at=marker.sent_at)
            marker.delete()


def forwards(apps, schema_editor):
    _rename(apps, MOVED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_ratelimitcounter_sentmarker_from_other_apps"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
