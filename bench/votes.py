"""``python -m bench votes``: a class of N votes in one live poll within a few seconds.

The server runs in its own process (bench/server.py: SQLite unless ``--database-url``), loaded
with the demo. ``--participants`` trainees are enrolled in the demo's all-day class (as
``python -m bench classroom`` does), each connects a python-socketio ``AsyncClient`` to
``/class`` with a class token and joins (at most ``--join-concurrency`` at once). The demo's
instructor logs in over HTTP, takes a class token and joins on the socket too, then creates a
single-choice poll with 4 options (``poll_create``) and launches it with its results shown to
the class (``poll_launch`` with ``results_shown: true``). ``opened_all_ms`` is the time from
sending the launch until every participant has received ``poll_opened``.

The voting window (``--window-s``, 5 s) starts once everyone has the poll. Every participant
picks an option at random (``--seed``) and sends one ``poll_answer`` ``{run_id, item_id,
value: {"choice": n}, request_id}`` at a random moment of the window. Two disjoint groups also
test that a vote counts once however it arrives:

- ``--retry-fraction`` (0.05) send the same vote again with the same request id a random
  0–``RETRY_WITHIN_S`` after the first, without waiting for its acknowledgement: the retry of a
  client that lost its connection and sent again after reconnecting (the server keys a vote by
  the voter, not by the socket, so the same socket stands in for the new one);
- ``--double-fraction`` (0.05) send two submits of the same choice at once, with different
  request ids: a double tap.

A fraction above 0 is at least one participant. The benchmark knows the exact final tally from
what it sent: each option's count of participants (each counted once).

The server pushes ``poll_results`` ``{run_id, respondents, items: [{item_id, total, counts}]}``
to the class at most every 200 ms while votes arrive. Every client (the participants and the
instructor) records the first moment it receives one whose counts equal the exact final tally.
``converge_ms`` runs from the last vote's acknowledgement until the last client has it (up to
``CONVERGE_TIMEOUT_S``; ``not_converged`` counts the clients that never got it, and
``converge_ms`` is then null). A participant's vote is acknowledged by the first of its submits
to be answered ``ok``: a retry or the second tap answered later adds nothing to the tally, so it
does not end the voting. ``converge_from_send_ms`` runs from sending the last participant's
first submit instead: it adds the time the server took to answer it, i.e. what the last voter
waits from their tap until everyone sees the final count. ``stale_after_settle`` counts the
clients whose latest ``poll_results`` is not the final tally ``SETTLE_S`` after that (a late
push of older counts).

Then the instructor closes the poll; its answer is the server's final tally from the records:
``final_total`` (answers counted), ``lost`` (expected − final, if positive), ``doubled`` (final
− expected, if positive), ``counts_match`` (every option's count is exact).

Figures also: ``ack_p50_ms``/``ack_p99_ms``/``ack_max_ms`` (sending a submit to its
acknowledgement, over every submit, retries and double taps included), ``refused`` (answered
``ok: false``) and ``unanswered`` (no acknowledgement within ``CALL_TIMEOUT_S``),
``last_ack_after_window_ms`` (the last acknowledgement of any submit after the window's end:
near 0 when the server keeps up with the votes; otherwise the backlog it clears after the
window), ``server_cpu_s`` (the server process from the start of the window until convergence),
``load_cpu_s`` (this process, the same span), ``messages_per_client_p50``/``_max`` and
``poll_results_per_client_p50``/``_max`` (events a participant received over that span), and
the join as breakout reports it. The goal: ``converge_ms`` < 1 s with 1,000 participants on one
node, nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from bench.breakout import INSTRUCTOR, _post
from bench.common import CALL_TIMEOUT_S, NAMESPACE, class_bench, connect_and_join
from bench.http import database_kind, percentile
from bench.server import RunningServer, process_cpu_seconds

describe = "N participants vote in one poll: time until everyone sees the exact tally, CPU, lost"
GOAL: dict[str, float] = {"participants": 1000, "converge_ms": 1000, "lost": 0, "doubled": 0}
OPTIONS = ["하나", "둘", "셋", "넷"]
RETRY_WITHIN_S = 0.3  # a reconnect retry goes out this long after the first submit, at most
PHASE_TIMEOUT_S = 30.0  # for everyone to get the poll
CONVERGE_TIMEOUT_S = 30.0  # after the last acknowledgement
SETTLE_S = 1.0
POLL_S = 0.01  # how often the waiting loops look; arrivals are timed where they happen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m bench votes``."""
    parser.add_argument("--participants", type=int, default=1000, help="trainees (default 1000)")
    parser.add_argument(
        "--window-s", type=float, default=5.0, help="everyone votes within it (default 5)"
    )
    parser.add_argument(
        "--retry-fraction",
        type=float,
        default=0.05,
        help="participants who send the same vote again, same request id (default 0.05)",
    )
    parser.add_argument(
        "--double-fraction",
        type=float,
        default=0.05,
        help="participants who send two submits at once, different request ids (default 0.05)",
    )
    parser.add_argument(
        "--join-concurrency",
        type=int,
        default=50,
        help="participants connecting and joining at once (default 50)",
    )
    parser.add_argument("--seed", type=int, default=1, help="choices and moments (default 1)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")


