"""``python -m bench board``: a class of N posts to one board at once; everyone gets every post.

The server runs in its own process (bench/server.py: SQLite unless ``--database-url``), loaded
with the demo. ``--participants`` trainees are enrolled in the demo's all-day class (as
``python -m bench classroom`` does), each connects a python-socketio ``AsyncClient`` to
``/class`` with a class token and joins (at most ``--join-concurrency`` at once). The demo's
instructor logs in over HTTP, takes a class token, joins on the socket too, and creates a wall
board (``board_create {"title", "layout": "wall"}``). Everyone, the instructor included, opens
it (``board_open``: the board's state, and its ``board_posts`` pushes from then on: each one a
batch of the posts that changed in a moment) and must find it empty.

The burst: at one moment every participant sends ``--posts`` (5) ``board_post`` ``{board_id,
body, request_id}`` at once, each with its own request id, without waiting for the answers.
``--retries`` (10) of them, chosen at random (``--seed``), also send their first post again
with the same request id 0–``RETRY_WITHIN_S`` later, without waiting for the first answer: the
retry of a client that lost its connection (the server keys a post by board, author and request
id, not by socket). The answer to a retry must be the same post, and nobody may be told of it
twice.

Every client (the participants and the instructor) records when it first learns of each post:
a post in a ``board_posts`` push for this board, or, for its own posts, the answer (whichever
comes first). A client has converged when it knows every acknowledged post. ``converge_ms`` runs
from the start of the burst until the last client has converged (up to ``CONVERGE_TIMEOUT_S`` after
the last answer; ``not_converged`` counts the clients that never did, and ``converge_ms`` is
then null); ``converge_p50_ms`` is the median client's; ``converge_after_last_ack_ms`` runs
from the moment the last post was first acknowledged instead. ``server_cpu_s`` is the server
process's CPU from the start of the burst until convergence (or the time-out), ``load_cpu_s``
this process's.

Then every client opens the board again (all at once) and the boards they get are compared:
``states_identical`` (every client got the same set of post ids), ``lost`` (acknowledged posts
missing from at least one client's board), ``extra`` (posts on some client's board that no
answer named), ``duplicate_ids`` (a post listed twice in one board). ``db_posts`` counts the
board's rows in the database itself and ``duplicates`` is ``db_posts`` less the distinct request
ids sent: a retry that made a second post shows there even if it were hidden from the class.
``reopen_all_ms`` is from sending these opens until the last answer, ``reopen_cpu_s`` the
server's CPU meanwhile (each answer carries the whole board).

Figures also: ``posts_per_s`` (acknowledged posts / seconds from the start of the burst to the
moment the last post was first acknowledged: a retry's later answer adds nothing),
``ack_p50_ms``/``_p99_ms``/``_max_ms`` (sending a post to its answer, retries
included), ``refused`` (``ok: false``), ``unanswered`` (no answer within ``CALL_TIMEOUT_S``),
``held`` (posts answered but not published: pre-moderation or the text filters; none here),
``retry_mismatch`` (retries answered with another post than the first send's),
``deliveries`` (posts of this board in the pushes the clients received, against
``expected_deliveries``: every acknowledged post to every client, its author included),
``messages`` (``board_posts`` pushes received, all clients together: the frames the server
wrote), ``repeated_pushes`` (a push of a post the client had already been pushed), and the join as
breakout reports it. The goal: at 200 participants ``converge_ms`` < 3 s, nothing lost, no
duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio
from sqlalchemy import func, select

from bench.common import CALL_TIMEOUT_S, NAMESPACE, class_bench, connect_and_join
from bench.http import database_kind, percentile
from bench.server import process_cpu_seconds
from bench.votes import call_ok, instructor_token, wait_until
from server.boards.models import BoardPost
from server.core.db import Database

describe = "N participants post to one board at once: time until everyone has every post, lost"
GOAL: dict[str, float] = {"participants": 200, "converge_ms": 3000, "lost": 0, "duplicates": 0}
RETRY_WITHIN_S = 0.3  # a reconnect retry goes out this long after the first send, at most
CONVERGE_TIMEOUT_S = 30.0  # after the last answer
SETTLE_S = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m bench board``."""
    parser.add_argument("--participants", type=int, default=200, help="trainees (default 200)")
    parser.add_argument("--posts", type=int, default=5, help="posts each (default 5)")
    parser.add_argument(
        "--retries",
        type=int,
        default=10,
        help="participants who send their first post again, same request id (default 10)",
    )
    parser.add_argument(
        "--join-concurrency",
        type=int,
        default=50,
        help="participants connecting and joining at once (default 50)",
    )
    parser.add_argument("--seed", type=int, default=1, help="who retries, and when (default 1)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")


