"""Backup and restore: a restore into a fresh database reproduces every table row for row and
every report hash for hash; frozen reports and the audit log survive intact; a backup taken
while the app writes is one consistent moment; a restore refuses what it must."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.core import backup, migrate
from server.core.audit import AuditEntry
from server.core.auth.models import User
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.db import Database
from server.core.keys import DATABASE
from server.reports import render, service
from server.reports.base import Parameters
from server.reports.models import FrozenReport
from server.reports.registry import REPORTS
from tests.conftest import AppClient, Person, Stack, add_person
from tests.datasafety.conftest import FreshDatabase, PopulatedDatabase
from tests.datasafety.records import hashes_of, report_hashes


def counts(hashes: dict[str, str]) -> dict[str, int]:
    return {name: int(h.split(":")[0]) for name, h in hashes.items()}


async def frozen_reruns(url: str) -> list[tuple[int, bool, str, str]]:
    """Per frozen report: its id, whether its stored hash matches its stored content, its
    stored hash and the hash of the report run now with the same parameters."""
    db = Database(url)
    try:
        async with db.sessions() as session:
            found = []
            for frozen in await session.scalars(select(FrozenReport).order_by(FrozenReport.id)):
                params = Parameters(year=frozen.year, as_of=frozen.as_of, viewer=None)
                report = await REPORTS[frozen.name].run(session, params)
                again = service.sha256(render.canonical(render.to_json(report)))
                found.append((frozen.id, service.content_intact(frozen), frozen.content_sha256,
                              again))  # fmt: skip
            return found
    finally:
        await db.close()


async def test_a_restore_into_a_fresh_database_reproduces_every_table_and_report(
    stack: Stack, populated: PopulatedDatabase, fresh_database: FreshDatabase, tmp_path: Path
) -> None:
    source, made = populated.url, populated.made
    tables, reports = await hashes_of(source), await report_hashes(source)
    assert counts(tables)["frozen_reports"] == len(made.frozen_ids) == 2
    for table in ("audit_log", "attendance_events", "questions", "board_posts",
                  "completion_results", "courses"):  # fmt: skip
        assert counts(tables)[table] > 0, table
    assert set(reports) >= {f"{name} 2020 2020-12-31" for name in REPORTS}

    path = tmp_path / "baeum.backup"
    manifest = await backup.backup(source, path)
    assert manifest.revision == migrate.head_revision()
    assert manifest.tables == counts(tables)
    assert manifest.dialect == stack.database

    target = await fresh_database()
    restored = await backup.restore(target, path)
    assert restored == manifest
    assert await hashes_of(target) == tables  # every row of every table, audit log included
    assert await report_hashes(target) == reports
    reruns = await frozen_reruns(target)
    assert [r[0] for r in reruns] == made.frozen_ids
    for _id, intact, stored, again in reruns:
        assert intact
        assert again == stored  # nothing changed since the freeze: the report says the same


async def test_a_backup_of_the_running_app_is_one_consistent_moment(
    client: AppClient,
    clock: ManualClock,
    people: dict[Role, Person],
    fresh_database: FreshDatabase,
    tmp_path: Path,
) -> None:
    """A transaction in flight during the backup is absent from it, entirely; and while the
    app keeps committing users (each with its audit entry in the same transaction), the copy
    never holds one without the other."""
    db = client.app[DATABASE]
    source = db.url
    path = tmp_path / "running.backup"
    async with db.unit_of_work(actor_id=None, request_id="t:in-flight") as session:
        session.add(User(login="inflight", name="진행중", created_at=clock.now()))
        await session.flush()  # written in this open transaction, not committed
        manifest = await backup.backup(source, path)
    committed = await count_users(db)
    assert manifest.tables["users"] == committed - 1

    writes = 0

    async def keep_writing() -> None:
        nonlocal writes
        while not backing_up.done():
            await add_person(client.app, f"writer{writes}", [Role.TRAINEE], clock)
            writes += 1

    backing_up = asyncio.ensure_future(backup.backup(source, path))
    await keep_writing()
    manifest = await backing_up
    await add_person(client.app, "after", [Role.TRAINEE], clock)
    assert committed <= manifest.tables["users"] < await count_users(db)

    target = await fresh_database()
    await backup.restore(target, path)
    copy = Database(target)
    try:
        async with copy.sessions() as session:
            users = {str(u) for u in (await session.scalars(select(User.id))).all()}
            audited = set((await session.scalars(select(AuditEntry.entity_id).where(
                AuditEntry.entity == "users", AuditEntry.action == "create"))).all())  # fmt: skip
            logins = set((await session.scalars(select(User.login))).all())
    finally:
        await copy.close()
    assert users == audited
    assert "inflight" in logins  # committed before this second backup began
    assert "after" not in logins
    assert len(users) == manifest.tables["users"]


async def count_users(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


def with_manifest(path: Path, out: Path, **changes: object) -> None:
    """A copy of the backup with its manifest changed (the database member as it was)."""
    with tarfile.open(path) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            assert data is not None
            body = data.read()
            if member.name == backup.MANIFEST:
                body = json.dumps({**json.loads(body), **changes}).encode()
                member.size = len(body)
            dst.addfile(member, io.BytesIO(body))


async def test_a_restore_refuses_a_newer_schema_a_damaged_file_and_records_without_force(
    client: AppClient,
    clock: ManualClock,
    people: dict[Role, Person],
    fresh_database: FreshDatabase,
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.backup"
    await backup.backup(client.app[DATABASE].url, path)
    target = await fresh_database()
    await backup.restore(target, path)
    restored = await hashes_of(target)
    assert counts(restored)["users"] == len(people)

    copy = Database(target)  # someone works on the restored database
    try:
        async with copy.unit_of_work(actor_id=None, request_id="t:later") as session:
            session.add(User(login="later", name="나중", created_at=clock.now()))
    finally:
        await copy.close()
    worked_on = await hashes_of(target)
    assert worked_on != restored

    with pytest.raises(backup.BackupError, match="holds records"):
        await backup.restore(target, path)
    newer = tmp_path / "newer.backup"
    with_manifest(path, newer, revision="9999")
    with pytest.raises(backup.BackupError, match="does not know"):
        await backup.restore(target, newer, force=True)
    damaged = tmp_path / "damaged.backup"
    with_manifest(path, damaged, sha256="0" * 64)
    with pytest.raises(backup.BackupError, match="damaged"):
        await backup.restore(target, damaged, force=True)
    assert await hashes_of(target) == worked_on  # every refusal changed nothing

    await backup.restore(target, path, force=True)
    assert await hashes_of(target) == restored


def run_cli(*args: str, url: str, var: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BAEUM_DATABASE_URL": url, "BAEUM_VAR_DIR": str(var)}
    command = [sys.executable, "-m", "server", *args]
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )


async def test_the_command_line_backs_up_and_restores(
    client: AppClient,
    people: dict[Role, Person],
    fresh_database: FreshDatabase,
    tmp_path: Path,
) -> None:
    source = client.app[DATABASE].url
    path = tmp_path / "cli.backup"
    done = run_cli("backup", "--to", str(path), url=source, var=tmp_path / "var")
    assert done.returncode == 0, done.stderr
    assert f"to {path}" in done.stdout
    target = await fresh_database()
    done = run_cli("restore", "--from", str(path), url=target, var=tmp_path / "var")
    assert done.returncode == 0, done.stderr
    assert await hashes_of(target) == await hashes_of(source)