# ---- the clients ------------------------------------------------------------------------------


@dataclass
class Target:
    """The poll run being measured and the exact tally its votes must end at."""

    run_id: int = 0
    counts: list[int] = field(default_factory=list)


@dataclass
class Watcher:
    """A class socket that counts what it receives and times the exact final tally's arrival."""

    index: int
    sio: socketio.AsyncClient
    target: Target
    user_id: int = 0
    opened: dict[int, float] = field(default_factory=dict)  # run id -> poll_opened (monotonic)
    final: float | None = None  # the first poll_results with the exact final tally
    latest: list[int] | None = None  # the counts of the latest poll_results of the target run
    messages: int = 0
    results: int = 0

    def on_event(self, event: str, data: Any = None) -> None:
        now = time.monotonic()
        self.messages += 1
        if event == "poll_opened":  # may come before the launch's acknowledgement
            self.opened[int(data["run_id"])] = now
        elif event == "poll_results" and data["run_id"] == self.target.run_id:
            self.results += 1
            self.latest = data["items"][0]["counts"]
            if self.final is None and self.latest == self.target.counts:
                self.final = now


@dataclass
class Submit:
    """One ``poll_answer`` and its acknowledgement."""

    sent: float
    acked: float | None = None  # None: no acknowledgement within CALL_TIMEOUT_S
    ok: bool = False
    answer: Any = None


@dataclass
class Voter(Watcher):
    """A participant: its choice, when in the window it votes, and how (once, retry, double)."""

    choice: int = 0
    at_s: float = 0.0  # offset into the window
    kind: str = "once"  # "once", "retry" or "double"
    retry_after_s: float = 0.0
    submits: list[Submit] = field(default_factory=list)

    def counted_at(self) -> float | None:
        """When this participant first knew its vote was in: its earliest accepted submit."""
        return min((s.acked for s in self.submits if s.ok and s.acked is not None), default=None)


def new_watcher(cls: type[Watcher], index: int, http: aiohttp.ClientSession,
                target: Target) -> Any:  # fmt: skip
    """A socket.io client sharing the load generator's connection pool, counting every event."""
    sio = socketio.AsyncClient(reconnection=False, http_session=http)
    person = cls(index, sio, target)
    sio.on("*", person.on_event, namespace=NAMESPACE)
    return person


def plan(people: list[Voter], args: argparse.Namespace) -> Counter[int]:
    """Each participant's choice, moment and kind of vote (seeded); the exact tally expected."""
    rng = random.Random(args.seed)
    n = len(people)

    def share(fraction: float) -> int:
        return 0 if fraction <= 0 else min(n, max(1, round(n * fraction)))

    shuffled = rng.sample(range(n), n)
    retries = share(args.retry_fraction)
    doubles = min(share(args.double_fraction), n - retries)
    for k, index in enumerate(shuffled[: retries + doubles]):
        people[index].kind = "retry" if k < retries else "double"
    for person in people:
        person.choice = rng.randrange(len(OPTIONS))
        person.at_s = rng.uniform(0, args.window_s)
        person.retry_after_s = rng.uniform(0, RETRY_WITHIN_S)
    return Counter(p.choice for p in people)


async def submit(person: Voter, body: dict[str, Any]) -> None:
    record = Submit(sent=time.monotonic())
    person.submits.append(record)
    try:
        answer = await person.sio.call("poll_answer", body, namespace=NAMESPACE,
                                       timeout=CALL_TIMEOUT_S)  # fmt: skip
    except socketio.exceptions.TimeoutError:
        return
    record.acked, record.answer = time.monotonic(), answer
    record.ok = bool(answer.get("ok"))


