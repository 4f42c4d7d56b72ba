"""Migrations never lose data: on a populated database (the demo and live records), every
revision is stepped down one at a time to the first and up again to the newest, and after every
step every row of every table that exists on both sides of the step is unchanged (over the
columns both sides have). A backup taken at an older revision restores and migrates up with its
rows intact. ``migrate --down`` refuses to drop data unless a backup is made first or forced.

The revisions walked are whatever ``server/migrations/versions`` holds, not a fixed list."""

from __future__ import annotations

import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from server.__main__ import CommandError, parser
from server.__main__ import _downgrade as downgrade_command
from server.config import Settings
from server.core import backup, migrate
from server.core.db import Database
from tests.datasafety.conftest import FreshDatabase, PopulatedDatabase
from tests.datasafety.records import hashes_of

Rows = dict[str, list[dict[str, str]]]

#: the 2020 actuals' completed enrolments, thinned to every 100th for this walk
THIN = "DELETE FROM enrolments WHERE status = 'completed' AND id % 100 <> 0"

#: a revision whose downgrade from the newest drops frozen_reports (created by 0008), which the
#: populated database fills: the command must refuse it
BEFORE_FROZEN_REPORTS = "0007"


def read_rows(sync: Connection) -> Rows:
    found: Rows = {}
    for table in inspect(sync).get_table_names():
        if table == "alembic_version":
            continue
        result = sync.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
        found[table] = [{k: repr(v) for k, v in row._mapping.items()} for row in result]
    return found


async def snapshot(db: Database) -> tuple[str | None, Rows]:
    async with db.engine.connect() as conn:
        rows = await conn.run_sync(read_rows)
    return await migrate.current_revision(db.engine), rows


def lost_or_changed(before: Rows, after: Rows) -> dict[str, str]:
    """Tables on both sides whose rows differ over the columns both sides have."""
    wrong: dict[str, str] = {}
    for table in before.keys() & after.keys():
        if not before[table] or not after[table]:
            if len(before[table]) != len(after[table]):
                wrong[table] = f"{len(before[table])} rows, then {len(after[table])}"
            continue
        common = sorted(before[table][0].keys() & after[table][0].keys())
        old = Counter(tuple(r[c] for c in common) for r in before[table])
        new = Counter(tuple(r[c] for c in common) for r in after[table])
        if old != new:
            wrong[table] = f"{sum((old - new).values())} rows lost or changed"
    return wrong


async def test_every_step_down_and_up_keeps_every_row_on_populated_data(
    populated: PopulatedDatabase, fresh_database: FreshDatabase, tmp_path: Path
) -> None:
    url = populated.url
    revisions = migrate.revisions()
    db = Database(url)
    try:
        async with db.engine.begin() as conn:  # volume adds time, not cases: keep 1 in 100
            await conn.execute(text(THIN))
        head = await snapshot(db)
        assert head[0] == revisions[-1]
        assert head[1]["frozen_reports"]
        assert head[1]["attendance_events"]

        seen = {revisions[-1]: head[1]}
        previous = head[1]
        middle = revisions[len(revisions) // 2]
        for revision in reversed(revisions[:-1]):
            await migrate.downgrade(db.engine, revision)
            current, rows = await snapshot(db)
            assert current == revision
            assert lost_or_changed(previous, rows) == {}, f"down to {revision}"
            seen[revision], previous = rows, rows
            if revision == middle:
                await backup.backup(url, tmp_path / "middle.backup")

        for revision in revisions[1:]:
            await migrate.upgrade(db.engine, revision)
            current, rows = await snapshot(db)
            assert current == revision
            assert lost_or_changed(previous, rows) == {}, f"up to {revision}"
            previous = rows
    finally:
        await db.close()

    target = await fresh_database()
    manifest = await backup.restore(target, tmp_path / "middle.backup")
    assert manifest.revision == middle
    restored = Database(target)
    try:
        current, rows = await snapshot(restored)
    finally:
        await restored.close()
    assert current == revisions[-1]  # an older dump is migrated up after restoring
    assert lost_or_changed(seen[middle], rows) == {}
    assert sum(len(r) for r in rows.values()) >= sum(len(r) for r in seen[middle].values())
    with tarfile.open(tmp_path / "middle.backup") as tar:
        member = tar.extractfile(backup.MANIFEST)
        assert member is not None
        assert json.loads(member.read())["revision"] == middle


async def test_a_downgrade_that_drops_data_needs_a_backup_first_or_force(
    populated: PopulatedDatabase, tmp_path: Path
) -> None:
    """``migrate --down`` (run as the command runs it) refuses to drop frozen reports; with
    ``--backup-to`` it backs up first, and that backup brings every row back."""
    settings = Settings(database_url=populated.url, var_dir=tmp_path / "var")
    before = await hashes_of(populated.url)
    db = Database(populated.url)
    try:
        refuse = parser().parse_args(["migrate", "--down", BEFORE_FROZEN_REPORTS])
        with pytest.raises(CommandError) as refused:
            await downgrade_command(settings, db, refuse)
        assert "table frozen_reports (2 rows)" in str(refused.value)
        assert "--backup-to PATH" in str(refused.value)
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
        assert await hashes_of(populated.url) == before  # refused: nothing changed

        path = tmp_path / "before-down.backup"
        backed = parser().parse_args(
            ["migrate", "--down", BEFORE_FROZEN_REPORTS, "--backup-to", str(path)]
        )
        await downgrade_command(settings, db, backed)
        assert await migrate.current_revision(db.engine) == BEFORE_FROZEN_REPORTS
    finally:
        await db.close()
    assert "frozen_reports" not in await hashes_of(populated.url)
    manifest = await backup.restore(populated.url, path, force=True)
    assert manifest.revision == migrate.head_revision()
    assert await hashes_of(populated.url) == before
