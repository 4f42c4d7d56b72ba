"""Start a real Baeum server in a subprocess for a benchmark, and clean up after it.

A benchmark measures the server the way it is deployed: ``python -m server serve`` in its own
process, so the client's work never shares an event loop or a CPU account with the server's.
Each run gets a fresh temporary ``BAEUM_VAR_DIR`` (SQLite database, secret key, demo password)
loaded with the demo records, so runs are repeatable and never touch a developer's ``var/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import NamedTuple

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
SETUP_TIMEOUT_S = 300.0


class ServerError(RuntimeError):
    """The server could not be prepared or did not come up; the message carries its output."""


class RunningServer(NamedTuple):
    """What a benchmark needs to drive the server and to read its CPU time."""

    base_url: str
    pid: int
    password: str
    var_dir: Path
    database_url: str


def free_port() -> int:
    """A port the kernel says is free now (bound to port 0, then released for the server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without its BAEUM_* settings, plus ours.

    A developer's shell may point BAEUM_DATABASE_URL at a real database or set a log level;
    the benchmark must not inherit those, or it would measure (and write to) something else.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAEUM_")}
    env.update(overrides)
    return env


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads), from /proc/<pid>/stat.

    Read from /proc rather than with psutil so the benchmarks need no extra dependency; the
    server's threads (aiosqlite, password hashing in an executor) count, the client's do not.
    """
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) is in parentheses and may contain spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


async def _run_command(args: list[str], env: Mapping[str, str]) -> str:
    """Run one ``python -m server`` command to completion; its output, or ServerError."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        *args,
        cwd=PROJECT_ROOT,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), SETUP_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise ServerError(
            f"python -m server {' '.join(args)} took over {SETUP_TIMEOUT_S} s"
        ) from None
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise ServerError(f"python -m server {' '.join(args)} failed ({proc.returncode}):\n{text}")
    return text


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server output)"


async def _wait_healthy(
    base_url: str, proc: asyncio.subprocess.Process, log: Path, timeout_s: float = START_TIMEOUT_S
) -> None:
    """Poll /healthz until it answers 200, the process dies, or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    timeout = aiohttp.ClientTimeout(total=2)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise ServerError(f"server exited with {proc.returncode}:\n{_log_tail(log)}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{base_url}/healthz") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise ServerError(f"server did not answer /healthz within {timeout_s} s:\n{_log_tail(log)}")


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM for a graceful shutdown, then SIGKILL if it hangs."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


@contextlib.asynccontextmanager
async def running_server(
    database_url: str | None = None, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[RunningServer]:
    """Migrate, load the demo, serve; yield the address, pid and demo password; stop and clean.

    ``database_url`` (BAEUM_DATABASE_URL) selects PostgreSQL; it should name a fresh, empty
    database, since the demo load is idempotent but a used database changes the figures.
    By default the server uses SQLite in the temporary directory.
    """
    var_dir = Path(tempfile.mkdtemp(prefix="baeum-bench-"))
    proc: asyncio.subprocess.Process | None = None
    try:
        port = free_port()
        overrides = {
            "BAEUM_VAR_DIR": str(var_dir),
            "BAEUM_HOST": "127.0.0.1",
            "BAEUM_PORT": str(port),
            "BAEUM_LOG_LEVEL": "WARNING",
            # every simulated user comes from 127.0.0.1: lift the per-address log-in limit
            "BAEUM_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN": "1000000",
            "BAEUM_MAX_CONNECTIONS_PER_ADDRESS": "1000000",  # the load comes from one machine
        }
        if database_url:
            overrides["BAEUM_DATABASE_URL"] = database_url
        overrides.update(extra_env or {})
        env = server_environment(overrides)
        await _run_command(["migrate"], env)
        await _run_command(["demo"], env)
        password = (var_dir / "demo-password").read_text().strip()
        log = var_dir / "server.log"
        with log.open("wb") as log_file:
            # Output goes to a file, not a pipe nobody reads (a full pipe would stall the server).
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "server",
                "serve",
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        await _wait_healthy(base_url, proc, log)
        db_url = database_url or f"sqlite+aiosqlite:///{var_dir / 'baeum.db'}"
        yield RunningServer(base_url, proc.pid, password, var_dir, db_url)
    finally:
        if proc is not None:
            await _stop(proc)
        shutil.rmtree(var_dir, ignore_errors=True)
