"""Backup and restore of the records store: one file holding the database and a manifest.

The file is a tar archive with two members:

- ``manifest.json``: the format, Baeum's version, when it was made (UTC), the database kind,
  the Alembic revision the schema was at, the row count of every table and the SHA-256 of the
  database member;
- the database itself: ``baeum.sqlite3`` (SQLite's online backup API, so a running server is
  copied consistently: the copy is one read transaction, writers go on meanwhile under WAL) or
  ``baeum.pgdump`` (``pg_dump --format=custom``, run on a snapshot exported by the transaction
  that also counted the rows and read the revision, so manifest and dump agree).

A restore refuses a dump whose revision this code does not know (a newer schema), a dump of
the other database kind, and a target that holds records unless forced; it checks every
table's row count against the manifest, then migrates an older schema up to this code's head.
Connection details for ``pg_dump``/``pg_restore`` go through ``PG*`` environment variables,
never the command line (so no password in the process list).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicCommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core import migrate
from server.core.db import Database

FORMAT = 1
MANIFEST = "manifest.json"
MEMBER = {"sqlite": "baeum.sqlite3", "postgresql": "baeum.pgdump"}
VERSION_TABLE = "alembic_version"


class BackupError(Exception):
    """The backup or restore cannot be done as asked; the message says why in one line."""


@dataclass(frozen=True)
class Manifest:
    dialect: str
    revision: str | None
    tables: dict[str, int]
    created_at: str
    baeum_version: str
    sha256: str = ""
    format: int = FORMAT
    member: str = field(default="")

    def to_json(self) -> bytes:
        return (
            json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw: dict[str, Any] = json.loads(data)
            return cls(**raw)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"the backup's manifest is unreadable: {exc}") from None


def baeum_version() -> str:
    try:
        return version("baeum")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def dialect_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in MEMBER:
        raise BackupError(f"backups know SQLite and PostgreSQL, not {name}")
    return name


# ---- counting --------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(sync: Connection) -> dict[str, int]:
    """Every table's row count (Alembic's own table left out), on one connection."""
    names = sorted(n for n in inspect(sync).get_table_names() if n != VERSION_TABLE)
    return {n: int(sync.execute(text(_count_sql(n))).scalar_one()) for n in names}


def _count_sql(table: str) -> str:
    return f"SELECT count(*) FROM {_quote(table)}"  # noqa: S608 (a quoted table name)


def _revision(sync: Connection) -> str | None:
    if VERSION_TABLE not in inspect(sync).get_table_names():
        return None
    found = sync.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if found is None else str(found)


async def holds_records(url: str) -> bool:
    """True when any table but Alembic's has a row."""
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            counts = await conn.run_sync(count_rows)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the target database: {exc}") from None
    finally:
        await db.close()
    return any(counts.values())


# ---- backup ----------------------------------------------------------------------------------


async def backup(url: str, path: Path) -> Manifest:
    """Write a backup of the database at ``url`` to ``path`` (replaced only when complete)."""
    dialect = dialect_of(url)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="baeum-backup-", dir=path.parent) as work:
        copy = Path(work) / MEMBER[dialect]
        if dialect == "sqlite":
            revision, tables = await asyncio.to_thread(_sqlite_backup, _sqlite_path(url), copy)
        else:
            revision, tables = await _pg_dump(url, copy)
        manifest = Manifest(
            dialect=dialect, revision=revision, tables=tables,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            baeum_version=baeum_version(), sha256=await asyncio.to_thread(_sha256, copy),
            member=copy.name,
        )  # fmt: skip
        archive = Path(work) / "backup.tar"
        await asyncio.to_thread(_write_archive, archive, manifest, copy)
        os.replace(archive, path)
    return manifest


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_backup(source: Path, copy: Path) -> tuple[str | None, dict[str, int]]:
    """SQLite's online backup, all pages in one step: one read transaction, so the copy is
    the database as of one commit while writers carry on (WAL), and it never restarts."""
    if not source.exists():
        raise BackupError(f"no SQLite database at {source}")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()
    return _sqlite_facts(copy)


def _sqlite_facts(path: Path) -> tuple[str | None, dict[str, int]]:
    """The revision and the row counts of a SQLite file (read with the stdlib driver)."""
    conn = sqlite3.connect(path)
    try:
        listed = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        names = [r[0] for r in conn.execute(listed)]
        revision = None
        if VERSION_TABLE in names:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = None if row is None else str(row[0])
        tables = {n: int(conn.execute(_count_sql(n)).fetchone()[0])
                  for n in sorted(names) if n != VERSION_TABLE}  # fmt: skip
    finally:
        conn.close()
    return revision, tables


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_archive(archive: Path, manifest: Manifest, copy: Path) -> None:
    with tarfile.open(archive, "w") as tar:
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(datetime.now(UTC).timestamp())
        tar.addfile(info, io.BytesIO(data))
        tar.add(copy, arcname=copy.name)


# ---- PostgreSQL client programs -------------------------------------------------------------


def _pg_env(url: str) -> dict[str, str]:
    """The connection as libpq environment variables (the password never on a command line)."""
    u: URL = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {"PGHOST": u.host, "PGPORT": u.port, "PGUSER": u.username,
              "PGPASSWORD": u.password, "PGDATABASE": u.database}  # fmt: skip
    env.update({k: str(v) for k, v in values.items() if v is not None})
    ssl = u.query.get("sslmode") or u.query.get("ssl")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = {"true": "require", "false": "disable"}.get(ssl, ssl)
    return env


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return found


