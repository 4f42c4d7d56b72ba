"""A real Learning Record Store for the tests: ralph (PyPI ``ralph-malph``, France Université
Numérique's LRS), installed once into its own virtualenv under the cache directory, run on a
free loopback port with its file-system backend and a credentials file made by its own CLI.

``BAEUM_RALPH_VENV`` overrides where the virtualenv lives (default
``~/.cache/baeum/ralph-venv``). If it cannot be installed (no network, no PyPI), the tests
that need it are skipped with the pip output as the reason; nothing stands in for it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

RALPH_VERSION = "5.1.0"
USERNAME = "baeum"
PASSWORD = "ralph-test-password"  # loopback only, a throwaway file per test session
HOME_PAGE = "http://baeum.test"


#: ralph's LRS on uvicorn, as ``ralph runserver`` starts it but without its file watcher.
#: One change: ralph 5.1.0's file-system LRS backend writes with "create", which refuses
#: every write after the first (``fs_lrs.jsonl already exists``); it is told to append.
LAUNCH = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def venv_dir() -> Path:
    default = Path.home() / ".cache" / "baeum" / "ralph-venv"
    return Path(os.environ.get("BAEUM_RALPH_VENV") or default)


def ensure_installed() -> Path:
    """The virtualenv's python, with ralph's LRS importable; installs it when missing (one
    test worker at a time: the others wait on a lock and then find it there)."""
    venv = venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / "ralph-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _install(venv)


def _install(venv: Path) -> Path:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import ralph.api, uvicorn, bcrypt, requests"]
    probed = python.exists() and subprocess.run(probe, capture_output=True, check=False)  # noqa: S603
    if probed and probed.returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)  # noqa: S603
    # ralph's "lrs" extra misses ``requests`` (imported by its OIDC module), so name it too
    install = subprocess.run(  # noqa: S603
        [str(python), "-m", "pip", "install", "-q",
         f"ralph-malph[cli,lrs]=={RALPH_VERSION}", "requests"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if install.returncode != 0:
        raise RuntimeError(f"pip could not install ralph: {install.stderr[-2000:]}")
    return python


def credentials(python: Path, directory: Path) -> Path:
    """ralph's auth file with one user (all scopes), written by ``ralph auth``."""
    path = directory / "auth.json"
    env = {**os.environ, "RALPH_AUTH_FILE": str(path), "RALPH_APP_DIR": str(directory / "app"),
           "RALPH_RUNSERVER_BACKEND": "fs"}  # fmt: skip
    subprocess.run(  # noqa: S603
        [str(python), "-m", "ralph", "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all",
         "-A", USERNAME, HOME_PAGE, "-w"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Ralph:
    """One LRS process; ``stop`` and ``start`` again keep its port and its data."""

    def __init__(self, python: Path, auth_file: Path, data_dir: Path) -> None:
        self.python, self.auth_file, self.data_dir = python, auth_file, data_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "ralph.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data_dir),
            "RALPH_AUTH_FILE": str(self.auth_file),
            "RALPH_APP_DIR": str(self.data_dir / "app"),
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [str(self.python), "-c", LAUNCH, str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ralph exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.1)
        raise RuntimeError(f"ralph did not listen within 60 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """Stop the process we started (and only it: its own process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    async def statements(self) -> list[dict[str, Any]]:
        """Every statement the LRS holds (GET /xAPI/statements, following ``more``)."""
        found: list[dict[str, Any]] = []
        basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        headers = {"X-Experience-API-Version": "1.0.3", "Authorization": f"Basic {basic}"}
        path = "/xAPI/statements?limit=500"
        async with aiohttp.ClientSession() as http:
            while path:
                async with http.get(self.url + path, headers=headers) as response:
                    assert response.status == 200, await response.text()
                    page = await response.json()
                found.extend(page["statements"])
                path = page.get("more") or ""
        return found

    async def wait_for(self, count: int, within_s: float = 30) -> list[dict[str, Any]]:
        """The LRS's statements once it holds at least ``count`` (the sender runs on its own)."""
        deadline = time.monotonic() + within_s
        while True:
            found = await self.statements()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.1)