# ---- the clients ------------------------------------------------------------------------------


@dataclass
class Send:
    """One ``board_post`` and its answer."""

    request_id: str
    sent: float
    retry: bool = False
    acked: float | None = None  # None: no answer within CALL_TIMEOUT_S
    ok: bool = False
    post_id: int | None = None
    status: str | None = None


@dataclass
class Poster:
    """A class socket on the board: what it learnt of each post and when, and what it sent."""

    index: int
    sio: socketio.AsyncClient
    user_id: int = 0
    board_id: int = 0
    seen: dict[int, float] = field(default_factory=dict)  # post id -> first push or own answer
    pushed: set[int] = field(default_factory=set)
    pushes: int = 0
    messages: int = 0  # board_posts frames
    repeated: int = 0  # pushes of a post already pushed to this client
    retry_after_s: float | None = None  # None: no retry
    sends: list[Send] = field(default_factory=list)

    def on_posts(self, data: dict[str, Any]) -> None:
        now = time.monotonic()
        if data.get("board_id") != self.board_id:
            return
        self.messages += 1
        for post in data["posts"]:
            if post.get("status") != "published":
                continue
            post_id = int(post["id"])
            self.pushes += 1
            if post_id in self.pushed:
                self.repeated += 1
            self.pushed.add(post_id)
            self.seen.setdefault(post_id, now)

    def converged_at(self, posts: set[int]) -> float | None:
        """When this client knew every post of ``posts``; None if it still misses one."""
        if not posts <= self.seen.keys():
            return None
        return max(self.seen[p] for p in posts)


def new_poster(index: int, http: aiohttp.ClientSession) -> Poster:
    """A socket.io client sharing the load generator's connection pool, handler in place."""
    sio = socketio.AsyncClient(reconnection=False, http_session=http)
    person = Poster(index, sio)
    sio.on("board_posts", person.on_posts, namespace=NAMESPACE)
    return person


async def send(person: Poster, body: dict[str, Any], retry: bool = False) -> None:
    record = Send(request_id=body["request_id"], sent=time.monotonic(), retry=retry)
    person.sends.append(record)
    try:
        answer = await person.sio.call("board_post", body, namespace=NAMESPACE,
                                       timeout=CALL_TIMEOUT_S)  # fmt: skip
    except socketio.exceptions.TimeoutError:
        return
    record.acked, record.ok = time.monotonic(), bool(answer.get("ok"))
    if record.ok:
        record.post_id, record.status = int(answer["id"]), str(answer["status"])
        person.seen.setdefault(record.post_id, record.acked)


async def post_all(person: Poster, posts: int) -> None:
    """Send this participant's posts at once (and its retry of the first, if it has one)."""
    bodies = [{"board_id": person.board_id, "body": f"참가자 {person.index}의 생각 {k}",
               "request_id": f"board-bench-{person.index:06d}-{k}"}
              for k in range(posts)]  # fmt: skip
    sending = [send(person, body) for body in bodies]
    if person.retry_after_s is not None:

        async def retry(delay_s: float) -> None:
            await asyncio.sleep(delay_s)
            await send(person, bodies[0], retry=True)

        sending.append(retry(person.retry_after_s))
    await asyncio.gather(*sending)


def first_answers(answered: list[Send]) -> dict[str, float]:
    """Each request id's first acceptance (a retry answered later adds no post)."""
    first: dict[str, float] = {}
    for s in answered:
        if s.acked is not None:
            first[s.request_id] = min(s.acked, first.get(s.request_id, s.acked))
    return first


async def open_board(person: Poster) -> list[int]:
    """``board_open``: the ids of the posts on the board as this client is shown it."""
    state = await call_ok(person.sio, "board_open", {"board_id": person.board_id})
    return [int(p["id"]) for p in state["posts"]]


