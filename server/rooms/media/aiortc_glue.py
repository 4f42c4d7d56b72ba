"""Everything Baeum's media relies on inside aiortc that aiortc does not publish. One module.

aiortc depacketises, re-assembles and decodes every track it receives, and encodes and
packetises every track it sends. A forwarding unit does none of that: it takes each RTP
packet as the publisher's connection received it and writes it out of each subscriber's
connection with only the header rewritten (that subscriber's SSRC, sequence number, timestamp
and payload type; the codec's payload descriptor and the payload are untouched).

The hooks, each on one aiortc object, never on the class:
- ``tap_packets``: the receiver still does its bookkeeping (statistics for its receiver
  reports, NACKs to the publisher, REMB, unwrapping retransmissions); its jitter buffer is
  replaced by a tap, so no frame is re-assembled or decoded and each packet goes to the SFU;
- ``request_keyframe``: the receiver's own PLI sender;
- ``RtpOut``: writes rewritten packets out of a sender as if its own loop had sent them
  (so its sender reports count them), answers NACKs from its own retransmission history
  (RTX when negotiated), and reports PLI/FIR and receiver reports to the SFU. The sender's
  track is an ``IdleTrack``: its own loop waits and never sends.

``tests/rooms/media/test_aiortc_glue.py`` checks these names exist in the installed aiortc, so
an upgrade that moves them fails loudly instead of silently decoding again.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.clock import current_ntp_time
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import (
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    RtcpPsfbPacket,
    RtcpRrPacket,
    RtcpRtpfbPacket,
    RtcpSrPacket,
    RtpPacket,
)

TESTED_AIORTC = "1.16.0"
JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
SENDER = "_RTCRtpSender__"  # the prefix of the sender's private attributes
MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
HISTORY = 512  # packets kept per subscriber stream for retransmission (about 2 s of video)

OnPacket = Callable[[RtpPacket], Awaitable[None]]


class _PacketTap:
    """Stands in for the receiver's jitter buffer: keeps the packet, re-assembles nothing."""

    def __init__(self) -> None:
        self.packet: RtpPacket | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        self.packet = packet
        return False, None  # no picture loss to report, no frame to decode

    def remove(self, count: int) -> None:
        """aiortc's JitterBuffer API; nothing is buffered here."""


def tap_packets(receiver: RTCRtpReceiver, on_packet: OnPacket) -> None:
    """From now on, each RTP packet this receiver accepts (retransmissions unwrapped) goes to
    ``on_packet`` after aiortc's bookkeeping, and nothing is re-assembled or decoded."""
    if isinstance(getattr(receiver, JITTER_BUFFER), _PacketTap):
        raise RuntimeError("receiver already tapped")
    tap = _PacketTap()
    setattr(receiver, JITTER_BUFFER, tap)
    original = receiver._handle_rtp_packet

    async def handle(packet: RtpPacket, arrival_time_ms: int) -> None:
        await original(packet, arrival_time_ms)
        accepted, tap.packet = tap.packet, None
        if accepted is not None:
            await on_packet(accepted)

    receiver._handle_rtp_packet = handle  # type: ignore[method-assign]


async def request_keyframe(receiver: RTCRtpReceiver) -> bool:
    """Ask the publisher for a keyframe (RTCP PLI); False if no media has arrived yet."""
    sources = receiver.getSynchronizationSources()
    if not sources:
        return False
    await receiver._send_rtcp_pli(sources[0].source)
    return True


class IdleTrack(MediaStreamTrack):
    """The track of a forwarding sender: its own loop waits here, and never sends."""

    def __init__(self, kind: str, track_id: str) -> None:
        super().__init__()
        self.kind = kind
        self._id = track_id
        self._ended = asyncio.Event()

    def end(self) -> None:
        self._ended.set()

    async def recv(self) -> Any:
        await self._ended.wait()
        self.stop()
        raise MediaStreamError


