from django.db import migrations

# A *branch* may nominate no more candidates for a position than it has seats,
# and a candidate only once, however many general meetings (an AGM and an EGM)
# it holds in one election. 0003 counted per meeting; this counts across every
# meeting of the branch. A unique constraint cannot reach the branch through
# campaign_branchmeeting, so the trigger checks the duplicate too.
#
# Only active nominations count: a nomination superseded by a later report
# (superseded_by_id set) neither takes a seat nor blocks a name.
#
# The trigger locks the branch row (FOR NO KEY UPDATE, which does not block
# foreign-key checks of rows that refer to the branch), so two reports for the
# same branch arriving at once, even for different meetings, are counted one
# after the other instead of both seeing room for one more.
#
# A second trigger refuses moving a meeting to another branch when its
# nominations would then break either rule at the new branch.
RULES_TRIGGER = """
CREATE OR REPLACE FUNCTION campaign_nomination_rules() RETURNS trigger AS $$
DECLARE
    branch bigint;
    taken integer;
    cap integer;
BEGIN
    IF NEW.superseded_by_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT branch_id INTO branch FROM campaign_branchmeeting WHERE id = NEW.meeting_id;
    PERFORM 1 FROM members_branch WHERE id = branch FOR NO KEY UPDATE;
    IF NEW.candidate_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM campaign_candidate
        WHERE id = NEW.candidate_id AND position_id = NEW.position_id
    ) THEN
        RAISE EXCEPTION 'nomination_candidate_for_position: candidate % does not stand for position %',
            NEW.candidate_id, NEW.position_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'nomination_candidate_for_position';
    END IF;
    IF EXISTS (
        SELECT 1 FROM campaign_nomination n
        JOIN campaign_branchmeeting m ON m.id = n.meeting_id
        WHERE m.branch_id = branch
          AND n.position_id = NEW.position_id
          AND n.superseded_by_id IS NULL
          AND n.id IS DISTINCT FROM NEW.id
          AND (
            (NEW.candidate_id IS NOT NULL AND n.candidate_id = NEW.candidate_id)
            OR (NEW.candidate_id IS NULL AND n.candidate_id IS NULL
                AND lower(n.other_name) = lower(NEW.other_name))
          )
    ) THEN
        RAISE EXCEPTION 'nomination_once_per_branch: branch % has already nominated this candidate for position %',
            branch, NEW.position_id
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'nomination_once_per_branch';
    END IF;
    SELECT seats INTO cap FROM campaign_position WHERE id = NEW.position_id;
    SELECT count(*) INTO taken FROM campaign_nomination n
        JOIN campaign_branchmeeting m ON m.id = n.meeting_id
        WHERE m.branch_id = branch
          AND n.position_id = NEW.position_id
          AND n.superseded_by_id IS NULL
          AND n.id IS DISTINCT FROM NEW.id;
    IF taken >= cap THEN
        RAISE EXCEPTION 'nomination_within_seats: a branch may nominate no more than % for this position', cap
            USING ERRCODE = 'check_violation', CONSTRAINT = 'nomination_within_seats';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS nomination_within_seats ON campaign_nomination;
CREATE TRIGGER nomination_within_seats
    BEFORE INSERT OR UPDATE OF meeting_id, position_id, candidate_id, other_name, superseded_by_id
    ON campaign_nomination
    FOR EACH ROW EXECUTE FUNCTION campaign_nomination_rules();

CREATE OR REPLACE FUNCTION campaign_meeting_branch_rules() RETURNS trigger AS $$
BEGIN
    IF NEW.branch_id IS NOT DISTINCT FROM OLD.branch_id THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM members_branch WHERE id = NEW.branch_id FOR NO KEY UPDATE;
    IF EXISTS (
        SELECT 1 FROM campaign_nomination moved
        JOIN campaign_nomination n ON n.position_id = moved.position_id
        JOIN campaign_branchmeeting m ON m.id = n.meeting_id
        WHERE moved.meeting_id = NEW.id
          AND moved.superseded_by_id IS NULL
          AND n.superseded_by_id IS NULL
          AND m.branch_id = NEW.branch_id
          AND m.id <> NEW.id
          AND (
            n.candidate_id = moved.candidate_id
            OR (n.candidate_id IS NULL AND moved.candidate_id IS NULL
                AND lower(n.other_name) = lower(moved.other_name))
          )
    ) THEN
        RAISE EXCEPTION 'nomination_once_per_branch: branch % has already nominated a candidate this meeting nominated',
            NEW.branch_id
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'nomination_once_per_branch';
    END IF;
    IF EXISTS (
        SELECT 1 FROM campaign_nomination n
        JOIN campaign_branchmeeting m ON m.id = n.meeting_id
        JOIN campaign_position p ON p.id = n.position_id
        WHERE n.superseded_by_id IS NULL
          AND (m.branch_id = NEW.branch_id OR m.id = NEW.id)
          AND n.position_id IN (
            SELECT position_id FROM campaign_nomination
            WHERE meeting_id = NEW.id AND superseded_by_id IS NULL
          )
        GROUP BY n.position_id, p.seats
        HAVING count(*) > p.seats
    ) THEN
        RAISE EXCEPTION 'nomination_within_seats: branch % would nominate more candidates than seats',
            NEW.branch_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'nomination_within_seats';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER branchmeeting_nominations_follow_branch
    BEFORE UPDATE OF branch_id ON campaign_branchmeeting
    FOR EACH ROW EXECUTE FUNCTION campaign_meeting_branch_rules();
"""

# Back to 0003's per-meeting trigger.
PER_MEETING_TRIGGER = """
DROP TRIGGER IF EXISTS branchmeeting_nominations_follow_branch ON campaign_branchmeeting;
DROP FUNCTION IF EXISTS campaign_meeting_branch_rules();

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

DROP TRIGGER IF EXISTS nomination_within_seats ON campaign_nomination;
CREATE TRIGGER nomination_within_seats
    BEFORE INSERT OR UPDATE OF meeting_id, position_id, candidate_id, superseded_by_id
    ON campaign_nomination
    FOR EACH ROW EXECUTE FUNCTION campaign_nomination_rules();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0003_nomination_seat_trigger_notice_rules"),
        ("members", "0001_structure_people_audit"),
    ]

    operations = [migrations.RunSQL(RULES_TRIGGER, PER_MEETING_TRIGGER)]
