"""The fault suite: three Baeum nodes as real processes sharing a PostgreSQL cluster and a
Redis server of the suite's own (so restarting them disturbs nothing else), on loopback.

Collected only on the services stack (BAEUM_TEST_DATABASE_URL and BAEUM_TEST_REDIS_URL set,
as CI does): the suite is about the scaled set-up. There it needs initdb/pg_ctl and
redis-server, and fails naming the missing one rather than skipping.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from server.core import migrate
from server.core.db import Database
from tests.chaos.services import ROOT, Node, PgCluster, RedisServer
from tests.conftest import PG_URL, REDIS_URL, run_blocking

collect_ignore_glob = [] if (PG_URL and REDIS_URL) else ["test_*.py"]

#: reconnect grace for the suite; the drops are expressed relative to it
GRACE_S = 12
#: how soon a silent socket is taken for dropped: ping interval + ping timeout
PING_INTERVAL_S, PING_TIMEOUT_S = 1.0, 4.0
DETECT_S = PING_INTERVAL_S + PING_TIMEOUT_S


class Cluster:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.pg = PgCluster()
        self.redis = RedisServer(base)
        self.secret = secrets.token_urlsafe(40)
        self.database_url = self.pg.url("baeum")
        logs = ROOT / "test-output" / "chaos"  # kept after the run, for a failure's story
        shutil.rmtree(logs, ignore_errors=True)
        logs.mkdir(parents=True)
        env = {
            "BAEUM_DATABASE_URL": self.database_url,
            "BAEUM_REDIS_URL": self.redis.url,
            "BAEUM_REDIS_PREFIX": "chaos",
            "BAEUM_SECRET_KEY": self.secret,
            "BAEUM_VAR_DIR": str(base / "var"),
            "BAEUM_PASSWORD_HASH_PROFILE": "cheapest",
            "BAEUM_RECONNECT_GRACE_S": str(GRACE_S),
            "BAEUM_ROOMS_HOUSEKEEPING_S": "0.5",
            "BAEUM_SOCKET_PING_INTERVAL_S": str(PING_INTERVAL_S),
            "BAEUM_SOCKET_PING_TIMEOUT_S": str(PING_TIMEOUT_S),
            "BAEUM_MEDIA_HOST_ADDRESSES": '["127.0.0.1"]',
            "BAEUM_LINK_PREVIEW": "false",
            "BAEUM_LOG_LEVEL": "WARNING",
        }
        self.nodes = [Node(f"node-{n}", env, logs) for n in "abc"]

    @property
    def ports(self) -> list[int]:
        return [node.port for node in self.nodes]

    def up(self) -> None:
        """Everything running and ready (a test may have left a node killed)."""
        for node in self.nodes:
            if not node.alive:
                node.start()
        for node in self.nodes:
            node.wait_ready()

    def down(self) -> None:
        for node in self.nodes:
            node.stop()
        self.redis.stop()
        self.pg.remove()


async def _create_database(cluster: Cluster) -> None:
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{cluster.pg.port}/postgres")
    try:
        await conn.execute('CREATE DATABASE "baeum"')
    finally:
        await conn.close()
    db = Database(cluster.database_url)
    try:
        await migrate.upgrade(db.engine)
    finally:
        await db.close()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("chaos")
    cluster = Cluster(base)
    try:
        cluster.pg.create()
        cluster.redis.start()
        run_blocking(lambda: _create_database(cluster))
        for node in cluster.nodes:
            node.start()
        cluster.up()
        yield cluster
    finally:
        cluster.down()


@pytest.fixture
def cluster(running: Cluster) -> Cluster:
    running.up()
    return running


@pytest.fixture
async def records(cluster: Cluster) -> AsyncIterator[Database]:
    """The test's own view of the records, to check them against what clients were told."""
    db = Database(cluster.database_url)
    yield db
    await db.close()
