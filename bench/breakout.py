"""``python -m bench breakout``: a class of N goes into G breakout groups and comes back.

The server runs in its own process (bench/server.py: SQLite unless ``--database-url``), loaded
with the demo. ``--participants`` trainees are enrolled in the demo's all-day class (as
``python -m bench classroom`` does), each connects a python-socketio ``AsyncClient`` to
``/class`` with a class token and joins (at most ``--join-concurrency`` at once). The demo's
instructor logs in over HTTP, makes a set of ``--groups`` groups for the class
(``POST /api/v1/class-sessions/{id}/breakout-sets``), fills it at random with a fixed seed
(``POST /api/v1/breakout-sets/{id}/fill``: everyone the class may hold, so the demo's 30
trainees, who are not connected, are placed too), takes a class token and joins on the socket.

Then ``--rounds`` times:

1. the instructor sends ``breakout_open`` ``{"set_id", "minutes"}``. ``all_moved_ms`` is the
   time from sending it until the last participant has received ``breakout_opened`` and found
   its own user id in a group's ``members`` (what a client needs to know to show its group);
2. after ``SETTLE_S`` (the coalesced presence updates the move causes go out meanwhile), the
   instructor sends ``breakout_close`` ``{}``. ``all_back_ms`` is the time from sending it until
   every participant has received ``breakout_closed`` for that round;
3. ``SETTLE_S`` again before the next round.

One machine, one monotonic clock: an arrival is timed in the participant's event handler.
``open_ack_ms`` and ``close_ack_ms`` are from sending until the instructor's acknowledgement,
which the server sends once the event is committed and its broadcast queued.

Figures: ``all_moved_p50_ms``/``_max_ms`` and ``all_back_p50_ms``/``_max_ms`` over the rounds
(nearest rank; with the per-round values in ``all_moved_ms``/``all_back_ms``), the same for the
acknowledgements, ``not_moved`` and ``not_back`` (participant-rounds that missed their group or
the return within ``PHASE_TIMEOUT_S``), ``server_cpu_s`` (the server process over all rounds,
settling included) and ``open_cpu_s``/``close_cpu_s`` (in the measured windows only),
``load_cpu_s`` (this process over all rounds: the load generator shares the machine), and the
join: ``join_p50_ms``/``join_p99_ms`` (connect and join), ``join_cpu_s``. The goal: every
round's ``all_moved_ms`` within 1 s with 300 participants in 30 groups, nobody missing.

``breakout_open`` is rate-limited per person (10 a minute, in bursts of up to 10): past about
14 rounds a refused open (``rate-limited``) is sent again after the wait the server names, and
the round is timed from the accepted one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from bench.common import CALL_TIMEOUT_S, NAMESPACE, class_bench, connect_and_join
from bench.http import database_kind, percentile
from bench.server import RunningServer, process_cpu_seconds

describe = "N participants into G breakout groups and back: time until the last is there, CPU"
GOAL: dict[str, float] = {"participants": 300, "groups": 30, "all_moved_ms": 1000}
INSTRUCTOR = "instructor"  # the demo's instructor of every class today
PHASE_TIMEOUT_S = 30.0  # for everyone to arrive after an open or a close
SETTLE_S = 1.0
POLL_S = 0.01  # how often the waiting loop looks; arrivals are timed where they happen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m bench breakout``."""
    parser.add_argument("--participants", type=int, default=300, help="trainees (default 300)")
    parser.add_argument("--groups", type=int, default=30, help="breakout groups (default 30)")
    parser.add_argument("--rounds", type=int, default=5, help="open and close (default 5)")
    parser.add_argument(
        "--join-concurrency",
        type=int,
        default=50,
        help="participants connecting and joining at once (default 50)",
    )
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")


# ---- the participants -------------------------------------------------------------------------


@dataclass
class Participant:
    """One trainee's class socket, and when each round's open and close reached it."""

    index: int
    sio: socketio.AsyncClient
    user_id: int = 0
    moved: dict[int, float] = field(default_factory=dict)  # round id -> in its group (monotonic)
    back: dict[int, float] = field(default_factory=dict)  # round id -> breakout_closed
    misplaced: int = 0  # breakout_opened without this participant in any group

    def on_opened(self, data: dict[str, Any]) -> None:
        now = time.monotonic()
        if any(self.user_id in group["members"] for group in data["groups"]):
            self.moved[int(data["round_id"])] = now
        else:
            self.misplaced += 1

    def on_closed(self, data: dict[str, Any]) -> None:
        self.back[int(data["round_id"])] = time.monotonic()


