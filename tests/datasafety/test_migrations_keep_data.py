"""Migrations never lose data: on a populated database (the demo and live records), every
revision is stepped down one at a time to the first and up again to the newest, and after every
step every row of every table that exists on both sides of the step is unchanged (over the
columns both sides have). A backup taken at an older revision restores and migrates up with its
rows intact. ``migrate --down`` refuses to drop data unless a backup is made first or forced.

The revisions walked are whatever ``server/migrations/versions`` holds, not a fixed list."""

from __future__ import annotations

import hashlib
import json
import tarfile
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import text

from server.__main__ import CommandError, parser
from server.__main__ import _downgrade as downgrade_command
from server.config import Settings
from server.core import backup, migrate
from server.core.db import Database
from tests.datasafety.conftest import FreshDatabase, PopulatedDatabase
from tests.datasafety.records import column_digests, hashes_of

#: the 2020 actuals' completed enrolments, thinned to every 100th for this walk
THIN = "DELETE FROM enrolments WHERE status = 'completed' AND id % 100 <> 0"

#: a revision whose downgrade from the newest drops frozen_reports (created by 0008), which the
#: populated database fills: the command must refuse it
BEFORE_FROZEN_REPORTS = "0007"


Digests = dict[str, dict[str, str]]
EMPTY = hashlib.sha256(b"").hexdigest()


async def digests(db: Database) -> Digests:
    async with db.engine.connect() as conn:
        return await conn.run_sync(column_digests)


def changed(before: Digests, after: Digests) -> list[str]:
    """Tables on both sides whose rows differ over the columns both sides have."""
    return sorted(
        t for t in before.keys() & after.keys()
        if any(before[t][c] != after[t][c] for c in before[t].keys() & after[t].keys())
    )  # fmt: skip


async def test_every_step_down_and_up_keeps_every_row_on_populated_data(
    populated: PopulatedDatabase, fresh_database: FreshDatabase, tmp_path: Path
) -> None:
    url = populated.url
    revisions = migrate.revisions()
    db = Database(url)
    try:
        async with db.engine.begin() as conn:  # volume adds time, not cases: keep 1 in 100
            await conn.execute(text(THIN))
        previous = await digests(db)
        for table in ("frozen_reports", "attendance_events", "questions", "completion_results"):
            assert previous[table]["id"] != EMPTY, table
        middle, at_middle = revisions[len(revisions) // 2], None
        for src, dst in [*pairwise(revisions[::-1]), *pairwise(revisions)]:
            assert await migrate.current_revision(db.engine) == src
            if revisions.index(dst) < revisions.index(src):
                await migrate.downgrade(db.engine, dst)
            else:
                await migrate.upgrade(db.engine, dst)
            assert await migrate.current_revision(db.engine) == dst
            now = await digests(db)
            assert changed(previous, now) == [], f"{src} -> {dst} lost or changed rows"
            if dst == middle and at_middle is None:  # on the way down
                at_middle = now
                await backup.backup(url, tmp_path / "middle.backup")
            previous = now
    finally:
        await db.close()

    target = await fresh_database()
    manifest = await backup.restore(target, tmp_path / "middle.backup")
    assert manifest.revision == middle
    restored = Database(target)
    try:
        assert await migrate.current_revision(restored.engine) == revisions[-1]  # migrated up
        assert at_middle is not None
        assert changed(at_middle, await digests(restored)) == []
    finally:
        await restored.close()
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
    db = Database(populated.url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(THIN))
        before = await hashes_of(populated.url)
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