async def vote(person: Voter, run_id: int, item_id: int, window_start: float) -> None:
    """Wait for this participant's moment, then vote (once, with a retry, or a double tap)."""
    await asyncio.sleep(max(0.0, window_start + person.at_s - time.monotonic()))
    body = {"run_id": run_id, "item_id": item_id, "value": {"choice": person.choice},
            "request_id": f"votes-{person.index:06d}-a"}  # fmt: skip
    if person.kind == "double":
        await asyncio.gather(
            submit(person, body),
            submit(person, {**body, "request_id": f"votes-{person.index:06d}-b"}),
        )
    elif person.kind == "retry":

        async def retry() -> None:
            await asyncio.sleep(person.retry_after_s)
            await submit(person, body)

        await asyncio.gather(submit(person, body), retry())
    else:
        await submit(person, body)


# ---- the instructor ---------------------------------------------------------------------------


async def instructor_token(
    http: aiohttp.ClientSession, server: RunningServer, class_session_id: int
) -> str:
    """Log in as the demo's instructor; a class token with the instructor's grants."""
    login = {"login": INSTRUCTOR, "password": server.password}
    async with http.post("/api/v1/auth/login", json=login) as resp:
        answer = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"instructor log-in answered {resp.status}: {answer}")
        csrf = str(answer["csrf_token"])
    token = await _post(http, f"/api/v1/class-sessions/{class_session_id}/class-token", {}, csrf)
    return str(token["token"])


async def call_ok(sio: socketio.AsyncClient, event: str, data: Any) -> dict[str, Any]:
    answer: dict[str, Any] = await sio.call(event, data, namespace=NAMESPACE,
                                            timeout=CALL_TIMEOUT_S)  # fmt: skip
    if not answer.get("ok"):
        raise RuntimeError(f"{event} refused: {answer}")
    return answer