def new_client(index: int, http: aiohttp.ClientSession) -> Participant:
    """A socket.io client sharing the load generator's connection pool, handlers in place."""
    sio = socketio.AsyncClient(reconnection=False, http_session=http)
    person = Participant(index, sio)
    sio.on("breakout_opened", person.on_opened, namespace=NAMESPACE)
    sio.on("breakout_closed", person.on_closed, namespace=NAMESPACE)
    return person


# ---- the instructor ---------------------------------------------------------------------------


async def _post(http: aiohttp.ClientSession, path: str, body: Any, csrf: str) -> Any:
    async with http.post(path, json=body, headers={"X-CSRF-Token": csrf}) as resp:
        answer = await resp.json()
        if resp.status >= 300:
            raise RuntimeError(f"POST {path} answered {resp.status}: {answer}")
        return answer


async def prepare_groups(
    http: aiohttp.ClientSession, server: RunningServer, class_session_id: int, groups: int
) -> tuple[int, str]:
    """Log in as the instructor, make and fill the set; its id and a class token."""
    login = {"login": INSTRUCTOR, "password": server.password}
    async with http.post("/api/v1/auth/login", json=login) as resp:
        answer = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"instructor log-in answered {resp.status}: {answer}")
        csrf = str(answer["csrf_token"])
    made = await _post(http, f"/api/v1/class-sessions/{class_session_id}/breakout-sets",
                       {"name": "bench", "groups": groups}, csrf)  # fmt: skip
    set_id = int(made["id"])
    await _post(http, f"/api/v1/breakout-sets/{set_id}/fill", {"mode": "random", "seed": 1}, csrf)
    token = await _post(http, f"/api/v1/class-sessions/{class_session_id}/class-token", {}, csrf)
    return set_id, str(token["token"])


async def timed_call(instructor: socketio.AsyncClient, event: str, data: Any) -> tuple[float, Any]:
    """Send an event; when it was sent (monotonic) and its acknowledgement. A ``rate-limited``
    refusal is sent again after the server's wait (and timed from the accepted one)."""
    while True:
        started = time.monotonic()
        answer = await instructor.call(event, data, namespace=NAMESPACE, timeout=CALL_TIMEOUT_S)
        if answer.get("ok"):
            return started, answer
        error = answer.get("error") or {}
        if error.get("type") != "rate-limited":
            raise RuntimeError(f"{event} refused: {answer}")
        print(f"  {event} rate-limited: waiting {error['retry_after_s']} s", flush=True)
        await asyncio.sleep(float(error["retry_after_s"]) + 0.1)


# ---- the rounds -------------------------------------------------------------------------------


@dataclass
class Round:
    """One open and close, seen from the instructor and from every participant."""

    round_id: int
    moved_ms: float | None  # None: not everyone arrived in time
    back_ms: float | None
    open_ack_ms: float
    close_ack_ms: float
    not_moved: int
    not_back: int
    open_cpu_s: float
    close_cpu_s: float


async def wait_for_all(
    people: list[Participant], arrived: Callable[[Participant], float | None], started: float
) -> list[float]:
    """Wait (up to PHASE_TIMEOUT_S) until ``arrived(person)`` gives a time for everyone; the
    arrival times that came."""
    deadline = started + PHASE_TIMEOUT_S
    while time.monotonic() < deadline:
        if all(arrived(p) is not None for p in people):
            break
        await asyncio.sleep(POLL_S)
    return [t for p in people if (t := arrived(p)) is not None]


