"""Benchmark "http": log-in and typical read throughput and latency of the JSON API.

Two timed phases against a real server (bench/server.py), each with ``--concurrency``
simulated users, every one with its own aiohttp ClientSession (its own connections and cookie
jar, as separate browsers would have):

1. log-in: users POST /api/v1/auth/login over and over as trainee01..trainee30 in turn.
   Passwords are hashed with argon2, which is made to cost tens of milliseconds of CPU or more
   on purpose (to slow down password guessing), so log-in throughput is bounded by the server's
   cores by design; the figure shows that bound, not a defect.
2. read: each user logs in once (not timed), then GETs the course list for a year
   (``/api/v1/courses?limit=50&year=2020``) and, every fifth request, its class sessions.
   This is the shape of a page load in the trainee and staff screens.

The goal is the read p99 within 100 ms with no errors; CPU seconds the server process spent
are read from /proc so that figures from different machines can be compared per request.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import platform
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.server import RunningServer, process_cpu_seconds, running_server

describe = "log-in and course-list read throughput and latency of the HTTP API (real server)"

GOAL: dict[str, float] = {"read_p99_ms": 100, "errors": 0}
TRAINEES = 30
LOGIN_PATH = "/api/v1/auth/login"
READ_PATH = "/api/v1/courses?limit=50&year=2020"
SESSIONS_PATH = "/api/v1/class-sessions"
SESSIONS_EVERY = 5
REQUEST_TIMEOUT_S = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m bench http``."""
    parser.add_argument(
        "--concurrency",
        type=int,
        default=32,
        help="simulated users, each with its own session (default 32)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds in all; each of the two phases gets half (default 10)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="BAEUM_DATABASE_URL of a fresh, empty database "
        "(postgresql+asyncpg://...); default SQLite in a temp dir",
    )


@dataclass
class Phase:
    """What one phase measured: a latency per successful request and a count of failures."""

    name: str
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_s) + self.errors

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        return percentile(self.latencies_s, q) * 1000

    def figures(self) -> dict[str, float | int]:
        """The per-phase figures, rounded for reading (full precision is noise here)."""
        return {
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile_ms(0.50), 2),
            "p99_ms": round(self.percentile_ms(0.99), 2),
            "cpu_s": round(self.cpu_s, 2),
        }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: always a latency that was really observed; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def trainee_logins() -> Iterator[str]:
    """trainee01..trainee30 round-robin, so log-ins spread over many users' rows."""
    return itertools.cycle(f"trainee{n:02d}" for n in range(1, TRAINEES + 1))


async def timed(phase: Phase, request: Awaitable[int]) -> None:
    """Time one request (the coroutine starts when awaited, here); a non-2xx answer or a
    failed connection counts as an error, and only successes go into the latencies."""
    start = time.perf_counter()
    try:
        status = await request
    except (aiohttp.ClientError, TimeoutError):
        phase.errors += 1
        return
    if 200 <= status < 300:
        phase.latencies_s.append(time.perf_counter() - start)
    else:
        phase.errors += 1


def new_session(server: RunningServer, *, cookies: bool) -> aiohttp.ClientSession:
    """One simulated user's browser: its own connection pool and (optionally) cookie jar."""
    jar: aiohttp.abc.AbstractCookieJar = (
        aiohttp.CookieJar(unsafe=True) if cookies else aiohttp.DummyCookieJar()
    )
    return aiohttp.ClientSession(
        base_url=server.base_url,
        cookie_jar=jar,
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
    )


async def log_in(http: aiohttp.ClientSession, login: str, password: str) -> int:
    """POST a log-in; the body is read in full so the latency covers the whole answer."""
    async with http.post(LOGIN_PATH, json={"login": login, "password": password}) as resp:
        await resp.read()
        return resp.status


async def get(http: aiohttp.ClientSession, path: str) -> int:
    """GET a page; the body is read in full so serialisation and transfer are measured too."""
    async with http.get(path) as resp:
        await resp.read()
        return resp.status


async def login_phase(server: RunningServer, concurrency: int, seconds: float) -> Phase:
    """Users log in back to back until the time is up; requests in flight are let finish."""
    phase = Phase("login")
    logins = trainee_logins()
    deadline = time.perf_counter() + seconds

    async def user() -> None:
        async with new_session(server, cookies=False) as http:
            while time.perf_counter() < deadline:
                await timed(phase, log_in(http, next(logins), server.password))

    cpu_before = process_cpu_seconds(server.pid)
    start = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    phase.elapsed_s = time.perf_counter() - start
    phase.cpu_s = process_cpu_seconds(server.pid) - cpu_before
    return phase