def _client_major(program: str) -> int:
    # the program is pg_dump/pg_restore as found on PATH, with a fixed argument
    out = subprocess.run(  # noqa: S603
        [program, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if match is None:
        raise BackupError(f"cannot tell the version of {program}: {out.strip()}")
    return int(match.group(1))


async def _check_client(conn: AsyncConnection, program: str) -> None:
    """pg_dump/pg_restore must be at least the server's major version."""
    server = int(await conn.scalar(text("SHOW server_version_num")) or 0) // 10000
    client = await asyncio.to_thread(_client_major, program)
    if client < server:
        raise BackupError(f"{Path(program).name} {client} is older than the server ({server})")


async def _run(program: str, args: list[str], env: dict[str, str]) -> None:
    """Run the client program in a worker thread (plain ``subprocess.run``: no child watcher
    tied to the event loop, which test loops that come and go do not agree with)."""
    done = await asyncio.to_thread(
        subprocess.run, [program, *args], env=env, capture_output=True, check=False
    )
    if done.returncode != 0:
        err, proc = done.stderr, done
        detail = err.decode(errors="replace").strip().splitlines()
        raise BackupError(
            f"{Path(program).name} failed: {detail[-1] if detail else proc.returncode}"
        )


async def _pg_dump(url: str, copy: Path) -> tuple[str | None, dict[str, int]]:
    """Count and read the revision in a repeatable-read transaction, export its snapshot and
    dump that very snapshot: the manifest describes exactly what the dump holds."""
    program = _program("pg_dump")
    db = Database(url)
    try:
        async with db.engine.connect() as base:
            conn = await base.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                await _check_client(conn, program)
                snapshot = str(await conn.scalar(text("SELECT pg_export_snapshot()")))
                tables = await conn.run_sync(count_rows)
                revision = await conn.run_sync(_revision)
                args = ["--format=custom", "--no-owner", "--no-privileges",
                        f"--snapshot={snapshot}", f"--file={copy}"]  # fmt: skip
                await _run(program, args, _pg_env(url))
    finally:
        await db.close()
    return revision, tables


# ---- restore ---------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(member.read())
    except (OSError, tarfile.TarError, KeyError) as exc:
        raise BackupError(f"{path} is not a Baeum backup: {exc}") from None


def check_revision(revision: str | None) -> None:
    """Refuse a schema this code does not know: made by newer code (or another branch)."""
    if revision is None:
        return
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    try:
        known = scripts.get_revision(revision)
    except AlembicCommandError:
        known = None
    if known is None:
        raise BackupError(
            f"the backup's schema is at revision {revision}, which this code does not know "
            f"(its newest is {migrate.head_revision()}): restore it with newer code"
        )


async def restore(
    url: str, path: Path, *, force: bool = False, on_step: Callable[[str], None] | None = None
) -> Manifest:
    """Restore the backup at ``path`` into the database at ``url`` and migrate it to head."""
    say = on_step or (lambda _line: None)
    path = Path(path)
    manifest = read_manifest(path)
    dialect = dialect_of(url)
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format} is not {FORMAT}")
    if manifest.dialect != dialect:
        raise BackupError(f"the backup is of a {manifest.dialect} database, the target {dialect}")
    check_revision(manifest.revision)
    if not force and await _target_exists(url, dialect) and await holds_records(url):
        raise BackupError("the target database holds records: give --force to overwrite them")
    with tempfile.TemporaryDirectory(prefix="baeum-restore-") as work:
        copy = Path(work) / Path(manifest.member).name
        await asyncio.to_thread(_extract, path, manifest.member, Path(work))
        if await asyncio.to_thread(_sha256, copy) != manifest.sha256:
            raise BackupError("the backup's database does not match its manifest (damaged file)")
        if dialect == "sqlite":
            await asyncio.to_thread(_sqlite_restore, copy, _sqlite_path(url))
        else:
            await _pg_restore(url, copy)
    say(f"restored {sum(manifest.tables.values())} rows in {len(manifest.tables)} tables")
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            counts = await conn.run_sync(count_rows)
            revision = await conn.run_sync(_revision)
        if counts != manifest.tables or revision != manifest.revision:
            wrong = sorted(n for n in counts.keys() | manifest.tables.keys()
                           if counts.get(n) != manifest.tables.get(n))  # fmt: skip
            raise BackupError(f"restored database differs from the manifest: {', '.join(wrong)}")
        if revision is not None and revision != migrate.head_revision():
            await migrate.upgrade(db.engine)
            say(f"migrated from {revision} to {migrate.head_revision()}")
    finally:
        await db.close()
    return manifest


async def _target_exists(url: str, dialect: str) -> bool:
    return dialect != "sqlite" or _sqlite_path(url).exists()


def _extract(path: Path, member: str, into: Path) -> None:
    """The one member, streamed to ``into/member`` (never a path taken from the archive)."""
    with tarfile.open(path, "r") as tar:
        found = tar.extractfile(Path(member).name)
        if found is None:
            raise BackupError(f"{path} holds no {member}")
        with found, (into / Path(member).name).open("wb") as out:
            shutil.copyfileobj(found, out, 1 << 20)


def _sqlite_restore(copy: Path, target: Path) -> None:
    """The backup API again, the other way: every page of the target replaced in one step
    (its WAL too), so no stale ``-wal`` file can outlive the restore."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=60)
    try:
        src.backup(dst, pages=-1)
    finally:
        src.close()
        dst.close()


async def _pg_restore(url: str, copy: Path) -> None:
    """Empty the public schema, then restore the dump in one transaction."""
    program = _program("pg_restore")
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await _check_client(conn, program)
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await db.close()
    await _run(program, ["--no-owner", "--no-privileges", "--exit-on-error",
                         "--single-transaction", f"--dbname={make_url(url).database}",
                         str(copy)], _pg_env(url))  # fmt: skip
