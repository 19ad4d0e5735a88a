"""A table of "this email has gone" markers, so a task run twice sends once.

A plain table and no model: only ``campaign.task_recovery.send_once`` reads
and writes it, with one INSERT ... ON CONFLICT, and nothing in the admin or
the ORM needs it. The key holds a task path and a task id (or a key the
enqueuer chose), never an address or a name.
"""

from django.db import migrations

CREATE = """
CREATE TABLE campaign_sent_marker (
    key varchar(200) PRIMARY KEY,
    sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaign_sent_marker_sent_at ON campaign_sent_marker (sent_at);
"""

DROP = "DROP TABLE IF EXISTS campaign_sent_marker;"


class Migration(migrations.Migration):
    dependencies = [("campaign", "0004_nomination_rules_per_branch")]

    operations = [migrations.RunSQL(CREATE, DROP)]
