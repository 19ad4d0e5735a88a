"""Backup and restore: a populated database survives a round trip exactly."""

import hashlib
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from core import backup
from members.models import Member
from tests.factories import BranchFactory, MemberFactory, WorkplaceFactory

pytestmark = [
    pytest.mark.usefixtures("two_factor_on"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]


def _tables() -> list[str]:
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.app_label != "django_tasks_database"
    )


def _connect(name: str):
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host")
    return psycopg.connect(
        dbname=name,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=host or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def _fingerprint(name: str) -> tuple[dict, str]:
    """Row count of every table and an md5 of the ordered member emails."""
    with _connect(name) as conn:
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables()}
        emails = conn.execute(f'SELECT email FROM "{Member._meta.db_table}" ORDER BY id').fetchall()
    digest = hashlib.md5("\n".join(e for (e,) in emails).encode(), usedforsecurity=False)
    return counts, digest.hexdigest()


@pytest.fixture
def populated():
    branches = [BranchFactory() for _ in range(5)]
    for branch in branches:
        WorkplaceFactory(branch=branch)
    for i in range(120):
        MemberFactory(branch=branches[i % 5], email=f"person{i}-ñ@example.org")
    return branches


@pytest.fixture
def scratch_db():
    name = f"restore_check_{uuid.uuid4().hex[:10]}"
    yield name
    backup.drop_database(name)


def test_backup_then_restore_into_a_fresh_database_is_identical(populated, scratch_db, tmp_path):
    """Row counts of every table and the checksum of member emails match after restore."""
    dump = tmp_path / "site.dump"
    call_command("backup_db", "--output", str(dump))
    assert dump.stat().st_size > 0
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    call_command("restore_db", str(dump), "--into", scratch_db, "--create")

    before = _fingerprint(connection.settings_dict["NAME"])
    after = _fingerprint(scratch_db)
    assert before[0][Member._meta.db_table] == 120
    assert after == before


def test_restore_refuses_a_missing_file(scratch_db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No such backup file"):
        call_command("restore_db", "/nonexistent.dump", "--into", scratch_db, "--create")


def test_restore_of_a_broken_file_changes_nothing(populated, scratch_db, tmp_path):
    """A damaged dump fails loudly and leaves the target as it was (single transaction)."""
    from django.core.management import CommandError

    good = tmp_path / "good.dump"
    call_command("backup_db", "--output", str(good))
    call_command("restore_db", str(good), "--into", scratch_db, "--create")
    before = _fingerprint(scratch_db)
    broken = tmp_path / "broken.dump"
    data = good.read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError):
        call_command("restore_db", str(broken), "--into", scratch_db)
    assert _fingerprint(scratch_db) == before


def test_binaries_match_the_embedded_server():
    """On the embedded server the bundled pg_dump is used (its version matches)."""
    path = Path(backup.pg_binary("pg_dump"))
    assert path.name == "pg_dump"
    assert path.is_file()