async def read_phase(server: RunningServer, concurrency: int, seconds: float) -> Phase:
    """Every user signs in first (untimed); then all read together until the time is up."""
    phase = Phase("read")
    logins = trainee_logins()
    signed_in = 0
    all_signed_in = asyncio.Event()
    window: dict[str, float] = {}

    async def user() -> None:
        nonlocal signed_in
        async with new_session(server, cookies=True) as http:
            status = await log_in(http, next(logins), server.password)
            if not 200 <= status < 300:
                raise RuntimeError(f"read phase: log-in answered {status}")
            signed_in += 1
            if signed_in == concurrency:
                window["cpu_before"] = process_cpu_seconds(server.pid)
                window["start"] = time.perf_counter()
                window["deadline"] = window["start"] + seconds
                all_signed_in.set()
            await all_signed_in.wait()
            for n in itertools.count():
                if time.perf_counter() >= window["deadline"]:
                    break
                path = SESSIONS_PATH if n % SESSIONS_EVERY == SESSIONS_EVERY - 1 else READ_PATH
                await timed(phase, get(http, path))

    await asyncio.gather(*(user() for _ in range(concurrency)))
    phase.elapsed_s = time.perf_counter() - window["start"]
    phase.cpu_s = process_cpu_seconds(server.pid) - window["cpu_before"]
    return phase


def report(phase: Phase) -> None:
    """One readable line per phase."""
    f = phase.figures()
    print(
        f"  {phase.name:<6} {f['requests']:>7} requests  {f['errors']:>4} errors  "
        f"{f['rps']:>8.1f} req/s  p50 {f['p50_ms']:>7.2f} ms  p99 {f['p99_ms']:>7.2f} ms  "
        f"in {phase.elapsed_s:.1f} s  server CPU {f['cpu_s']:.2f} s",
        flush=True,
    )


def database_kind(url: str | None) -> str:
    """The database family; figures differ too much across them to compare directly."""
    return url.split("+", 1)[0].split(":", 1)[0] if url else "sqlite"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the server, run both phases, print the results; the figures for the JSON line."""
    if args.concurrency < 1 or args.duration <= 0:
        raise SystemExit("bench http: --concurrency must be >= 1 and --duration > 0")
    half = args.duration / 2
    database = database_kind(args.database_url)
    print(
        f"bench http: Python {platform.python_version()}, {database}, "
        f"{args.concurrency} users, {half:g} s per phase",
        flush=True,
    )
    print("  starting server (migrate, demo, serve) ...", flush=True)
    async with running_server(args.database_url) as server:
        print(f"  server pid {server.pid} at {server.base_url}", flush=True)
        print(
            f"  phase 1: log-in for {half:g} s. Note: argon2 password hashing costs tens of ms "
            "of CPU or more per log-in on purpose (against password guessing), so log-in req/s "
            "is bounded by the server's cores by design; see CPU ms per log-in below.",
            flush=True,
        )
        login = await login_phase(server, args.concurrency, half)
        report(login)
        print(
            f"  phase 2: read {READ_PATH} (every {SESSIONS_EVERY}th: {SESSIONS_PATH}) "
            f"for {half:g} s",
            flush=True,
        )
        read = await read_phase(server, args.concurrency, half)
        report(read)

    errors = login.errors + read.errors
    figures: dict[str, Any] = {
        "login_requests": login.requests,
        "login_rps": round(login.rps, 1),
        "login_p50_ms": round(login.percentile_ms(0.50), 2),
        "login_p99_ms": round(login.percentile_ms(0.99), 2),
        "read_requests": read.requests,
        "read_rps": round(read.rps, 1),
        "read_p50_ms": round(read.percentile_ms(0.50), 2),
        "read_p99_ms": round(read.percentile_ms(0.99), 2),
        "errors": errors,
        "login_errors": login.errors,
        "read_errors": read.errors,
        "server_cpu_s": round(login.cpu_s + read.cpu_s, 2),
        "login_cpu_ms_per_req": round(1000 * login.cpu_s / max(login.requests, 1), 2),
        "read_cpu_ms_per_req": round(1000 * read.cpu_s / max(read.requests, 1), 3),
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "database": database,
        "python": platform.python_version(),
    }
    met = figures["read_p99_ms"] <= GOAL["read_p99_ms"] and errors <= GOAL["errors"]
    figures["goal_met"] = met
    figures["goal"] = GOAL
    print(
        f"  server CPU {figures['server_cpu_s']} s in the timed windows "
        f"({figures['login_cpu_ms_per_req']} ms per log-in, "
        f"{figures['read_cpu_ms_per_req']} ms per read)",
        flush=True,
    )
    print(
        f"  goal read p99 <= {GOAL['read_p99_ms']:g} ms and {GOAL['errors']:g} errors: "
        f"{'met' if met else 'NOT met'}",
        flush=True,
    )
    return figures
