"""``python -m bench soak``: a full day of classes compressed into minutes, on two nodes.

``--participants`` trainees (default 2,000) in ``--classes`` live classes (default 40, so 50 a
class) on ``--nodes`` server processes (default 2) that share one PostgreSQL database and one
Redis, for ``--minutes`` (default 10). Every class has its instructor, who opens a board. Each
trainee, on a schedule drawn from ``--seed``:

- joins in the first tenth of the run, on node ``index % nodes``;
- sends chat messages, asks a question, upvotes other people's questions, posts on the board,
  each at a random time;
- drops once (the websocket closes without a goodbye, as when a phone takes a call) and comes
  back a few seconds later on the *other* node, asking for what it missed (``last_event_id``).

Each class's people connect from their own loopback address (127.0.1.N), as a class in one
office would, so per-address limits see a realistic spread.

Figures:

- ``errors``: calls answered with an error, never answered, or failed on the wire (aim 0);
- ``lost_events``: acknowledged writes missing from the database, upvotes that the question's
  count does not show, and chat messages that a participant of the class never received,
  live or as missed on its return (aim 0); ``lost`` breaks it down;
- ``p99_ms``: acknowledgement latency over every call (joins included), and per event;
- ``rss_growth_mb``: the largest growth of a node's resident memory from the end of the
  joins to the end of the run (aim: flat); the samples are in ``rss_mb``.

Needs PostgreSQL and Redis (two nodes share state through them). ``--database-url`` names a
database that is created fresh for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import redis.asyncio as aioredis
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bench.http import percentile
from bench.server import (
    PROJECT_ROOT,
    _run_command,
    _stop,
    _wait_healthy,
    free_port,
    process_cpu_seconds,
    server_environment,
)
from server.boards.models import BoardPost
from server.core.auth import tokens
from server.core.auth.models import User, UserRole
from server.core.db import Database
from server.lms.models import ClassSession, Enrolment, SessionStaff
from server.polls.models import Question, QuestionVote
from server.rooms.models import ClassEvent

describe = "a compressed day: N participants, M classes, 2 nodes: errors, lost, p99, memory"
NAMESPACE = "/class"
GOAL = {"errors": 0, "lost_events": 0, "rss_growth_mb": "flat"}
CALL_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_S = 60.0
RSS_EVERY_S = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--classes", type=int, default=40)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--chats", type=int, default=3, help="chat messages each")
    parser.add_argument("--votes", type=int, default=3, help="upvotes each")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--join-concurrency", type=int, default=40)
    parser.add_argument(
        "--database-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/bench_soak",
        help="a database to create fresh and drop after (PostgreSQL)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="a Redis database to empty before the run",
    )
    parser.add_argument(
        "--memory-probe",
        metavar="DIR",
        help="each node writes DIR/<pid>.jsonl every 10 s: smaps by mapping, malloc's in-use "
        "and free bytes, Python's blocks and objects (bench/memprobe/sitecustomize.py)",
    )


# ---- a lean socket.io client (engine.io 4 websocket, socket.io 5 packets) -------------------


@dataclass
class Call:
    event: str
    sent: float
    answered: float | None = None
    ok: bool = False
    answer: Any = None


@dataclass
class Participant:
    """One person's socket, what it was told, and what it received."""

    index: int
    class_no: int
    token: str
    instructor: bool = False
    ws: aiohttp.ClientWebSocketResponse | None = None
    reader: asyncio.Task[None] | None = None
    acks: dict[int, tuple[asyncio.Future[Any], Call]] = field(default_factory=dict)
    next_ack: int = 0
    calls: list[Call] = field(default_factory=list)
    baseline: int | None = None  # the class's newest event id when first joined
    last_event_id: int = 0
    chat_seen: set[int] = field(default_factory=set)
    voted: set[int] = field(default_factory=set)

    @property
    def client_id(self) -> str:
        return f"soak-{self.index:06d}"

    async def connect(self, http: aiohttp.ClientSession, base_url: str) -> None:
        url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await http.ws_connect(url, max_msg_size=0, autoping=True)
        opening = await self.ws.receive_str()
        if not opening.startswith("0"):
            raise RuntimeError(f"engine.io refused: {opening[:200]}")
        auth = {"token": self.token, "client_id": self.client_id}
        await self.ws.send_str(f"40{NAMESPACE},{json.dumps(auth)}")
        while (reply := await self.ws.receive_str()) == "2":
            await self.ws.send_str("3")
        if not reply.startswith(f"40{NAMESPACE},"):
            raise RuntimeError(f"namespace refused: {reply[:200]}")
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        prefix_event, prefix_ack = f"42{NAMESPACE},", f"43{NAMESPACE},"
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            text: str = message.data
            if text == "2":
                await ws.send_str("3")
            elif text.startswith(prefix_event):
                name, body = json.loads(text[len(prefix_event) :])[:2]
                if name == "chat_message":
                    self._saw_chat(body)
            elif text.startswith(prefix_ack):
                rest = text[len(prefix_ack) :]
                ack_id, payload = rest.split("[", 1)
                entry = self.acks.pop(int(ack_id), None)
                if entry is not None and not entry[0].done():
                    entry[0].set_result(json.loads("[" + payload)[0])
        for future, _ in self.acks.values():  # the socket closed under these calls
            if not future.done():
                future.set_exception(ConnectionError("socket closed before the answer"))
        self.acks.clear()

    def _saw_chat(self, event: dict[str, Any]) -> None:
        self.chat_seen.add(int(event["id"]))
        self.last_event_id = max(self.last_event_id, int(event["id"]))

    async def call(self, event: str, data: Any) -> Call:
        """Send an event with an acknowledgement; the call records its answer and timing."""
        record = Call(event, time.monotonic())
        self.calls.append(record)
        if self.ws is None or self.ws.closed:
            record.answer = "not connected"
            return record
        ack_id, self.next_ack = self.next_ack, self.next_ack + 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.acks[ack_id] = (future, record)
        try:
            await self.ws.send_str(f"42{NAMESPACE},{ack_id}{json.dumps([event, data])}")
            answer = await asyncio.wait_for(future, CALL_TIMEOUT_S)
        except (ConnectionError, TimeoutError, aiohttp.ClientError) as exc:
            record.answer = f"{type(exc).__name__}: {exc}"
            return record
        record.answered, record.answer = time.monotonic(), answer
        record.ok = not (isinstance(answer, dict) and answer.get("error"))
        return record

    async def join(self, http: aiohttp.ClientSession, base_url: str) -> Call:
        """Connect and join; on a return, ask for what was missed since the last event seen."""
        try:
            await self.connect(http, base_url)
        except (RuntimeError, aiohttp.ClientError, OSError, TypeError) as exc:  # incl. a close
            record = Call("connect", time.monotonic(), answer=f"{type(exc).__name__}: {exc}")
            self.calls.append(record)
            return record
        back = self.baseline is not None
        record = await self.call("join", {"last_event_id": self.last_event_id} if back else {})
        if record.ok:
            state = record.answer
            if self.baseline is None:
                self.baseline = self.last_event_id = int(state["last_event_id"])
            for event in state.get("missed", []):
                if event.get("kind") == "chat":
                    self._saw_chat(event)
        return record

    async def drop(self) -> None:
        """Gone without a goodbye: the socket closes, no ``leave``."""
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)
        self.ws = self.reader = None


