"""Media over TURN only: a real coturn on loopback, clients with host candidates disabled.

Trainees behind strict office networks reach the class only through TURN. Here both the
publisher and the subscriber are restricted to relay candidates, with the time-limited TURN
credentials the server hands out (coturn's ``use-auth-secret``), so media flows over coturn or
not at all. The test set-up installs Debian's ``coturn`` when it is missing.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)

from server.app import create_app
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests import debian
from tests.conftest import AppClient, NodeFactory, add_person, api_token, bearer
from tests.factories import make_class
from tests.rooms.classroom import Participant

TURN_SECRET = "a coturn secret for the tests only"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stun_answers(port: int, attempts: int = 200) -> bool:
    """Whether a STUN binding request to the port gets an answer (coturn is up)."""
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + secrets.token_bytes(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.05)
        for _ in range(attempts):
            sock.sendto(request, ("127.0.0.1", port))
            try:
                return sock.recv(2048)[:2] == b"\x01\x01"
            except TimeoutError:
                continue
    return False


@pytest.fixture(scope="module")
def turn_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A coturn on 127.0.0.1 that relays to loopback peers (the server's aiortc peers).

    Its ports are picked free and then handed to coturn, so another test's peers (aiortc binds
    ephemeral UDP ports by the dozen, on the other worker too) can take one in between: a start
    that does not answer is tried again on other ports, and the last one's log is shown."""
    turnserver = debian.ensure("turnserver", "coturn")
    log = tmp_path_factory.mktemp("coturn") / "turnserver.log"
    for _ in range(3):
        port, relay = free_udp_port(), free_udp_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603
                [
                    turnserver, "-n", "--no-cli", "--no-tls", "--no-dtls", "--log-file=stdout",
                    "--listening-ip=127.0.0.1", f"--listening-port={port}",
                    "--relay-ip=127.0.0.1", f"--min-port={relay}", f"--max-port={relay + 50}",
                    "--allow-loopback-peers", "--use-auth-secret",
                    f"--static-auth-secret={TURN_SECRET}", "--realm=baeum.test", "--fingerprint",
                ],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        if stun_answers(port):
            break
        proc.terminate()
        proc.wait(timeout=10)
    else:
        pytest.fail(f"coturn did not start on three tries; its log:\n{log.read_text()[-3000:]}")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
async def turn_client(
    nodes: NodeFactory,
    clock: ManualClock,
    turn_port: int,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> AppClient:
    clock.set(datetime.now(UTC))  # coturn checks the credentials' expiry against real time
    settings = nodes.settings(
        turn_secret=TURN_SECRET,
        ice_servers=[{"urls": [f"turn:127.0.0.1:{turn_port}?transport=udp"]}],
    )
    return await aiohttp_client(create_app(settings, clock=clock))


async def relay_only_peer(client: AppClient, login: str, class_session_id: int) -> tuple[
    Participant, RTCPeerConnection
]:  # fmt: skip
    token = await api_token(client, login)
    url = f"/api/v1/class-sessions/{class_session_id}/class-token"
    granted = await (await client.post(url, headers=bearer(token))).json()
    ice = [RTCIceServer(s["urls"], s["username"], s["credential"]) for s in granted["ice_servers"]]
    assert all(s.username for s in ice)  # time-limited credentials from the server
    socket_ = Participant()
    await socket_.connect(client, {"token": granted["token"]})
    await socket_.ok("join")
    config = RTCConfiguration(iceServers=ice, iceTransportPolicy=RTCIceTransportPolicy.RELAY)
    return socket_, RTCPeerConnection(config)


def local_candidate_types(pc: RTCPeerConnection) -> set[str]:
    kinds = set()
    for transceiver in pc.getTransceivers():
        gatherer = transceiver.sender.transport.transport.iceGatherer
        kinds |= {c.type for c in gatherer.getLocalCandidates()}
    return kinds


async def test_media_flows_over_turn_when_it_is_the_only_way(
    turn_client: AppClient, clock: ManualClock
) -> None:
    app = turn_client.app
    park = await add_person(app, "park", [Role.INSTRUCTOR], clock)
    kim = await add_person(app, "kim", [Role.TRAINEE], clock)
    klass = await make_class(app, clock, trainees=[kim.id],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-1))  # fmt: skip
    park_socket, publisher = await relay_only_peer(turn_client, "park", klass.class_session_id)
    kim_socket, subscriber = await relay_only_peer(turn_client, "kim", klass.class_session_id)
    try:
        publisher.addTransceiver(VideoStreamTrack(), direction="sendonly")
        await publisher.setLocalDescription(await publisher.createOffer())
        offer = {"type": "offer", "sdp": publisher.localDescription.sdp}
        answer = (await park_socket.ok("media_publish", offer))["answer"]
        await publisher.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))

        tracks: asyncio.Queue[Any] = asyncio.Queue()
        subscriber.on("track", tracks.put_nowait)
        server_offer = (await kim_socket.ok("media_subscribe"))["offer"]
        await subscriber.setRemoteDescription(RTCSessionDescription(server_offer["sdp"], "offer"))
        await subscriber.setLocalDescription(await subscriber.createAnswer())
        await kim_socket.ok(
            "media_answer", {"type": "answer", "sdp": subscriber.localDescription.sdp}
        )
        video = await asyncio.wait_for(tracks.get(), 15)
        frames = [await asyncio.wait_for(video.recv(), 15) for _ in range(10)]
        assert len(frames) == 10
        assert local_candidate_types(publisher) == {"relay"}
        assert local_candidate_types(subscriber) == {"relay"}
    finally:
        for pc in (publisher, subscriber):
            await pc.close()
        await park_socket.close()
        await kim_socket.close()
