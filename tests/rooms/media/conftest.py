"""Media test fixtures: people in a class, each with a socket and aiortc peer connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

from server.config import Settings
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.conftest import AppClient, NodeFactory, add_person, api_token, bearer
from tests.factories import make_class
from tests.rooms.classroom import Participant


def bundled() -> RTCPeerConnection:
    """A client connection that bundles every line on one transport, as browsers do (aiortc's
    default "balanced" policy loses all but the first line of a kind: aiortc issue 1414)."""
    return RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))


@dataclass
class Peer:
    """A participant's socket in the class plus their aiortc peer connections."""

    socket: Participant
    class_session_id: int
    api_token: str
    publisher: RTCPeerConnection | None = None
    subscriber: RTCPeerConnection | None = None
    tracks: asyncio.Queue[MediaStreamTrack] = field(default_factory=asyncio.Queue)

    async def publish(
        self,
        *tracks: MediaStreamTrack,
        video_codec: str | None = None,
        screen: MediaStreamTrack | None = None,
    ) -> None:
        """A new publishing connection with these tracks (and ``screen`` as a screen share)."""
        self.publisher = bundled()
        for track in tracks:
            transceiver = self.publisher.addTransceiver(track, direction="sendonly")
            if video_codec and track.kind == "video":
                codecs = RTCRtpSender.getCapabilities("video").codecs
                transceiver.setCodecPreferences([c for c in codecs if c.mimeType == video_codec])
        shared = self.publisher.addTransceiver(screen, direction="sendonly") if screen else None
        await self.publisher.setLocalDescription(await self.publisher.createOffer())
        offer = self.publisher.localDescription
        message = {"type": offer.type, "sdp": offer.sdp, "screen": [shared.mid] if shared else []}
        answer = await self.socket.ok("media_publish", message)
        await self.publisher.setRemoteDescription(
            RTCSessionDescription(answer["answer"]["sdp"], answer["answer"]["type"])
        )

    async def subscribe(self) -> None:
        self.subscriber = bundled()
        self.subscriber.on("track", self.tracks.put_nowait)
        offer = (await self.socket.ok("media_subscribe"))["offer"]
        if offer is not None:
            await self._answer(offer)

    async def answer_next_offer(self) -> None:
        """The server offers again when what this peer receives changes."""
        await self._answer(await self.socket.next("media_offer"))

    async def _answer(self, offer: dict[str, str]) -> None:
        assert self.subscriber is not None
        await self.subscriber.setRemoteDescription(
            RTCSessionDescription(offer["sdp"], offer["type"])
        )
        await self.subscriber.setLocalDescription(await self.subscriber.createAnswer())
        answer = self.subscriber.localDescription
        await self.socket.ok("media_answer", {"type": answer.type, "sdp": answer.sdp})

    async def close(self) -> None:
        for pc in (self.publisher, self.subscriber):
            if pc is not None:
                await pc.close()
        await self.socket.close()


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    """One voice forwarded at a time, so that choosing the speakers shows."""
    return nodes.settings(audio_speakers=1)


@pytest.fixture
async def peers(client: AppClient, clock: ManualClock) -> AsyncIterator[dict[str, Peer]]:
    ids = {}
    for login, role in (("park", Role.INSTRUCTOR), ("kim", Role.TRAINEE), ("lee", Role.TRAINEE)):
        ids[login] = (await add_person(client.app, login, [role], clock)).id
    klass = await make_class(
        client.app, clock, trainees=[ids["kim"], ids["lee"]],
        staff={StaffRole.INSTRUCTOR: ids["park"]}, starts_in=timedelta(minutes=-1),
    )  # fmt: skip
    made: dict[str, Peer] = {}
    for login in ids:
        token = await api_token(client, login)
        response = await client.post(
            f"/api/v1/class-sessions/{klass.class_session_id}/class-token", headers=bearer(token)
        )
        socket = Participant()
        await socket.connect(client, {"token": (await response.json())["token"]})
        socket.state = await socket.ok("join")
        made[login] = Peer(socket, klass.class_session_id, token)
    yield made
    for peer in made.values():
        await peer.close()