async def board_rows(database_url: str, board_id: int) -> tuple[int, int]:
    """The board's posts in the database itself: rows, and distinct request ids among them."""
    db = Database(database_url)
    try:
        async with db.unit_of_work() as session:
            stmt = select(func.count(), func.count(BoardPost.request_key.distinct())).where(
                BoardPost.board_id == board_id
            )
            rows, keys = (await session.execute(stmt)).one()
    finally:
        await db.close()
    return int(rows), int(keys)


# ---- the run ----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the server, join everyone, open the board, post at once; the figures."""
    if args.participants < 1 or args.posts < 1 or args.retries < 0:
        raise SystemExit("bench board: --participants and --posts must be >= 1, --retries >= 0")
    database = database_kind(args.database_url)
    print(f"bench board: Python {platform.python_version()}, {database}, "
          f"{args.participants} participants, {args.posts} posts each, {args.retries} retries",
          flush=True)  # fmt: skip
    async with class_bench(args.database_url, args.participants) as bench:
        server = bench.server
        people = [new_poster(n, bench.sockets) for n in range(args.participants)]
        instructor = new_poster(-1, bench.sockets)
        everyone = [*people, instructor]
        bench.clients += [p.sio for p in everyone]
        rng = random.Random(args.seed)
        for person in rng.sample(people, min(args.retries, len(people))):
            person.retry_after_s = rng.uniform(0, RETRY_WITHIN_S)
        await bench.join(people, args.join_concurrency, "board-bench")
        token = await instructor_token(bench.http, server, bench.class_session_id)
        auth = {"token": token, "client_id": "board-bench-instructor"}
        await connect_and_join(instructor.sio, server.base_url, auth)
        board = await call_ok(instructor.sio, "board_create",
                              {"title": "bench board", "layout": "wall"})  # fmt: skip
        for person in everyone:
            person.board_id = int(board["id"])
        opened_at = time.monotonic()
        empty = await asyncio.gather(*(open_board(p) for p in everyone))
        opened_ms = (time.monotonic() - opened_at) * 1000
        if any(empty):
            raise RuntimeError("a new board is not empty")
        print(f"  board {board['id']} created; everyone opened it in {opened_ms:.0f} ms",
              flush=True)  # fmt: skip
        await asyncio.sleep(SETTLE_S)  # the last joins' presence updates go out

        cpu_before, load_before = process_cpu_seconds(server.pid), time.process_time()
        burst_start = time.monotonic()
        await asyncio.gather(*(post_all(p, args.posts) for p in people))
        sends = [s for p in people for s in p.sends]
        answered = [s for s in sends if s.ok and s.post_id is not None]
        acked_ids = {s.post_id for s in answered if s.post_id is not None}
        last_ack = max(first_answers(answered).values(), default=time.monotonic())
        expected = len(acked_ids)
        await wait_until(lambda: all(len(p.seen) >= expected for p in everyone),
                         CONVERGE_TIMEOUT_S - (time.monotonic() - last_ack))  # fmt: skip
        server_cpu = process_cpu_seconds(server.pid) - cpu_before
        load_cpu = time.process_time() - load_before
        converged = [t for p in everyone if (t := p.converged_at(acked_ids)) is not None]
        await asyncio.sleep(SETTLE_S)  # a late repeated push would arrive meanwhile

        cpu_reopen, reopen_at = process_cpu_seconds(server.pid), time.monotonic()
        states = await asyncio.gather(*(open_board(p) for p in everyone))
        reopen_ms = (time.monotonic() - reopen_at) * 1000
        reopen_cpu = process_cpu_seconds(server.pid) - cpu_reopen
        db_posts, db_keys = await board_rows(server.database_url, int(board["id"]))

    first_ids = {s.request_id: s.post_id for p in people for s in p.sends if not s.retry}
    retries = [s for s in sends if s.retry]
    mismatch = sum(1 for s in retries if s.ok and s.post_id != first_ids.get(s.request_id))
    acks_ms = [(s.acked - s.sent) * 1000 for s in sends if s.acked is not None]
    everyone_ok = len(converged) == len(everyone)
    converge_ms = (max(converged) - burst_start) * 1000 if everyone_ok else None
    after_ack_ms = (max(converged) - last_ack) * 1000 if everyone_ok else None
    per_client_ms = [(t - burst_start) * 1000 for t in converged]
    sets = [set(s) for s in states]
    on_every_board = set.intersection(*sets) if sets else set()
    burst_s = last_ack - burst_start
    requests = len({s.request_id for s in sends})
    figures: dict[str, Any] = {
        "participants": len(people),
        "posts_each": args.posts,
        "retries": len(retries),
        "submits": len(sends),
        "posts": len(acked_ids),
        "converge_ms": _round(converge_ms),
        "converge_p50_ms": round(percentile(per_client_ms, 0.5), 1),
        "converge_after_last_ack_ms": _round(after_ack_ms),
        "not_converged": len(everyone) - len(converged),
        "posts_per_s": round(len(acked_ids) / burst_s, 1) if burst_s > 0 else None,
        "ack_p50_ms": round(percentile(acks_ms, 0.5), 1),
        "ack_p99_ms": round(percentile(acks_ms, 0.99), 1),
        "ack_max_ms": round(max(acks_ms, default=0.0), 1),
        "refused": sum(1 for s in sends if s.acked is not None and not s.ok),
        "unanswered": sum(1 for s in sends if s.acked is None),
        "held": sum(1 for s in answered if s.status != "published"),
        "retry_mismatch": mismatch,
        "deliveries": sum(p.pushes for p in everyone),
        "expected_deliveries": len(acked_ids) * len(everyone),
        "repeated_pushes": sum(p.repeated for p in everyone),
        "messages": sum(p.messages for p in everyone),
        "states_identical": all(s == sets[0] for s in sets),
        "lost": len(acked_ids - on_every_board),
        "extra": len(set[int]().union(*sets) - acked_ids),
        "duplicate_ids": sum(len(s) - len(set(s)) for s in states),
        "db_posts": db_posts,
        "duplicates": db_posts - requests,
        "db_request_ids": db_keys,
        "reopen_all_ms": round(reopen_ms, 1),
        "reopen_cpu_s": round(reopen_cpu, 2),
        "opened_all_ms": round(opened_ms, 1),
        "server_cpu_s": round(server_cpu, 2),
        "load_cpu_s": round(load_cpu, 2),
        **bench.join_figures(),
        "database": database,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    met = (
        len(people) >= GOAL["participants"]
        and converge_ms is not None
        and converge_ms < GOAL["converge_ms"]
        and figures["lost"] == GOAL["lost"]
        and figures["duplicates"] == GOAL["duplicates"]
        and len(acked_ids) == len(people) * args.posts
    )
    figures["goal_met"] = met
    figures["goal"] = GOAL
    print(f"  posted: {len(sends)} sends ({len(retries)} retries), {len(acked_ids)} posts, "
          f"{figures['posts_per_s']} posts/s; answer p50 {figures['ack_p50_ms']} ms, "
          f"p99 {figures['ack_p99_ms']} ms, max {figures['ack_max_ms']} ms; refused "
          f"{figures['refused']}, unanswered {figures['unanswered']}", flush=True)  # fmt: skip
    print(f"  converged {_ms(converge_ms)} after the start of the burst (p50 client "
          f"{figures['converge_p50_ms']:.0f} ms; {_ms(after_ack_ms)} after the last answer; "
          f"{figures['not_converged']} never); server CPU {server_cpu:.2f} s, load generator "
          f"CPU {load_cpu:.2f} s; {figures['deliveries']} of {figures['expected_deliveries']} "
          f"posts pushed in {figures['messages']} messages, {figures['repeated_pushes']} "
          f"repeated", flush=True)  # fmt: skip
    print(f"  reopened by all {len(everyone)} in {reopen_ms:.0f} ms (server CPU "
          f"{reopen_cpu:.2f} s): identical {figures['states_identical']}, lost "
          f"{figures['lost']}, extra {figures['extra']}; database {db_posts} posts for "
          f"{requests} request ids (duplicates {figures['duplicates']}), retry mismatches "
          f"{mismatch}", flush=True)  # fmt: skip
    print(f"  goal converge < {GOAL['converge_ms']:g} ms at {GOAL['participants']:g} "
          f"participants, none lost or duplicated: {'met' if met else 'NOT met'}",
          flush=True)  # fmt: skip
    return figures
