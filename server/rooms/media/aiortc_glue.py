"""Everything Baeum's media relies on inside aiortc that aiortc does not publish. One module.

aiortc decodes every track it receives. A forwarding unit must not: it takes the encoded frames
the receiver has re-assembled (the moment before decoding) and hands them, still encoded, to
the senders of the subscribers, whose encoders only packetise pre-encoded data (``pack``).

The hooks, each on one aiortc object, never on the class:
- ``tap_receiver``: the receiver's decoder queue is replaced by a tap that gives encoded frames
  to the SFU; the idle decoder thread is still stopped cleanly when the receiver stops;
- ``request_keyframe``: the receiver's own PLI sender;
- ``on_picture_loss``: a subscriber's PLI/FIR, seen before aiortc's sender ignores it (it can
  only force a keyframe when it encodes, which it never does here).

``tests/rooms/media/test_aiortc_glue.py`` checks these names exist in the installed aiortc, so
an upgrade that moves them fails loudly instead of silently decoding again.
"""

from __future__ import annotations

import queue
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, RtcpPsfbPacket, RtcpRrPacket, RtcpSrPacket

TESTED_AIORTC = "1.16.0"
DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"

OnFrame = Callable[
    [Any, Any], None
]  # (codec parameters, encoded JitterFrame with .data, .timestamp)


class _FrameTap:
    """Stands in for the receiver's decoder queue: frames go to the SFU, not to a decoder."""

    def __init__(self, original: queue.Queue[Any], on_frame: OnFrame) -> None:
        self._original = original
        self._on_frame = on_frame

    def put(self, item: Any) -> None:
        if item is None:  # the receiver is stopping: let its (idle) decoder thread end
            self._original.put(None)
            return
        codec, encoded_frame = item
        self._on_frame(codec, encoded_frame)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._original.get(*args, **kwargs)


def tap_receiver(receiver: RTCRtpReceiver, on_frame: OnFrame) -> None:
    """From now on, this receiver's encoded frames go to ``on_frame`` and are never decoded."""
    original = getattr(receiver, DECODER_QUEUE)
    if isinstance(original, _FrameTap):
        raise RuntimeError("receiver already tapped")
    setattr(receiver, DECODER_QUEUE, _FrameTap(original, on_frame))


async def request_keyframe(receiver: RTCRtpReceiver) -> bool:
    """Ask the publisher for a keyframe (RTCP PLI); False if no media has arrived yet."""
    sources = receiver.getSynchronizationSources()
    if not sources:
        return False
    await receiver._send_rtcp_pli(sources[0].source)
    return True


def on_feedback(
    sender: RTCRtpSender,
    picture_loss: Callable[[], Awaitable[None]],
    loss: Callable[[float], None],
) -> None:
    """Watch what the subscriber behind this sender reports: ``picture_loss()`` on PLI/FIR,
    ``loss(fraction)`` (0-1) on each receiver report about this sender's stream."""
    original = sender._handle_rtcp_packet

    async def handle(packet: Any) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            await picture_loss()
        elif isinstance(packet, RtcpRrPacket | RtcpSrPacket):
            for report in packet.reports:
                if report.ssrc == sender._ssrc:
                    loss(report.fraction_lost / 256)
        await original(packet)

    sender._handle_rtcp_packet = handle  # type: ignore[method-assign]


def on_audio_level(receiver: RTCRtpReceiver, callback: Callable[[int], None]) -> None:
    """Call ``callback(level)`` for each received packet that carries the RFC 6464 audio level
    (0 = loudest, 127 = silence, in -dBov), before aiortc handles the packet."""
    original = receiver._handle_rtp_packet

    async def handle(packet: Any, *args: Any, **kwargs: Any) -> None:
        level = packet.extensions.audio_level
        if level is not None:
            callback(level[1])
        await original(packet, *args, **kwargs)

    receiver._handle_rtp_packet = handle  # type: ignore[method-assign]


def limit_host_addresses(addresses: list[str]) -> None:
    """Gather host ICE candidates only on these local addresses (aioice gathers on every
    interface but loopback). A process is one media node, so this is set for the process:
    to serve media on one interface of a multi-homed machine, or on loopback in tests."""
    import aioice.ice

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in addresses if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = host_addresses