class RtpOut:
    """Packets out of one subscriber's sender, headers rewritten for that sender's stream.

    ``picture_loss()`` is called on the subscriber's PLI/FIR, ``loss(fraction)`` on each of
    its receiver reports about this stream (fraction 0-1 of packets lost, jitter in timestamp
    units, round-trip time in seconds or None).
    """

    def __init__(
        self,
        sender: RTCRtpSender,
        picture_loss: Callable[[], Awaitable[None]],
        loss: Callable[[float, int, float | None], None],
    ) -> None:
        self.sender = sender
        self.ssrc = sender._ssrc
        self.payload_type: int | None = None  # known once the sender starts (negotiated)
        self.clock_rate = 90000
        self._rtx: tuple[int, int] | None = None  # (payload type, SSRC) of retransmissions
        self._rtx_seq = 0
        self._header: struct.Struct | None = None
        self._mid = b""
        self._header_length = 0
        self._has_level = False
        self._history: list[bytes | None] = [None] * HISTORY
        self.packets = 0
        self.octets = 0
        #: the subscriber's latest report on this stream: (loss 0-1, jitter in clock units, RTT s)
        self.latest: tuple[float, int, float | None] | None = None
        self._picture_loss = picture_loss
        self._loss = loss
        self._hook_send()
        self._hook_feedback()

    @property
    def ready(self) -> bool:
        return self._header is not None

    def _hook_send(self) -> None:
        original = self.sender.send

        async def send(parameters: RTCRtpSendParameters) -> None:
            if not self.ready:
                self._configure(parameters)
            await original(parameters)

        self.sender.send = send  # type: ignore[method-assign]

    def _configure(self, parameters: RTCRtpSendParameters) -> None:
        """The header layout this stream's packets get: its payload type and the one-byte
        header extensions negotiated (mid, abs-send-time, audio level), RFC 8285."""
        codec = parameters.codecs[0]
        self.clock_rate = codec.clockRate
        for rtx in parameters.codecs[1:]:
            if rtx.mimeType.lower().endswith("/rtx") and rtx.parameters.get("apt") == (
                codec.payloadType
            ):
                self._rtx = (rtx.payloadType or 0, self.sender._rtx_ssrc)
        ids = {e.uri: e.id for e in parameters.headerExtensions}
        fmt, length = "!BBHLLHH", 0
        if MID_URI in ids and parameters.muxId:
            self._mid = bytes([(ids[MID_URI] << 4) | (len(parameters.muxId) - 1)])
            self._mid += parameters.muxId.encode()
            fmt, length = fmt + f"{len(self._mid)}s", length + len(self._mid)
        self._abs_id = ids.get(ABS_SEND_TIME_URI, 0)
        if self._abs_id:
            fmt, length = fmt + "B3s", length + 4
        self._level_id = ids.get(AUDIO_LEVEL_URI, 0)
        self._has_level = bool(self._level_id) and codec.mimeType.lower().startswith("audio/")
        if self._has_level:
            fmt, length = fmt + "BB", length + 2
        padding = -length % 4
        self._words = (length + padding) // 4
        self._header = struct.Struct(fmt + f"{padding}x")
        self._header_length = self._header.size
        self.payload_type = codec.payloadType

    def header(
        self, marker: int, seq: int, timestamp: int, abs_send_time: bytes, level: int | None
    ) -> bytes:
        assert self._header is not None
        assert self.payload_type is not None
        fields: list[Any] = [0x90, (marker << 7) | self.payload_type, seq, timestamp, self.ssrc]
        fields += [0xBEDE, self._words]
        if self._mid:
            fields.append(self._mid)
        if self._abs_id:
            fields += [(self._abs_id << 4) | 2, abs_send_time]
        if self._has_level:
            fields += [self._level_id << 4, 127 if level is None else level]
        return self._header.pack(*fields)

    async def write(self, header: bytes, payload: bytes, timestamp: int, ntp: int) -> bool:
        """Send one packet; False if the subscriber's connection is not up (yet or any more)."""
        data = header + payload
        seq = (header[2] << 8) | header[3]
        self._history[seq % HISTORY] = data
        try:
            await self.sender.transport._send_rtp(data)
        except ConnectionError:
            return False
        self.packets += 1
        self.octets += len(payload)
        sender = self.sender.__dict__  # what its sender reports (RTCP SR) say was sent
        sender[SENDER + "ntp_timestamp"] = ntp
        sender[SENDER + "rtp_timestamp"] = timestamp
        sender[SENDER + "packet_count"] = self.packets
        sender[SENDER + "octet_count"] = self.octets
        return True

    async def retransmit(self, seq: int) -> bool:
        """Send a lost packet again from the history (as RTX if negotiated); False if gone."""
        data = self._history[seq % HISTORY]
        if data is None or (data[2] << 8) | data[3] != seq:
            return False
        if self._rtx is not None:
            payload_type, ssrc = self._rtx
            head = bytes([data[0], (data[1] & 0x80) | payload_type])
            head += struct.pack("!H", self._rtx_seq) + data[4:8] + struct.pack("!L", ssrc)
            data = head + data[12 : self._header_length] + data[2:4] + data[self._header_length :]
            self._rtx_seq = (self._rtx_seq + 1) & 0xFFFF
        try:
            await self.sender.transport._send_rtp(data)
        except ConnectionError:
            return False
        return True

    def _hook_feedback(self) -> None:
        original = self.sender._handle_rtcp_packet

        async def handle(packet: Any) -> None:
            if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
                for seq in packet.lost:
                    await self.retransmit(seq)
                return
            if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
                await self._picture_loss()
            await original(packet)
            if isinstance(packet, RtcpRrPacket | RtcpSrPacket):
                for report in packet.reports:
                    if report.ssrc == self.ssrc:
                        self.latest = (report.fraction_lost / 256, report.jitter, self.rtt)
                        self._loss(*self.latest)

        self.sender._handle_rtcp_packet = handle  # type: ignore[method-assign]

    @property
    def rtt(self) -> float | None:
        """The round-trip time the sender estimated from the subscriber's reports (seconds)."""
        value = self.sender.__dict__.get(SENDER + "rtt")
        return float(value) if value is not None else None


def send_time() -> tuple[int, bytes]:
    """Now, as an NTP timestamp (for sender reports) and as abs-send-time (3 bytes, 6.18 s)."""
    ntp = current_ntp_time()
    return ntp, ((ntp >> 14) & 0xFFFFFF).to_bytes(3, "big")


def limit_host_addresses(addresses: list[str]) -> None:
    """Gather host ICE candidates only on these local addresses (aioice gathers on every
    interface but loopback). A process is one media node, so this is set for the process:
    to serve media on one interface of a multi-homed machine, or on loopback in tests."""
    import aioice.ice

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in addresses if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = host_addresses