async def wait_until(done: Any, timeout_s: float) -> None:
    """Look every POLL_S until ``done()`` is true or ``timeout_s`` has passed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            break
        await asyncio.sleep(POLL_S)


# ---- the run ----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the server, join everyone, vote; the figures for the JSON line."""
    if args.participants < 1 or args.window_s < 0:
        raise SystemExit("bench votes: --participants must be >= 1 and --window-s >= 0")
    if not (0 <= args.retry_fraction <= 1 and 0 <= args.double_fraction <= 1):
        raise SystemExit("bench votes: the fractions must be between 0 and 1")
    database = database_kind(args.database_url)
    print(f"bench votes: Python {platform.python_version()}, {database}, "
          f"{args.participants} participants, a {args.window_s:g} s window, retries "
          f"{args.retry_fraction:g}, double taps {args.double_fraction:g}", flush=True)  # fmt: skip
    target = Target()
    async with class_bench(args.database_url, args.participants) as bench:
        server = bench.server
        people: list[Voter] = [new_watcher(Voter, n, bench.sockets, target)
                               for n in range(args.participants)]  # fmt: skip
        instructor: Watcher = new_watcher(Watcher, -1, bench.sockets, target)
        everyone: list[Watcher] = [*people, instructor]
        bench.clients += [w.sio for w in everyone]
        expected = plan(people, args)
        target.counts = [expected[i] for i in range(len(OPTIONS))]
        await bench.join(people, args.join_concurrency, "votes-bench")
        token = await instructor_token(bench.http, server, bench.class_session_id)
        auth = {"token": token, "client_id": "votes-bench-instructor"}
        await connect_and_join(instructor.sio, server.base_url, auth)
        await asyncio.sleep(SETTLE_S)  # the last joins' presence updates go out

        poll = await call_ok(instructor.sio, "poll_create", {
            "title": "bench votes",
            "items": [{"kind": "single", "prompt": "하나를 고르세요", "options": OPTIONS}],
        })  # fmt: skip
        launched_at = time.monotonic()
        launch = {"poll_id": poll["id"], "results_shown": True}
        launched = await call_ok(instructor.sio, "poll_launch", launch)
        target.run_id = int(launched["run_id"])
        item_id = int(launched["items"][0]["id"])
        run_id = target.run_id
        await wait_until(lambda: all(run_id in p.opened for p in people),
                         PHASE_TIMEOUT_S)  # fmt: skip
        got_poll = [p.opened[run_id] for p in people if run_id in p.opened]
        if len(got_poll) < len(people):
            raise RuntimeError(f"{len(people) - len(got_poll)} never got poll_opened")
        opened_ms = (max(got_poll) - launched_at) * 1000
        print(
            f"  poll {poll['id']} launched (run {target.run_id}); everyone has it "
            f"after {opened_ms:.0f} ms; expected tally {target.counts}",
            flush=True,
        )

        base = [(w.messages, w.results) for w in people]
        cpu_before, load_before = process_cpu_seconds(server.pid), time.process_time()
        window_start = time.monotonic()
        await asyncio.gather(*(vote(p, target.run_id, item_id, window_start)
                               for p in people))  # fmt: skip
        submits = [s for p in people for s in p.submits]
        counted = [t for p in people if (t := p.counted_at()) is not None]
        acked = [s.acked for s in submits if s.acked is not None]
        last_ack = max(counted) if counted else time.monotonic()
        last_sent = max(p.submits[0].sent for p in people)
        tail_ms = (max(acked, default=last_ack) - window_start - args.window_s) * 1000
        await wait_until(lambda: all(w.final is not None for w in everyone),
                         CONVERGE_TIMEOUT_S - (time.monotonic() - last_ack))  # fmt: skip
        server_cpu = process_cpu_seconds(server.pid) - cpu_before
        load_cpu = time.process_time() - load_before
        received = [(p.messages - m, p.results - r)
                    for p, (m, r) in zip(people, base, strict=True)]  # fmt: skip
        finals = [w.final for w in everyone if w.final is not None]
        converged = len(finals) == len(everyone)
        converge_ms = (max(finals) - last_ack) * 1000 if converged else None
        from_send_ms = (max(finals) - last_sent) * 1000 if converged else None
        await asyncio.sleep(SETTLE_S)
        stale = sum(1 for w in everyone if w.latest != target.counts)

        closed = await call_ok(instructor.sio, "poll_close", {"run_id": target.run_id})

    acks_ms = [(s.acked - s.sent) * 1000 for s in submits if s.acked is not None]
    refused = sum(1 for s in submits if s.acked is not None and not s.ok)
    unanswered = len(submits) - len(acks_ms)
    final_item = closed["items"][0]
    final_total, final_counts = int(final_item["total"]), list(final_item["counts"])
    expected_total = len(people)
    messages = [float(m) for m, _ in received]
    results = [float(r) for _, r in received]
    figures: dict[str, Any] = {
        "participants": len(people),
        "window_s": args.window_s,
        "retries": sum(1 for p in people if p.kind == "retry"),
        "double_taps": sum(1 for p in people if p.kind == "double"),
        "submits": len(submits),
        "converge_ms": None if converge_ms is None else round(converge_ms, 1),
        "converge_from_send_ms": None if from_send_ms is None else round(from_send_ms, 1),
        "not_converged": len(everyone) - len(finals),
        "stale_after_settle": stale,
        "expected_total": expected_total,
        "final_total": final_total,
        "respondents": int(closed["respondents"]),
        "lost": max(0, expected_total - final_total),
        "doubled": max(0, final_total - expected_total),
        "counts_match": final_counts == target.counts,
        "expected_counts": target.counts,
        "final_counts": final_counts,
        "ack_p50_ms": round(percentile(acks_ms, 0.5), 1),
        "ack_p99_ms": round(percentile(acks_ms, 0.99), 1),
        "ack_max_ms": round(max(acks_ms, default=0.0), 1),
        "last_ack_after_window_ms": round(tail_ms, 1),
        "refused": refused,
        "unanswered": unanswered,
        "opened_all_ms": round(opened_ms, 1),
        "server_cpu_s": round(server_cpu, 2),
        "load_cpu_s": round(load_cpu, 2),
        "messages_per_client_p50": percentile(messages, 0.5),
        "messages_per_client_max": max(messages, default=0.0),
        "poll_results_per_client_p50": percentile(results, 0.5),
        "poll_results_per_client_max": max(results, default=0.0),
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
        and figures["doubled"] == GOAL["doubled"]
    )
    figures["goal_met"] = met
    figures["goal"] = GOAL
    print(f"  voted: {len(submits)} submits from {len(people)} participants, ack p50 "
          f"{figures['ack_p50_ms']} ms, p99 {figures['ack_p99_ms']} ms, refused {refused}, "
          f"unanswered {unanswered}", flush=True)  # fmt: skip
    print(f"  converged {_ms(converge_ms)} after the last vote's acknowledgement, "
          f"{_ms(from_send_ms)} after it was sent "
          f"({figures['not_converged']} never, {stale} stale after {SETTLE_S:g} s); server CPU "
          f"{server_cpu:.2f} s, load generator CPU {load_cpu:.2f} s; per participant "
          f"{figures['messages_per_client_p50']:g} messages, "
          f"{figures['poll_results_per_client_p50']:g} poll_results (p50)", flush=True)  # fmt: skip
    print(f"  final tally {final_counts} (expected {target.counts}): total {final_total} of "
          f"{expected_total}, lost {figures['lost']}, doubled {figures['doubled']}",
          flush=True)  # fmt: skip
    print(f"  goal converge < {GOAL['converge_ms']:g} ms at {GOAL['participants']:g} "
          f"participants, none lost or doubled: {'met' if met else 'NOT met'}",
          flush=True)  # fmt: skip
    return figures
