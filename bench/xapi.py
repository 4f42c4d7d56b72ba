"""Benchmark "xapi": ingest throughput of e-learning xAPI statements (figure ``xapi_per_s``).

A real server (bench/server.py, demo records loaded) takes ``--statements`` statements posted
in arrays of ``--batch`` by ``--concurrency`` posters at once, as the e-learning system would
send them: progress (cmi5 progress extension) and completion statements of the demo trainees
(trainee01..30) on the demo courses, every statement with its own id. The posters use an
admin's API token (the route also takes the e-learning system's role). Bodies are built
before the clock starts, so the figure is the server's ingest, not the client's JSON.

After the timed phase the benchmark checks the record: the summary must count exactly the
statements posted (none lost, none doubled), and one batch posted again must be accepted
without a new row (idempotent by id).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench.server import RunningServer, process_cpu_seconds, running_server

describe = "xAPI statement ingest: statements per second into the database (real server)"

GOAL: dict[str, float] = {"xapi_per_s": 5000, "errors": 0}
ACTIVITY_BASE = "https://elearning.example/courses/"
CMI5_PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
TRAINEES = 30
TIMEOUT_S = 120.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m bench xapi``."""
    parser.add_argument("--statements", type=int, default=50_000,
                        help="statements in all (default 50000)")  # fmt: skip
    parser.add_argument("--batch", type=int, default=100,
                        help="statements per POST (default 100)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=4,
                        help="posters at once (default 4)")  # fmt: skip
    parser.add_argument(
        "--database-url", default=None,
        help="BAEUM_DATABASE_URL of a fresh, empty database (postgresql+asyncpg://...); "
        "default SQLite in a temp dir",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")


def statement(rng: random.Random, course_codes: list[str], at: datetime) -> dict[str, Any]:
    """One e-learning statement: mostly progress, some completions with a score."""
    login = f"trainee{rng.randrange(TRAINEES) + 1:02d}"
    code = rng.choice(course_codes)
    done = rng.random() < 0.1
    result: dict[str, Any] = (
        {"completion": True, "score": {"scaled": round(rng.random(), 2)}, "duration": "PT42M"}
        if done
        else {"extensions": {CMI5_PROGRESS: rng.randrange(101)}}
    )
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {"objectType": "Agent",
                  "account": {"homePage": "https://elearning.example", "name": login}},
        "verb": {"id": COMPLETED if done else PROGRESSED},
        "object": {"objectType": "Activity", "id": f"{ACTIVITY_BASE}{code}/unit-{rng.randrange(8)}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/module"}},
        "result": result,
        "timestamp": at.isoformat(),
    }  # fmt: skip


async def admin_token(http: aiohttp.ClientSession, server: RunningServer) -> str:
    async with http.post(
        f"{server.base_url}/api/v1/auth/login", json={"login": "admin", "password": server.password}
    ) as response:
        response.raise_for_status()
        csrf = (await response.json())["csrf_token"]
    async with http.post(f"{server.base_url}/api/v1/auth/tokens", json={"name": "bench"},
                         headers={"X-CSRF-Token": csrf}) as response:  # fmt: skip
        response.raise_for_status()
        return str((await response.json())["token"])


async def course_codes(
    http: aiohttp.ClientSession, base_url: str, headers: dict[str, str]
) -> list[str]:
    async with http.get(f"{base_url}/api/v1/courses?limit=200", headers=headers) as response:
        response.raise_for_status()
        return [c["code"] for c in (await response.json())["items"]]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def ingest(
    http: aiohttp.ClientSession, server: RunningServer, statements: int, batch: int,
    concurrency: int, rng: random.Random,
) -> dict[str, Any]:  # fmt: skip
    """Post ``statements`` in arrays of ``batch`` by ``concurrency`` posters; the figures (also
    used by ``bench reports``). Bodies are built before the clock starts."""
    token = await admin_token(http, server)
    auth = {"Authorization": f"Bearer {token}"}
    codes = await course_codes(http, server.base_url, auth)
    start = datetime(2020, 10, 5, tzinfo=UTC)
    bodies: list[bytes] = []
    for first in range(0, statements, batch):
        count = min(batch, statements - first)
        made = [statement(rng, codes, start + timedelta(seconds=first + n)) for n in range(count)]
        bodies.append(json.dumps(made).encode())
    print(f"xapi: {statements} statements in {len(bodies)} posts of {batch}, "
          f"{concurrency} posters, {len(codes)} courses", flush=True)  # fmt: skip
    headers = {**auth, "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    url = f"{server.base_url}/api/v1/xapi/statements"
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def poster() -> None:
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            sent = time.perf_counter()
            try:
                async with http.post(
                    url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
                ) as r:
                    await r.read()
                    ok = r.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - sent)
            else:
                errors += 1

    cpu_before = process_cpu_seconds(server.pid)
    began = time.perf_counter()
    await asyncio.gather(*(poster() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    cpu = process_cpu_seconds(server.pid) - cpu_before

    async with http.post(url, data=bodies[0], headers=headers) as again:
        repost_ok = again.status == 200
    async with http.get(f"{server.base_url}/api/v1/xapi/summary", headers=auth) as response:
        summary = await response.json()
    return {"bodies": len(bodies), "elapsed": elapsed, "cpu": cpu, "latencies": latencies,
            "errors": errors, "repost_ok": repost_ok, "summary": summary}  # fmt: skip


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    env = {"BAEUM_XAPI_ACTIVITY_BASE": ACTIVITY_BASE}
    async with running_server(args.database_url, extra_env=env) as server, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # fmt: skip
        done = await ingest(http, server, args.statements, args.batch, args.concurrency, rng)
    bodies, elapsed, cpu = done["bodies"], done["elapsed"], done["cpu"]
    latencies, errors, repost_ok, summary = (done["latencies"], done["errors"],
                                             done["repost_ok"], done["summary"])  # fmt: skip
    stored = int(summary["statements"])
    per_s = args.statements / elapsed if elapsed > 0 else None
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    figures: dict[str, Any] = {
        "xapi_per_s": None if per_s is None else round(per_s),
        "statements": args.statements,
        "batch": args.batch,
        "concurrency": args.concurrency,
        "posts": bodies,
        "elapsed_s": round(elapsed, 2),
        "post_p50_ms": None if p50 is None else round(p50 * 1000, 1),
        "post_p99_ms": None if p99 is None else round(p99 * 1000, 1),
        "errors": errors,
        "stored": stored,
        "lost": max(0, args.statements - stored) if errors == 0 else None,
        "extra": max(0, stored - args.statements),
        "repost_accepted": repost_ok,
        "unresolved_actors": summary["unresolved_actors"],
        "unresolved_activities": summary["unresolved_activities"],
        "progress_rows": summary["progress_rows"],
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_1000": round(cpu * 1000 / args.statements * 1000, 1),
        "database": "postgresql" if args.database_url else "sqlite",
        "python": platform.python_version(),
        "goal": GOAL,
    }
    figures["goal_met"] = bool(per_s is not None and per_s >= GOAL["xapi_per_s"] and errors == 0
                               and stored == args.statements and repost_ok)  # fmt: skip
    print(
        f"xapi: {figures['xapi_per_s']} statements/s, post p50 {figures['post_p50_ms']} ms, "
        f"p99 {figures['post_p99_ms']} ms, stored {stored}, errors {errors}",
        flush=True,
    )
    return figures
