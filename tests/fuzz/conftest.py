"""Hostile-input tests: a small world of real records on a real server, and its snapshot.

The world is one class today (an instructor, two trainees, a captioner) with a board, and one
person per role with an API token, so paths and payloads built from small ids often name real
records. ``snapshot`` reads every table, so a refused input can be shown to change nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

import server.models  # noqa: F401 - every table in the metadata
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.db import Base
from server.core.keys import DATABASE
from server.lms.models import StaffRole
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.factories import ClassFixture, make_class

CORPUS = Path(__file__).parent / "corpus"
T = TypeVar("T")

#: tables a refused input may still touch: the log-in records (last used) and a class's
#: pseudonym key, made on first need in a transaction of its own
VOLATILE = frozenset({"api_tokens", "web_sessions", "class_secrets"})


@dataclass
class World:
    client: AppClient
    clock: ManualClock
    people: dict[str, Person]
    tokens: dict[str, str]  # API tokens by login
    klass: ClassFixture

    def auth(self, login: str) -> dict[str, str]:
        return bearer(self.tokens[login])


PEOPLE = (
    ("admin1", Role.ADMIN), ("operator1", Role.OPERATOR), ("park", Role.INSTRUCTOR),
    ("assistant1", Role.ASSISTANT), ("ohs", Role.CAPTIONER), ("kim", Role.TRAINEE),
    ("lee", Role.TRAINEE),
)  # fmt: skip


@pytest.fixture
async def world(client: AppClient, clock: ManualClock) -> World:
    people = {login: await add_person(client.app, login, [role], clock) for login, role in PEOPLE}
    klass = await make_class(
        client.app, clock, trainees=[people["kim"].id, people["lee"].id],
        staff={StaffRole.INSTRUCTOR: people["park"].id, StaffRole.CAPTIONER: people["ohs"].id},
        starts_in=timedelta(minutes=-5),
    )  # fmt: skip
    tokens = {login: await api_token(client, login) for login in people}
    return World(client, clock, people, tokens, klass)


async def snapshot(client: AppClient) -> dict[str, list[str]]:
    """Every row of every table (but the volatile ones), in a comparable form."""
    out: dict[str, list[str]] = {}
    async with client.app[DATABASE].unit_of_work() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE:
                continue
            rows = (await session.execute(select(table))).all()
            out[table.name] = sorted(repr(tuple(row)) for row in rows)
    return out


def diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, Any]:
    return {
        name: {"gone": sorted(set(rows) - set(after[name])),
               "new": sorted(set(after[name]) - set(rows))}
        for name, rows in before.items() if rows != after[name]
    }  # fmt: skip


def corpus(name: str) -> list[str]:
    """One corpus file's vectors: a line each; ``# `` lines are comments. In unicode.txt,
    ``\\uXXXX`` and ``\\xXX`` are escapes (NUL and lone surrogates cannot be in a text file);
    in long.txt, ``LEN×TEXT`` is TEXT repeated to LEN characters."""
    import re

    lines = [
        line for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("# ")
    ]  # fmt: skip
    if name == "unicode.txt":
        return [
            re.sub(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})",
                   lambda m: chr(int(m[1] or m[2], 16)), line)
            for line in lines
        ]  # fmt: skip
    if name == "long.txt":
        out = []
        for line in lines:
            length, text = line.split("×", 1)
            out.append((text * (int(length) // len(text) + 1))[: int(length)])
        return out
    return lines


def all_vectors() -> list[str]:
    return [v for name in ("xss.txt", "sql.txt", "traversal.txt", "unicode.txt", "long.txt")
            for v in corpus(name)]  # fmt: skip


class LoopBridge:
    """Runs the test's coroutines on its own loop from a worker thread: hypothesis and
    schemathesis drive synchronous test functions, the server and the socket.io clients live
    on the test's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def run(self, make: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
        async def go() -> T:
            return await make()

        future: Future[T] = asyncio.run_coroutine_threadsafe(go(), self.loop)
        return future.result(timeout)


@pytest.fixture
async def bridge() -> LoopBridge:
    return LoopBridge(asyncio.get_running_loop())
