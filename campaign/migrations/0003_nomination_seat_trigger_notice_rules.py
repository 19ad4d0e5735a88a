from django.db import migrations

# A branch meeting may nominate no more candidates for a position than it has
# seats. A constraint cannot count rows, so a trigger does; it first locks the
# meeting row, so two reports for one meeting arriving at once are counted one
# after the other instead of both seeing room for one more.
SEATS_TRIGGER = """
CREATE OR REPLACE FUNCTION campaign_nomination_rules() RETURNS trigger AS $$
DECLARE
    taken integer;
    cap integer;
BEGIN
    IF NEW.superseded_by_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM campaign_branchmeeting WHERE id = NEW.meeting_id FOR UPDATE;
    IF NEW.candidate_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM campaign_candidate
        WHERE id = NEW.candidate_id AND position_id = NEW.position_id
    ) THEN
        RAISE EXCEPTION 'nomination_candidate_for_position: candidate % does not stand for position %',
            NEW.candidate_id, NEW.position_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'nomination_candidate_for_position';
    END IF;
    SELECT seats INTO cap FROM campaign_position WHERE id = NEW.position_id;
    SELECT count(*) INTO taken FROM campaign_nomination
        WHERE meeting_id = NEW.meeting_id
          AND position_id = NEW.position_id
          AND superseded_by_id IS NULL
          AND id IS DISTINCT FROM NEW.id;
    IF taken >= cap THEN
        RAISE EXCEPTION 'nomination_within_seats: a branch may nominate no more than % for this position', cap
            USING ERRCODE = 'check_violation', CONSTRAINT = 'nomination_within_seats';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER nomination_within_seats
    BEFORE INSERT OR UPDATE OF meeting_id, position_id, candidate_id, superseded_by_id
    ON campaign_nomination
    FOR EACH ROW EXECUTE FUNCTION campaign_nomination_rules();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS nomination_within_seats ON campaign_nomination;
DROP FUNCTION IF EXISTS campaign_nomination_rules();
"""

NOTICE_RULES = [
    ("Members told of the meeting", 28),
    ("Nominations and motions in", 14),
    ("Meeting papers out", 7),
]


def add_notice_rules(apps, schema_editor):
    NoticeRule = apps.get_model("campaign", "NoticeRule")
    for label, days in NOTICE_RULES:
        NoticeRule.objects.get_or_create(
            label=label, applies_to="", defaults={"amount": days, "unit": "days"}
        )


def remove_notice_rules(apps, schema_editor):
    NoticeRule = apps.get_model("campaign", "NoticeRule")
    NoticeRule.objects.filter(label__in=[label for label, _ in NOTICE_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("campaign", "0002_elections_slates_nominations")]

    operations = [
        migrations.RunSQL(SEATS_TRIGGER, DROP_TRIGGER),
        migrations.RunPython(add_notice_rules, remove_notice_rules),
    ]
