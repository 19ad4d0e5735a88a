"""Backups: rotation (7 daily, 4 weekly), files mode 600 from the start, --check."""

import stat
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from core import backup


def test_rotation_keeps_seven_daily_and_four_weekly():
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    # Two backups a day for 60 days.
    stamps = [start + timedelta(hours=12 * i) for i in range(120)]
    keep = backup.to_keep(stamps, daily=7, weekly=4)
    newest = max(stamps)
    days = sorted({s.date() for s in keep}, reverse=True)
    assert days[:7] == [(newest - timedelta(days=d)).date() for d in range(7)]
    # Each kept one is the newest of its day.
    for s in keep:
        assert s == max(t for t in stamps if t.date() == s.date())
    weeks = {s.isocalendar()[:2] for s in keep}
    assert len(weeks) == 4
    assert len(keep) <= 7 + 4


def test_rotate_deletes_the_rest_and_leaves_other_files(tmp_path):
    start = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    for i in range(40):
        (tmp_path / backup.backup_name(start + timedelta(days=i))).write_bytes(b"PGDMP")
    (tmp_path / "notes.txt").write_text("keep me")
    deleted = backup.rotate(tmp_path, daily=7, weekly=4)
    left = backup.list_backups(tmp_path)
    assert len(deleted) + len(left) == 40
    assert 7 <= len(left) <= 11
    assert left[0][0] == start + timedelta(days=39)
    assert (tmp_path / "notes.txt").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_backup_db_writes_mode_600_from_creation_and_rotates(tmp_path, settings, monkeypatch):
    settings.BACKUP_DIR = tmp_path / "backups"
    seen_modes = []
    real_run = backup._run

    def spy(cmd, env):
        # While pg_dump runs, the partial file already exists, owner-only.
        partial = next(settings.BACKUP_DIR.glob("*.partial"))
        seen_modes.append(stat.S_IMODE(partial.stat().st_mode))
        return real_run(cmd, env)

    monkeypatch.setattr(backup, "_run", spy)
    old = settings.BACKUP_DIR / backup.backup_name(datetime(2020, 1, 1, tzinfo=UTC))
    settings.BACKUP_DIR.mkdir()
    old.write_bytes(b"PGDMP")
    call_command("backup_db", "--rotate")
    (_stamp, newest), *rest = backup.list_backups(settings.BACKUP_DIR)
    assert seen_modes == [0o600]
    assert stat.S_IMODE(newest.stat().st_mode) == 0o600
    assert newest.read_bytes()[:5] == b"PGDMP"
    assert [p for _, p in rest] == [old]  # one from another week is kept as a weekly
    call_command("backup_db", "--check", "--max-age-hours", "1")


def test_check_fails_without_a_recent_backup(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    with pytest.raises(CommandError):
        call_command("backup_db", "--check")
