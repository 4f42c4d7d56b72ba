"""Command line: ``python -m server serve | migrate | demo | create-user | make-migration``,
``python -m server report NAME --year Y`` for reports, and ``backup --to PATH`` /
``restore --from PATH`` for the records (``migrate --down REV`` steps the schema down)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from aiohttp import web
from pydantic import ValidationError

from server.config import Settings, SettingsError, load_settings
from server.core.db import Database
from server.core.logging import configure_logging

_T = TypeVar("_T")


class CommandError(Exception):
    """A command's input is wrong; printed as one line, exit status 2."""


def _serve(settings: Settings, _args: argparse.Namespace) -> None:
    from server.app import create_app
    from server.core.tls import ssl_context_for

    asyncio.run(_with_engine(settings, _schema_is_current))
    ssl_context = ssl_context_for(settings)
    app = create_app(settings)
    print(f"Baeum serving on {settings.effective_public_url} (node {settings.node_id})")
    print(f"  API docs: {settings.effective_public_url}/api/docs")
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        ssl_context=ssl_context,
        print=None,
        access_log=None,
        shutdown_timeout=10,
    )


async def _with_engine(settings: Settings, work: Callable[[Database], Awaitable[None]]) -> None:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    try:
        await work(db)
    finally:
        await db.close()


async def _schema_is_current(db: Database) -> None:
    """Refuse to serve on a schema older (or newer) than the code: every request would fail."""
    from server.core import migrate

    try:
        current = await migrate.current_revision(db.engine)
    except Exception as exc:  # the database does not answer: say so in one line
        raise CommandError(f"cannot reach the database: {exc}") from None
    head = migrate.head_revision()
    if current != head:
        raise CommandError(
            f"database schema is at {current or 'nothing'}, this code needs {head}: "
            "run `python -m server migrate` first"
        )


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    from server.core import migrate

    async def work(db: Database) -> None:
        if args.down is not None:
            await _downgrade(settings, db, args)
        else:
            await migrate.upgrade(db.engine)
        print(f"database at revision {await migrate.current_revision(db.engine)}")

    asyncio.run(_with_engine(settings, work))


def _make_migration(settings: Settings, args: argparse.Namespace) -> None:
    from server.core import migrate

    async def work(db: Database) -> None:
        await migrate.upgrade(db.engine)
        await migrate.autogenerate(db.engine, args.message)

    asyncio.run(_with_engine(settings, work))


def _demo(settings: Settings, _args: argparse.Namespace) -> None:
    from server.demo import load_demo

    asyncio.run(load_demo(settings))


