"""A database built by the old layout migrates to the new one without losing anything.

``data/main-f54fac1-demo.sql.gz`` is a plain pg_dump of a database made by main
f54fac1 (before core/ and config/) with ``migrate``, ``load_demo`` and
``ensure_organiser``, plus what the move must carry along: a "Regional
organisers" group holding every campaign, members and ballots permission, a
regional organiser in it who also holds the four branch-contact-link
permissions directly, three contact links each with an admin log entry, three
queued contact-link emails, a rate-limit counter and a sent-email marker.

The dump is loaded into a scratch database, migrated by this checkout's code in
a subprocess, and compared with what it held before.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.core.scratch_database import connect, load_sql_dump, run_django, scratch_database

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DUMP = Path(__file__).parent / "data" / "main-f54fac1-demo.sql.gz"

# Tables renamed by the move: old name -> new name (the rows stay where they are).
RENAMED_TABLES = {
    "members_ratelimitcounter": "core_ratelimitcounter",
    "campaign_branchcontactlink": "members_branchcontactlink",
    "campaign_sent_marker": "core_sentmarker",
}
# Models whose content type was relabelled: (old app, model) -> new app.
MOVED_MODELS = {
    ("campaign", "branchcontactlink"): "members",
    ("members", "ratelimitcounter"): "core",
}
# Tables the migration may add rows to (never take any from): the migration
# record, a content type and its permissions for each new model, and the
# organisers' groups and grants (members 0006 gives each role a group).
GROWING_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "members_user_groups",
}
# The shared cache (cached pages among them): not data, it may be emptied at any time.
IGNORED_TABLES = {"cache_entries"}

OLD_TASK_PATH = "campaign.tasks.send_contact_link"
NEW_TASK_PATH = "members.tasks.send_contact_link"
LINK_PERMISSIONS = {
    f"members.{action}_branchcontactlink" for action in ("view", "add", "change", "delete")
}


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, set[str]]  # table -> its rows' primary keys, as text
    content_types: dict[tuple[str, str], int]  # (app_label, model) -> id
    permissions: set[tuple[str, str, str]]  # (holder, "app_label.model", codename)
    log_entries: dict[int, tuple[str, str]]  # id -> (app_label, model)
    task_paths: dict[str, str]  # task id -> task_path


PRIMARY_KEYS = """
SELECT c.relname, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
WHERE i.indisprimary AND n.nspname = 'public'
GROUP BY c.relname
"""

PERMISSION_HOLDERS = """
SELECT 'group ' || g.name, ct.app_label, ct.model, p.codename
FROM auth_group g
JOIN auth_group_permissions gp ON gp.group_id = g.id
JOIN auth_permission p ON p.id = gp.permission_id
JOIN django_content_type ct ON ct.id = p.content_type_id
UNION ALL
SELECT 'user ' || u.username, ct.app_label, ct.model, p.codename
FROM members_user u
JOIN members_user_user_permissions up ON up.user_id = u.id
JOIN auth_permission p ON p.id = up.permission_id
JOIN django_content_type ct ON ct.id = p.content_type_id
"""


def snapshot(name: str, *, moved: dict[tuple[str, str], str] | None = None) -> Snapshot:
    """Read what the comparison needs from database `name`.

    With `moved`, content-type app labels are translated as the migration
    relabels them, so a snapshot of the old database reads like the new one.
    """
    moved = moved or {}

    def label(app: str, model: str) -> str:
        return moved.get((app, model), app)

    with connect(name) as conn:
        tables = [
            table
            for (table,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        primary_keys = dict(conn.execute(PRIMARY_KEYS).fetchall())
        rows = {}
        for t in tables:
            key = primary_keys.get(t) or f'"{t}".*'  # a table without one: whole rows
            rows[t] = {row for (row,) in conn.execute(f'SELECT ROW({key})::text FROM "{t}"')}
        content_types = {
            (label(app, model), model): pk
            for pk, app, model in conn.execute(
                "SELECT id, app_label, model FROM django_content_type"
            )
        }
        permissions = {
            (holder, f"{label(app, model)}.{model}", codename)
            for holder, app, model, codename in conn.execute(PERMISSION_HOLDERS)
        }
        log_entries = {
            pk: (label(app, model), model)
            for pk, app, model in conn.execute(
                "SELECT l.id, ct.app_label, ct.model FROM django_admin_log l "
                "JOIN django_content_type ct ON ct.id = l.content_type_id"
            )
        }
        task_paths = dict(
            conn.execute("SELECT id::text, task_path FROM django_tasks_database_dbtaskresult")
        )
    return Snapshot(rows, content_types, permissions, log_entries, task_paths)


@dataclass(frozen=True)
class Migrated:
    name: str
    before: Snapshot  # the old database, read as the new layout should see it
    after: Snapshot


def migrate(name: str) -> None:
    """Run this checkout's ``manage.py migrate`` on database `name`; fail the test if it fails."""
    result = run_django(["manage.py", "migrate", "--noinput"], name)
    if result.returncode != 0:
        pytest.fail(f"migrate failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="module")
def old_database(django_db_setup):
    """The old main's demo database, loaded once: each test migrates a copy."""
    with scratch_database("oldlayout") as name:
        load_sql_dump(DUMP, name)
        yield name


@pytest.fixture(scope="module")
def migrated(old_database):
    """A copy of the old demo database, migrated by this checkout's code."""
    with scratch_database("migrated", template=old_database) as name:
        before = snapshot(name, moved=MOVED_MODELS)
        migrate(name)
        yield Migrated(name, before, snapshot(name))


def old_rows_as_migrated(before: Snapshot) -> dict[str, set[str]]:
    """Return the old database's rows under the names the migration gives them."""
    rows = {RENAMED_TABLES.get(table, table): keys for table, keys in before.rows.items()}
    # A sent marker's key starts with its task's path, which moved.
    rows["core_sentmarker"] = {
        key.replace(f"({OLD_TASK_PATH}:", f"({NEW_TASK_PATH}:") for key in rows["core_sentmarker"]
    }
    for table in IGNORED_TABLES:
        rows.pop(table, None)
    return rows


def test_every_row_of_every_table_is_kept(migrated):
    """Every row of every table of the old database is there after the migration, and no more.

    Rows are matched by primary key, renamed tables under their new names.
    Only the migration record, content types, permissions and groups may gain
    rows; the cache is not data.
    """
    before = old_rows_as_migrated(migrated.before)
    after = migrated.after.rows
    assert sorted(set(before) - set(after)) == [], "tables lost"
    lost = {t: sorted(keys - after[t])[:5] for t, keys in before.items() if keys - after[t]}
    assert lost == {}, "rows lost"
    added = {
        t: len(after[t]) - len(keys)
        for t, keys in before.items()
        if t not in GROWING_TABLES and len(after[t]) != len(keys)
    }
    assert added == {}, "rows added"


def test_content_types_move_with_their_models(migrated):
    """A moved model keeps its content type row (same id): nothing is left under the old app."""
    before, after = migrated.before.content_types, migrated.after.content_types
    assert not any(app == "campaign" and model == "branchcontactlink" for app, model in after)
    assert after[("members", "branchcontactlink")] == before[("members", "branchcontactlink")]
    assert after[("core", "ratelimitcounter")] == before[("core", "ratelimitcounter")]
    assert {key: after.get(key) for key in before} == before, "a content type changed id"


def test_organisers_keep_every_permission(migrated):
    """Every group and user keeps every permission it held, named after the models' new apps."""
    after = migrated.after.permissions
    assert sorted(migrated.before.permissions - after) == []
    link = {("members.branchcontactlink", p.removeprefix("members.")) for p in LINK_PERMISSIONS}
    assert {(model, codename) for h, model, codename in after if h == "user regional"} == link
    assert link <= {
        (model, codename) for h, model, codename in after if h == "group Regional organisers"
    }


def test_admin_log_entries_follow_the_moved_model(migrated):
    """The contact links' admin history points at members.branchcontactlink."""
    entries = migrated.after.log_entries
    assert entries == migrated.before.log_entries
    assert sorted(entries.values()) == [("members", "branchcontactlink")] * 3


def test_queued_tasks_and_sent_markers_use_the_new_module_paths(migrated):
    """Queued contact-link emails and their sent marker name the task's new module."""
    assert sorted(migrated.before.task_paths.values()) == [OLD_TASK_PATH] * 3
    assert migrated.after.task_paths == dict.fromkeys(migrated.before.task_paths, NEW_TASK_PATH)
    with connect(migrated.name) as conn:
        markers = [key for (key,) in conn.execute("SELECT key FROM core_sentmarker")]
        counters = conn.execute("SELECT key, count FROM core_ratelimitcounter").fetchall()
    assert markers == [f"{NEW_TASK_PATH}:fixture"]
    assert counters == [("join:fixture", 3)]


def test_the_migrated_site_serves_the_same_pages(migrated):
    """Public pages answer 200, and the regional organiser lists their region's contact links."""
    result = run_django(["-m", "tests.core.serve_migrated_site"], migrated.name)
    assert result.returncode == 0, result.stderr[-4000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])

    assert served["pages"] == dict.fromkeys(served["pages"], 200)
    assert len(served["pages"]) == 7
    assert served["admin_list"]["status"] == 200
    for contact in ("Contact HOME-0010", "Contact COMM-0020", "Contact DWP-0030"):
        assert contact in served["admin_list"]["html"]
    assert set(served["regional"]["group_permissions"]) >= LINK_PERMISSIONS
    assert set(served["regional"]["user_permissions"]) == LINK_PERMISSIONS


def test_content_types_made_early_by_new_code_give_way_to_the_moved_ones(old_database):
    """A content type already under a moved model's new label does not stop the migration.

    New code running before ``migrate`` (a worker started beside it, calling
    ``get_for_model``) makes one; the moved content type, holding the
    permissions and admin history, replaces it.
    """
    with scratch_database("early", template=old_database) as name:
        before = snapshot(name, moved=MOVED_MODELS)
        with connect(name) as conn:
            conn.execute(
                "INSERT INTO django_content_type (app_label, model) "
                "VALUES ('members', 'branchcontactlink'), ('core', 'ratelimitcounter')"
            )
        migrate(name)
        after = snapshot(name)
    assert {key: after.content_types.get(key) for key in before.content_types} == (
        before.content_types
    )
    assert sorted(before.permissions - after.permissions) == []
    assert after.log_entries == before.log_entries
