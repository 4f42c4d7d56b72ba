"""WHIP ingest (RFC 9725), with an aiortc peer as the WHIP sender (as OBS would be)."""

from __future__ import annotations

import asyncio
import logging

import av
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

from server.rooms.media.sfu import MEDIA
from tests.conftest import AppClient
from tests.rooms.media.conftest import Peer


async def whip_offer() -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection()
    pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    return pc, pc.localDescription.sdp


def bearer_of(peer: Peer) -> dict[str, str]:
    return {"Authorization": f"Bearer {peer.api_token}"}


def whip_url(peer: Peer) -> str:
    return f"/api/v1/class-sessions/{peer.class_session_id}/whip"


async def test_an_instructor_streams_into_the_class_over_whip(
    peers: dict[str, Peer], client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim = peers["park"], peers["kim"]
    sender, offer = await whip_offer()
    try:
        response = await client.post(
            whip_url(park),
            data=offer,
            headers={
                "Content-Type": "application/sdp",
                "Authorization": f"Bearer {park.api_token}",
            },
        )
        assert response.status == 201, await response.text()
        assert response.content_type == "application/sdp"
        location = response.headers["Location"]
        assert location.startswith("/api/v1/whip/")
        await sender.setRemoteDescription(RTCSessionDescription(await response.text(), "answer"))
        await kim.subscribe()
        video = await asyncio.wait_for(kim.tracks.get(), 10)
        frames = [await asyncio.wait_for(video.recv(), 10) for _ in range(15)]
        assert all(isinstance(f, av.VideoFrame) for f in frames)
        assert {(f.width, f.height) for f in frames if isinstance(f, av.VideoFrame)} == {(640, 480)}
        assert not [r for r in caplog.records if "failed to decode" in r.getMessage()]

        trickle = await client.patch(
            location, headers={"Authorization": f"Bearer {park.api_token}"}
        )
        assert trickle.status == 405
        someone_else = await client.delete(location, headers=bearer_of(kim))
        assert someone_else.status == 403
        stopped = await client.delete(
            location, headers={"Authorization": f"Bearer {park.api_token}"}
        )
        assert stopped.status == 200
        (class_media,) = client.app[MEDIA].classes.values()
        assert class_media.publications == {}
        assert (
            await client.delete(location, headers={"Authorization": f"Bearer {park.api_token}"})
        ).status == 404
    finally:
        await sender.close()


@pytest.mark.parametrize(
    ("who", "body", "content_type", "status", "slug"),
    [
        (None, "v=0\r\n", "application/sdp", 401, "not-authenticated"),
        ("kim", "v=0\r\n", "application/json", 415, "unsupported-media-type"),
        ("park", "this is not sdp", "application/sdp", 422, "validation-error"),
        ("park", "v=0\r\nnonsense", "application/sdp", 422, "validation-error"),
    ],
)
async def test_whip_refuses_bad_requests(
    peers: dict[str, Peer],
    client: AppClient,
    who: str | None,
    body: str,
    content_type: str,
    status: int,
    slug: str,
) -> None:
    headers = {"Content-Type": content_type}
    if who is not None:
        headers |= bearer_of(peers[who])
    response = await client.post(whip_url(peers["park"]), data=body, headers=headers)
    assert response.status == status, await response.text()
    assert (await response.json())["type"] == f"/problems/{slug}"
    assert client.app[MEDIA].classes == {} or all(
        not m.publications for m in client.app[MEDIA].classes.values()
    )
