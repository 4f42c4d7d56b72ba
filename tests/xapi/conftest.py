"""Fixtures of the xAPI tests: a real LRS (ralph) and apps that send to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from server.app import create_app
from server.core.clock import ManualClock
from tests.conftest import AppClient, NodeFactory
from tests.xapi.ralph import PASSWORD, USERNAME, Ralph, credentials, ensure_installed


@pytest.fixture(scope="session")
def ralph_python() -> Path:
    try:
        return ensure_installed()
    except RuntimeError as exc:  # said plainly in the skip reason; never replaced by a fake
        pytest.skip(f"ralph (the LRS these tests run against) is not available: {exc}")


@pytest.fixture(scope="session")
def ralph_auth(ralph_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return credentials(ralph_python, tmp_path_factory.mktemp("ralph-auth"))


@pytest.fixture
def ralph(ralph_python: Path, ralph_auth: Path, tmp_path: Path) -> Iterator[Ralph]:
    data = tmp_path / "lrs"
    data.mkdir()
    lrs = Ralph(ralph_python, ralph_auth, data)
    lrs.start()
    yield lrs
    lrs.stop()


LrsNode = Callable[..., Awaitable[AppClient]]


@pytest.fixture
def lrs_node(
    nodes: NodeFactory, ralph: Ralph, clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> LrsNode:  # fmt: skip
    """Starts an app (a node) that sends to the test's ralph; several share one database."""

    async def start(**overrides: Any) -> AppClient:
        settings = nodes.settings(
            lrs_url=ralph.url, lrs_username=USERNAME, lrs_password=PASSWORD, **overrides
        )
        app: web.Application = create_app(settings, clock=clock)
        return await aiohttp_client(app)

    return start
