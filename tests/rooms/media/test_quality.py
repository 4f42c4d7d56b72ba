"""The server samples each media connection's quality into the connection reports."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiortc import AudioStreamTrack, VideoStreamTrack
from sqlalchemy import select

from server.config import Settings
from server.core.keys import DATABASE
from server.rooms.media.aiortc_glue import RtpOut
from server.rooms.media.quality import Counters, receiving
from server.rooms.models import ConnectionReport
from tests.conftest import AppClient, NodeFactory
from tests.rooms.media.conftest import Peer


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    return nodes.settings(media_quality_s=0.5)


async def samples(client: AppClient, user_id: int, detail: str, wanted: Any) -> list[Any]:
    """The server's quality reports about this connection, once one satisfies ``wanted``."""
    loop = asyncio.get_running_loop()
    until = loop.time() + 20
    while True:
        async with client.app[DATABASE].unit_of_work() as session:
            rows = list(await session.scalars(select(ConnectionReport).where(
                ConnectionReport.kind == "quality", ConnectionReport.user_id == user_id,
                ConnectionReport.detail == detail,
            )))  # fmt: skip
        if any(wanted(r) for r in rows) or loop.time() > until:
            return rows
        await asyncio.sleep(0.1)


async def test_receiving_and_publishing_quality_is_on_record(
    peers: dict[str, Peer], client: AppClient
) -> None:
    park, kim = peers["park"], peers["kim"]
    park_id, kim_id = park.socket.state["me"]["user_id"], kim.socket.state["me"]["user_id"]
    await park.publish(VideoStreamTrack(), AudioStreamTrack())
    await kim.subscribe()
    await asyncio.wait_for(kim.tracks.get(), 10)

    def measured(r: ConnectionReport) -> bool:  # RTT needs a sender report answered
        return r.rtt_ms is not None and (r.bitrate_kbps or 0) > 0

    got = await samples(client, kim_id, "receiving", measured)
    sample = next(r for r in got if measured(r))
    assert sample.source == "server"
    assert sample.class_session_id == kim.class_session_id
    assert sample.rtt_ms is not None
    assert 0 < sample.rtt_ms < 1000  # loopback
    assert sample.packet_loss_pct is not None
    assert 0 <= sample.packet_loss_pct <= 100
    assert sample.jitter_ms is not None

    published = await samples(client, park_id, "publishing", lambda r: (r.bitrate_kbps or 0) > 0)
    sample = next(r for r in published if (r.bitrate_kbps or 0) > 0)
    assert sample.rtt_ms is None  # unknown, not zero: a receiver cannot measure it
    assert sample.packet_loss_pct is not None


class FakeOut:
    """What ``receiving`` reads of an RtpOut."""

    def __init__(self, octets: int, latest: Any, clock_rate: int = 90000) -> None:
        self.octets, self.latest, self.clock_rate = octets, latest, clock_rate


def test_a_receiving_sample_takes_the_worst_stream_and_says_what_it_does_not_know() -> None:
    before = Counters()
    outs: list[Any] = [FakeOut(1000, (0.1, 900, 0.02)), FakeOut(500, (0.3, 90, None))]
    sample = receiving(outs, before, seconds=1.0)
    assert sample.loss_pct == 30.0
    assert sample.jitter_ms == 10.0  # 900 ticks of a 90 kHz clock
    assert sample.rtt_ms == 20.0  # only the stream with a measured RTT
    assert sample.bitrate_kbps == 12.0  # 1500 bytes in a second
    quiet: list[RtpOut] = [FakeOut(1500, None)]  # type: ignore[list-item]
    nothing = receiving(quiet, before, seconds=1.0)
    assert (nothing.loss_pct, nothing.rtt_ms, nothing.jitter_ms) == (None, None, None)
    assert nothing.bitrate_kbps == 0.0  # nothing more was sent: that one is known