# ---- the world: nodes, classes, people --------------------------------------------------------


@dataclass
class Node:
    base_url: str
    pid: int
    var_dir: Path


def probe_environment(probe_dir: str) -> dict[str, str]:
    """What makes a node load bench/memprobe and write its samples into ``probe_dir``."""
    Path(probe_dir).mkdir(parents=True, exist_ok=True)
    probe = str(Path(__file__).with_name("memprobe"))
    path = os.pathsep.join(filter(None, [probe, os.environ.get("PYTHONPATH")]))
    return {"SOAK_MEMPROBE_DIR": str(Path(probe_dir).resolve()), "PYTHONPATH": path}


@contextlib.asynccontextmanager
async def running_nodes(
    database_url: str, redis_url: str, count: int, probe_dir: str | None = None
) -> AsyncIterator[tuple[list[Node], str, bytes]]:
    """Migrate and load the demo once, then serve ``count`` nodes sharing the database and
    Redis; yield them, the demo password and the shared secret key; stop them after.
    With ``probe_dir``, each node loads bench/memprobe and writes its memory samples there."""
    secret = secrets.token_urlsafe(48)
    dirs = [Path(tempfile.mkdtemp(prefix=f"baeum-soak-{n}-")) for n in range(count)]
    procs: list[asyncio.subprocess.Process] = []
    common = {
        "BAEUM_HOST": "127.0.0.1",
        "BAEUM_LOG_LEVEL": "WARNING",
        "BAEUM_DATABASE_URL": database_url,
        "BAEUM_REDIS_URL": redis_url,
        "BAEUM_SECRET_KEY": secret,
        "BAEUM_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN": "1000000",
    }
    if probe_dir:
        common |= probe_environment(probe_dir)
    try:
        first = server_environment({**common, "BAEUM_VAR_DIR": str(dirs[0])})
        await _run_command(["migrate"], first)
        await _run_command(["demo"], first)
        password = (dirs[0] / "demo-password").read_text().strip()
        nodes = []
        for n, var_dir in enumerate(dirs):
            port = free_port()
            env = server_environment(
                {
                    **common,
                    "BAEUM_VAR_DIR": str(var_dir),
                    "BAEUM_PORT": str(port),
                    "BAEUM_NODE_ID": f"soak-{n}",
                }
            )
            log = var_dir / "server.log"
            with log.open("wb") as out:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "server",
                    "serve",
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=out,
                    stderr=asyncio.subprocess.STDOUT,
                )
            procs.append(proc)
            base_url = f"http://127.0.0.1:{port}"
            await _wait_healthy(base_url, proc, log, timeout_s=120.0)
            nodes.append(Node(base_url, proc.pid, var_dir))
        yield nodes, password, secret.encode()
    finally:
        if os.environ.get("SOAK_LOGS"):  # the nodes' own words, for a run that went wrong
            for n, var_dir in enumerate(dirs):
                text = (var_dir / "server.log").read_text(errors="replace")
                print(f"  node {n} log:\n{text[-6000:]}")
        for n, proc in enumerate(procs):
            if proc.returncode is not None:  # it died during the run: say how
                tail = (dirs[n] / "server.log").read_text(errors="replace").splitlines()[-40:]
                print(f"  node {n} exited with {proc.returncode}:\n" + "\n".join(tail))
        await asyncio.gather(*(_stop(p) for p in procs))
        for var_dir in dirs:
            shutil.rmtree(var_dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def fresh_database(url: str) -> AsyncIterator[None]:
    """Create the named PostgreSQL database anew for the run; drop it after."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise SystemExit("bench soak: --database-url must be PostgreSQL (two nodes share it)")
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield
    finally:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def make_classes(
    database_url: str, secret: bytes, participants: int, classes: int
) -> tuple[list[list[str]], list[str], list[int]]:
    """``classes`` live classes copied from the demo's all-day class, each with an instructor
    of its own on its staff and its share of new trainees enrolled; their class tokens."""
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.unit_of_work() as session:
            model = await session.scalar(select(ClassSession).order_by(ClassSession.id))
            if model is None:
                raise RuntimeError("the demo has no class")
            ids = list(
                await session.scalars(
                    insert(ClassSession).returning(ClassSession.id),
                    [
                        {
                            "cohort_id": model.cohort_id,
                            "title": f"soak class {n + 1}",
                            "starts_at": now - timedelta(minutes=5),
                            "ends_at": now + timedelta(hours=4),
                            "live": True,
                            "state": model.state,
                        }
                        for n in range(classes)
                    ],
                )
            )
            people = [
                {
                    "login": f"soak-teacher{n:03d}",
                    "name": f"강사{n}",
                    "accessibility_needs": [],
                    "is_active": True,
                    "created_at": now,
                }
                for n in range(classes)
            ]
            people += [
                {
                    "login": f"soak{n:06d}",
                    "name": f"참가자{n}",
                    "accessibility_needs": [],
                    "is_active": True,
                    "created_at": now,
                }
                for n in range(participants)
            ]
            made = list(await session.scalars(insert(User).returning(User.id), people))
            teachers, users = made[:classes], made[classes:]
            await session.execute(
                insert(UserRole),
                [{"user_id": u, "role": "instructor"} for u in teachers]
                + [{"user_id": u, "role": "trainee"} for u in users],
            )
            await session.execute(
                insert(SessionStaff),
                [
                    {"class_session_id": i, "user_id": t, "role": "instructor"}
                    for i, t in zip(ids, teachers, strict=True)
                ],
            )
            await session.execute(
                insert(Enrolment),
                [
                    {
                        "cohort_id": model.cohort_id,
                        "user_id": u,
                        "status": "approved",
                        "created_at": now,
                    }
                    for u in users
                ],
            )
    finally:
        await db.close()
    expires = now + timedelta(hours=4)

    def token(user: int, cs: int, grants: list[str]) -> str:
        claims = {"sub": str(user), "cs": cs, "grants": grants}
        return tokens.sign(secret, tokens.Purpose.CLASS, claims, expires)

    trainees: list[list[str]] = [[] for _ in ids]
    for n, user in enumerate(users):
        trainees[n % classes].append(token(user, ids[n % classes], ["publish", "subscribe"]))
    grants = ["moderate", "publish", "subscribe"]
    return trainees, [token(t, cs, grants) for t, cs in zip(teachers, ids, strict=True)], ids


# ---- one class's day --------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the load generator was told: acknowledged writes, by class."""

    chats: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    questions: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    votes: Counter[int] = field(default_factory=Counter)  # question id → acknowledged upvotes
    posts: set[int] = field(default_factory=set)
    boards: dict[int, int] = field(default_factory=dict)


async def trainee_day(
    p: Participant,
    nodes: list[Node],
    http: aiohttp.ClientSession,
    ledger: Ledger,
    rng: random.Random,
    duration: float,
    start: float,
    args: argparse.Namespace,
    join_gate: asyncio.Semaphore,
) -> None:
    """Join, then do the day's actions at their times, dropping once and coming back."""
    home, other = nodes[p.index % len(nodes)], nodes[(p.index + 1) % len(nodes)]
    await asyncio.sleep(rng.uniform(0, duration * 0.1))
    async with join_gate:
        await p.join(http, home.base_url)
    end = duration - 45.0  # the last action leaves time for the last return and the check
    plan = ["chat"] * args.chats + ["ask"] + ["vote"] * args.votes + ["post"]
    times = sorted(rng.uniform(duration * 0.12, end) for _ in plan)
    rng.shuffle(plan)
    drop_at = rng.uniform(duration * 0.15, end)
    actions = sorted([*zip(times, plan, strict=True), (drop_at, "drop")])
    for at, what in actions:
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        if what == "drop":
            await p.drop()
            await asyncio.sleep(rng.uniform(2.0, 15.0))  # the call, then back
            async with join_gate:
                await p.join(http, other.base_url)
        else:
            await act(p, what, ledger, rng)


async def act(p: Participant, what: str, ledger: Ledger, rng: random.Random) -> None:
    cs = p.class_no
    if what == "chat":
        record = await p.call("send_chat", {"text": f"soak {p.index} {rng.random():.6f}"})
        if record.ok:
            ledger.chats[cs].add(int(record.answer["id"]))
    elif what == "ask":
        record = await p.call(
            "qa_ask",
            {"text": f"질문 {p.index}", "anonymous": True, "request_id": f"soak-q-{p.index:06d}"},
        )
        if record.ok and record.answer.get("status") == "published":
            ledger.questions[cs].append(int(record.answer["id"]))
    elif what == "vote":
        choices = [q for q in ledger.questions[cs] if q not in p.voted]
        if choices:
            question = rng.choice(choices)
            p.voted.add(question)
            record = await p.call("qa_vote", {"question_id": question, "up": True})
            if record.ok:
                ledger.votes[question] += 1
    elif what == "post":
        body = {
            "board_id": ledger.boards[cs],
            "title": f"의견 {p.index}",
            "request_id": f"soak-p-{p.index:06d}",
        }
        record = await p.call("board_post", body)
        if record.ok:
            ledger.posts.add(int(record.answer["id"]))


# ---- the check --------------------------------------------------------------------------------


def undelivered(people: list[Participant], ledger: Ledger) -> int:
    """Chat messages of a person's class, sent after they first joined, that never reached them."""
    missing = 0
    for p in people:
        if p.baseline is None:
            continue
        expected = {i for i in ledger.chats[p.class_no] if i > p.baseline}
        missing += len(expected - p.chat_seen)
    return missing


async def settle(people: list[Participant], ledger: Ledger) -> None:
    """Wait (bounded) until every chat message has reached everyone it should."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        if not undelivered(people, ledger):
            break
        await asyncio.sleep(0.5)


async def stored(database_url: str, ledger: Ledger, class_ids: list[int]) -> dict[str, int]:
    """What the database lacks of the acknowledged writes (and holds twice)."""
    db = Database(database_url)
    try:
        async with db.unit_of_work() as session:
            chats = set(
                await session.scalars(
                    select(ClassEvent.id).where(
                        ClassEvent.kind == "chat", ClassEvent.class_session_id.in_(class_ids)
                    )
                )
            )
            questions = dict(
                (
                    await session.execute(
                        select(Question.id, Question.votes).where(
                            Question.class_session_id.in_(class_ids)
                        )
                    )
                )
                .tuples()
                .all()
            )
            vote_rows = dict(
                (
                    await session.execute(
                        select(QuestionVote.question_id, func.count()).group_by(
                            QuestionVote.question_id
                        )
                    )
                )
                .tuples()
                .all()
            )
            posts = set(
                await session.scalars(
                    select(BoardPost.id).where(BoardPost.board_id.in_(list(ledger.boards.values())))
                )
            )
    finally:
        await db.close()
    acked_chats = set().union(*ledger.chats.values()) if ledger.chats else set()
    acked_questions = {q for qs in ledger.questions.values() for q in qs}
    return {
        "chat_not_stored": len(acked_chats - chats),
        "questions_not_stored": len(acked_questions - set(questions)),
        "votes_not_counted": sum(max(0, n - questions.get(q, 0)) for q, n in ledger.votes.items()),
        "vote_rows_missing": sum(max(0, n - vote_rows.get(q, 0)) for q, n in ledger.votes.items()),
        "posts_not_stored": len(ledger.posts - posts),
        # kept but never acknowledged (the call timed out on an overloaded node): not a loss,
        # and not a double either, which the unique key per question and person rules out
        "votes_kept_unanswered": sum(
            max(0, vote_rows.get(q, 0) - n) for q, n in ledger.votes.items()
        ),
    }


def rss_mb(pid: int) -> float:
    """A process's resident memory; NaN once it has gone (a node that died is an error)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def sample_rss(nodes: list[Node], samples: list[list[float]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append([round(rss_mb(n.pid), 1) for n in nodes])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RSS_EVERY_S)


# ---- the run ----------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    duration = args.minutes * 60.0
    if duration < 120:
        raise SystemExit("bench soak: --minutes must be at least 2 (joins, actions, the check)")
    print(
        f"bench soak: {args.participants} participants, {args.classes} classes, {args.nodes} "
        f"nodes, {args.minutes:g} min, Python {platform.python_version()}",
        flush=True,
    )
    flush = aioredis.from_url(args.redis_url)
    await flush.flushdb()
    await flush.aclose()
    async with (
        fresh_database(args.database_url),
        running_nodes(args.database_url, args.redis_url, args.nodes, args.memory_probe) as (
            nodes,
            _,
            secret,
        ),
    ):
        trainee_tokens, teacher_tokens, class_ids = await make_classes(
            args.database_url, secret, args.participants, args.classes
        )
        rng = random.Random(args.seed)
        ledger = Ledger()
        people = [
            Participant(n, n % args.classes, trainee_tokens[n % args.classes][n // args.classes])
            for n in range(args.participants)
        ]
        teachers = [
            Participant(-1 - c, c, t, instructor=True) for c, t in enumerate(teacher_tokens)
        ]
        sessions = [
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, local_addr=(f"127.0.1.{c % 250 + 1}", 0))
            )
            for c in range(args.classes)
        ]
        samples: list[list[float]] = []
        stop = asyncio.Event()
        cpu0 = [process_cpu_seconds(n.pid) for n in nodes]
        try:
            for t in teachers:
                record = await t.join(sessions[t.class_no], nodes[t.class_no % len(nodes)].base_url)
                board = await t.call("board_create", {"title": "오늘의 의견", "layout": "wall"})
                if not (record.ok and board.ok):
                    raise RuntimeError(f"class {t.class_no}: {record.answer} / {board.answer}")
                ledger.boards[t.class_no] = int(board.answer["id"])
            gate = asyncio.Semaphore(args.join_concurrency)
            start = time.monotonic()
            sampler = asyncio.create_task(sample_rss(nodes, samples, stop))
            days = [
                trainee_day(
                    p,
                    nodes,
                    sessions[p.class_no],
                    ledger,
                    random.Random(rng.random()),
                    duration,
                    start,
                    args,
                    gate,
                )
                for p in people
            ]
            await asyncio.gather(*days)
            await settle([*people, *teachers], ledger)
            stop.set()
            await sampler
            samples.append([round(rss_mb(n.pid), 1) for n in nodes])
            cpu = [
                round(process_cpu_seconds(n.pid) - c, 1) for n, c in zip(nodes, cpu0, strict=True)
            ]
            lost = await stored(args.database_url, ledger, class_ids)
            lost["chat_not_delivered"] = undelivered([*people, *teachers], ledger)
        finally:
            await asyncio.gather(*(p.drop() for p in [*people, *teachers]), return_exceptions=True)
            await asyncio.gather(*(s.close() for s in sessions))
    return figures(args, people, teachers, ledger, lost, samples, cpu, duration)


def figures(
    args: argparse.Namespace,
    people: list[Participant],
    teachers: list[Participant],
    ledger: Ledger,
    lost: dict[str, int],
    samples: list[list[float]],
    cpu: list[float],
    duration: float,
) -> dict[str, Any]:
    calls = [c for p in [*people, *teachers] for c in p.calls]
    failed = [c for c in calls if not c.ok]
    latency = [(c.answered - c.sent) * 1000 for c in calls if c.answered is not None]
    by_event: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        if c.answered is not None:
            by_event[c.event].append((c.answered - c.sent) * 1000)
    warm = max(1, int(len(samples) * 0.15))  # the joins are over by then
    growth = max((samples[-1][n] - samples[warm][n] for n in range(len(samples[0]))), default=0.0)
    lost_events = sum(v for k, v in lost.items() if k != "votes_kept_unanswered")
    result: dict[str, Any] = {
        "participants": len(people),
        "classes": args.classes,
        "nodes": args.nodes,
        "minutes": args.minutes,
        "calls": len(calls),
        "errors": len(failed),
        "error_kinds": dict(Counter(str(c.answer)[:80] for c in failed).most_common(5)),
        "lost_events": lost_events,
        "lost": lost,
        "chats": sum(len(v) for v in ledger.chats.values()),
        "questions": sum(len(v) for v in ledger.questions.values()),
        "votes": sum(ledger.votes.values()),
        "posts": len(ledger.posts),
        "p50_ms": round(percentile(latency, 0.5), 1),
        "p99_ms": round(percentile(latency, 0.99), 1),
        "p99_ms_by_event": {e: round(percentile(v, 0.99), 1) for e, v in sorted(by_event.items())},
        "rss_growth_mb": round(growth, 1),
        "rss_mb": samples,
        "server_cpu_s": cpu,
        "calls_per_s": round(len(calls) / duration, 1),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "goal": GOAL,
    }
    print(
        f"  {len(calls)} calls, {len(failed)} errors {result['error_kinds']}; lost "
        f"{lost_events} {lost}; p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; "
        f"RSS growth {result['rss_growth_mb']} MB; server CPU {cpu} s",
        flush=True,
    )
    return result