def _create_user(settings: Settings, args: argparse.Namespace) -> None:
    from server.core.auth.passwords import Passwords
    from server.core.auth.schemas import UserCreate
    from server.core.auth.service import create_user
    from server.core.clock import SystemClock

    password = args.password or getpass.getpass(f"Password for {args.login}: ")
    try:
        data = UserCreate.model_validate(
            {"login": args.login, "name": args.name, "roles": args.role, "password": password}
        )
    except ValidationError as exc:
        raise CommandError("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from None

    async def work(db: Database) -> None:
        async with db.unit_of_work(actor_id=None, request_id="cli:create-user") as session:
            user = await create_user(session, data, Passwords(), SystemClock().now())
        print(f"created user {user.id} {user.login} with roles {', '.join(args.role)}")

    asyncio.run(_with_engine(settings, work))


def _report(settings: Settings, args: argparse.Namespace) -> None:
    """Run a report on the records and print it (table), or write CSV, XLSX or JSON."""
    from server.core.clock import SEOUL, SystemClock
    from server.reports import pdf, render, service
    from server.reports.registry import REPORTS

    if args.name not in REPORTS:
        raise CommandError(f"no report {args.name!r}; reports: {', '.join(REPORTS)}")
    if args.year is None:  # e.g. question-errors, which reports every year up to this one
        args.year = SystemClock().now().astimezone(SEOUL).year
    if args.as_of is not None and args.as_of < date(args.year, 1, 1):
        raise CommandError("--as-of must not be before the year it reports on")
    if args.format in BINARY and args.output is None and sys.stdout.isatty():
        raise CommandError(
            f"{args.format} is binary: give --output FILE or redirect standard output"
        )

    async def work(db: Database) -> None:
        async with db.unit_of_work(actor_id=None, request_id="cli:report") as session:
            params = service.parameters(args.year, args.as_of, SystemClock().now())
            report = await service.run(session, args.name, params)
        data: bytes
        if args.format == "table":
            data = render.to_table(report).encode()
        elif args.format == "csv":
            data = render.to_csv(report)
        elif args.format == "xlsx":
            data = render.to_xlsx(report)
        elif args.format == "pdf":
            data = pdf.to_pdf(report)
        else:
            data = (
                json.dumps(render.to_json(report), ensure_ascii=False, indent=1) + "\n"
            ).encode()
        if args.output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            await asyncio.to_thread(Path(args.output).write_bytes, data)

    asyncio.run(_with_engine(settings, work))


#: report formats that are bytes, not text: never written to a terminal
BINARY = ("xlsx", "pdf")


def _year(text: str) -> int:
    year = int(text)
    if not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError("a year between 2000 and 2100")
    return year


DOWN_HELP = (
    "step the schema down to revision REV (e.g. 0020, or base). A downgrade that would drop a "
    "table or column holding data is refused unless --backup-to PATH (a backup is made first) "
    "or --force is given"
)


async def _downgrade(settings: Settings, db: Database, args: argparse.Namespace) -> None:
    from server.core import backup, migrate

    known = ["base", *migrate.revisions()]
    if args.down not in known:
        raise CommandError(f"no revision {args.down!r}; revisions: {', '.join(known)}")
    losses = await migrate.downgrade_losses(db.engine, args.down)
    if losses and not (args.force or args.backup_to):
        raise CommandError(
            f"migrating down to {args.down} drops {'; '.join(losses)}: give --backup-to PATH "
            "(a backup is made first) or --force"
        )
    if args.backup_to is not None:
        manifest = await _run_backup(backup.backup(settings.effective_database_url, args.backup_to))
        print(f"backed up to {args.backup_to} (revision {manifest.revision})")
    await migrate.downgrade(db.engine, args.down)


async def _run_backup(work: Awaitable[_T]) -> _T:
    from sqlalchemy.exc import SQLAlchemyError

    from server.core.backup import BackupError

    try:
        return await work
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except (OSError, SQLAlchemyError) as exc:  # a database that does not answer, a full disk
        raise CommandError(f"{type(exc).__name__}: {exc}") from None


def _backup(settings: Settings, args: argparse.Namespace) -> None:
    """A consistent copy of the records (SQLite online backup / pg_dump) with its manifest."""
    from server.core import backup

    url = settings.effective_database_url
    manifest = asyncio.run(_run_backup(backup.backup(url, args.to)))
    rows = sum(manifest.tables.values())
    print(f"backed up {rows} rows in {len(manifest.tables)} tables at revision "
          f"{manifest.revision or 'nothing'} to {args.to}")  # fmt: skip


def _restore(settings: Settings, args: argparse.Namespace) -> None:
    """Restore a backup into the configured database and migrate it up to this code."""
    from server.core import backup

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    manifest = asyncio.run(
        _run_backup(backup.restore(url, args.source, force=args.force, on_step=print))
    )
    print(f"restored the backup of {manifest.created_at} (Baeum {manifest.baeum_version})")


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], None]] = {
    "serve": _serve,
    "migrate": _migrate,
    "demo": _demo,
    "create-user": _create_user,
    "make-migration": _make_migration,
    "report": _report,
    "backup": _backup,
    "restore": _restore,
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve HTTP and socket.io (settings from BAEUM_* variables)")
    down = sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("demo", help="load demo data (idempotent) and print the demo log-ins")
    user = sub.add_parser("create-user", help="register a person with roles and a password")
    user.add_argument("--login", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--role", action="append", required=True, help="repeat for several")
    user.add_argument("--password", help="prompted for when left out")
    mig = sub.add_parser("make-migration", help="(developers) autogenerate a migration")
    mig.add_argument("message")
    rep = sub.add_parser("report", help="run a report, e.g. report plan-vs-actual --year 2020")
    rep.add_argument("name", help="the report, e.g. plan-vs-actual")
    rep.add_argument("--year", type=_year, help="default: this year (Asia/Seoul)")
    rep.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (Asia/Seoul)")
    rep.add_argument("--format", choices=("table", "csv", "xlsx", "pdf", "json"), default="table")
    rep.add_argument("--output", help="write to this file instead of standard output")
    down.add_argument("--down", metavar="REV", help=DOWN_HELP)
    down.add_argument("--backup-to", metavar="PATH", type=Path,
                      help="with --down: back the database up to PATH first")  # fmt: skip
    down.add_argument("--force", action="store_true",
                      help="with --down: drop data without a backup")  # fmt: skip
    back = sub.add_parser("backup", help="back the records up to one file (see docs/operations.md)")
    back.add_argument("--to", required=True, type=Path, metavar="PATH")
    rest = sub.add_parser("restore", help="restore a backup made by `backup`, then migrate it up")
    rest.add_argument("--from", dest="source", required=True, type=Path, metavar="PATH")
    rest.add_argument("--force", action="store_true", help="overwrite a database holding records")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"baeum: bad setting: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        COMMANDS[args.command](settings, args)
    except SettingsError as exc:
        print(f"baeum: bad setting: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"baeum: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