async def one_round(
    instructor: socketio.AsyncClient, people: list[Participant], set_id: int, pid: int
) -> Round:
    cpu0 = process_cpu_seconds(pid)
    opened_at, opened = await timed_call(instructor, "breakout_open",
                                         {"set_id": set_id, "minutes": 30})  # fmt: skip
    open_ack = time.monotonic() - opened_at
    round_id = int(opened["round_id"])
    moved = await wait_for_all(people, lambda p: p.moved.get(round_id), opened_at)
    cpu1 = process_cpu_seconds(pid)
    await asyncio.sleep(SETTLE_S)

    cpu2 = process_cpu_seconds(pid)
    closed_at, _ = await timed_call(instructor, "breakout_close", {})
    close_ack = time.monotonic() - closed_at
    back = await wait_for_all(people, lambda p: p.back.get(round_id), closed_at)
    cpu3 = process_cpu_seconds(pid)
    everyone = len(people)
    return Round(
        round_id=round_id,
        moved_ms=(max(moved) - opened_at) * 1000 if len(moved) == everyone else None,
        back_ms=(max(back) - closed_at) * 1000 if len(back) == everyone else None,
        open_ack_ms=open_ack * 1000,
        close_ack_ms=close_ack * 1000,
        not_moved=everyone - len(moved),
        not_back=everyone - len(back),
        open_cpu_s=cpu1 - cpu0,
        close_cpu_s=cpu3 - cpu2,
    )


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _p50_max(values: list[float | None]) -> tuple[float | None, float | None]:
    """Over the rounds; a round where someone never arrived makes both unknown."""
    if not values or any(v is None for v in values):
        return None, None
    known = [v for v in values if v is not None]
    return round(percentile(known, 0.5), 1), round(max(known), 1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the server, join everyone, run the rounds; the figures for the JSON line."""
    if args.participants < 1 or args.groups < 1 or args.rounds < 1:
        raise SystemExit("bench breakout: --participants, --groups and --rounds must be >= 1")
    database = database_kind(args.database_url)
    print(f"bench breakout: Python {platform.python_version()}, {database}, "
          f"{args.participants} participants, {args.groups} groups, {args.rounds} rounds",
          flush=True)  # fmt: skip
    async with class_bench(args.database_url, args.participants) as bench:
        server = bench.server
        people = [new_client(n, bench.sockets) for n in range(args.participants)]
        instructor = socketio.AsyncClient(reconnection=False, http_session=bench.sockets)
        bench.clients += [p.sio for p in people] + [instructor]
        await bench.join(people, args.join_concurrency, "breakout-bench")
        set_id, token = await prepare_groups(bench.http, server, bench.class_session_id,
                                             args.groups)  # fmt: skip
        auth = {"token": token, "client_id": "breakout-bench-instructor"}
        await connect_and_join(instructor, server.base_url, auth)
        await asyncio.sleep(SETTLE_S)  # the last joins' presence updates go out

        rounds: list[Round] = []
        cpu_before, load_before = process_cpu_seconds(server.pid), time.process_time()
        for n in range(args.rounds):
            r = await one_round(instructor, people, set_id, server.pid)
            rounds.append(r)
            print(f"  round {n + 1}: all moved {_ms(r.moved_ms)} "
                  f"(ack {r.open_ack_ms:.0f} ms, server CPU {r.open_cpu_s:.2f} s, "
                  f"missing {r.not_moved}); all back {_ms(r.back_ms)} "
                  f"(ack {r.close_ack_ms:.0f} ms, server CPU {r.close_cpu_s:.2f} s, "
                  f"missing {r.not_back})", flush=True)  # fmt: skip
            await asyncio.sleep(SETTLE_S)
        server_cpu = process_cpu_seconds(server.pid) - cpu_before
        load_cpu = time.process_time() - load_before
        misplaced = sum(p.misplaced for p in people)

    moved_p50, moved_max = _p50_max([r.moved_ms for r in rounds])
    back_p50, back_max = _p50_max([r.back_ms for r in rounds])
    not_moved = sum(r.not_moved for r in rounds)
    figures: dict[str, Any] = {
        "participants": args.participants,
        "groups": args.groups,
        "rounds": len(rounds),
        "all_moved_p50_ms": moved_p50,
        "all_moved_max_ms": moved_max,
        "all_back_p50_ms": back_p50,
        "all_back_max_ms": back_max,
        "all_moved_ms": [None if r.moved_ms is None else round(r.moved_ms, 1) for r in rounds],
        "all_back_ms": [None if r.back_ms is None else round(r.back_ms, 1) for r in rounds],
        "open_ack_p50_ms": round(percentile([r.open_ack_ms for r in rounds], 0.5), 1),
        "close_ack_p50_ms": round(percentile([r.close_ack_ms for r in rounds], 0.5), 1),
        "not_moved": not_moved,
        "not_back": sum(r.not_back for r in rounds),
        "misplaced": misplaced,
        "open_cpu_s": round(sum(r.open_cpu_s for r in rounds), 2),
        "close_cpu_s": round(sum(r.close_cpu_s for r in rounds), 2),
        "server_cpu_s": round(server_cpu, 2),
        "load_cpu_s": round(load_cpu, 2),
        **bench.join_figures(),
        "database": database,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    at_scale = args.participants >= GOAL["participants"] and args.groups >= GOAL["groups"]
    met = at_scale and moved_max is not None and moved_max <= GOAL["all_moved_ms"]
    met = met and not_moved == 0
    figures["goal_met"] = met
    figures["goal"] = GOAL
    print(f"  over {len(rounds)} rounds: all moved p50 {_ms(moved_p50)}, max {_ms(moved_max)}; "
          f"all back p50 {_ms(back_p50)}, max {_ms(back_max)}; server CPU {server_cpu:.2f} s, "
          f"load generator CPU {load_cpu:.2f} s", flush=True)  # fmt: skip
    print(f"  goal all moved <= {GOAL['all_moved_ms']:g} ms at {GOAL['participants']:g} "
          f"participants in {GOAL['groups']:g} groups: {'met' if met else 'NOT met'}",
          flush=True)  # fmt: skip
    return figures
