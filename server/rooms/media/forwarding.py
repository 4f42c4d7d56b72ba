"""Packet-level forwarding rules: where a subscriber's copy of a stream may start, and how
its sequence numbers and timestamps are rewritten so it stays one continuous stream.

A subscriber's stream is spliced whenever forwarding starts again: on subscribing, after a
pause (another gallery page, the speaker changed), and when the publisher re-publishes (new
SSRC, new random bases). At a splice the next sequence number follows the last one sent,
and the timestamp advances by the wall-clock time that passed, so the subscriber's jitter
buffer sees no gap and no jump. Video may only start at a keyframe's first packet.

Pure functions and state, no aiortc: tested on their own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

H264_IDR, H264_SPS, H264_STAP_A, H264_FU_A = 5, 7, 24, 28
REORDER = 0x1000  # packets older than this behind the newest are never forwarded
SEQ_MOD, TS_MOD = 1 << 16, 1 << 32


def vp8_keyframe_start(payload: bytes) -> bool:
    """The first packet of a VP8 keyframe (RFC 7741 payload descriptor, then the frame tag
    whose P bit is 0, RFC 6386 section 9.1)."""
    if len(payload) < 2 or not payload[0] & 0x10 or payload[0] & 0x07:  # S=1, PID=0
        return False
    pos = 1
    if payload[0] & 0x80:  # X: extended control bits
        extended = payload[1]
        pos = 2
        if extended & 0x80:  # I: picture ID, 7 or 15 bits
            pos += 2 if len(payload) > pos and payload[pos] & 0x80 else 1
        pos += bool(extended & 0x40) + bool(extended & 0x30)  # L: TL0PICIDX; T/K
    return len(payload) > pos and not payload[pos] & 0x01


def h264_keyframe_start(payload: bytes) -> bool:
    """A packet starting an H.264 keyframe (RFC 6184): an IDR slice or a sequence parameter
    set, alone, aggregated (STAP-A) or as the first fragment (FU-A)."""
    if not payload:
        return False
    nal = payload[0] & 0x1F
    if nal == H264_FU_A:
        return len(payload) > 1 and bool(payload[1] & 0x80) and payload[1] & 0x1F == H264_IDR
    if nal == H264_STAP_A:
        pos = 1
        while pos + 2 < len(payload):
            size = (payload[pos] << 8) | payload[pos + 1]
            if payload[pos + 2] & 0x1F in (H264_IDR, H264_SPS):
                return True
            pos += 2 + size
        return False
    return nal in (H264_IDR, H264_SPS)


def keyframe_start(mime_type: str, payload: bytes) -> bool:
    """Whether a subscriber's decoder can start at this packet. Audio packets all can."""
    mime = mime_type.lower()
    if mime == "video/vp8":
        return vp8_keyframe_start(payload)
    if mime == "video/h264":
        return h264_keyframe_start(payload)
    return not mime.startswith("video/")


@dataclass
class Splice:
    """One subscriber's rewriting of one published stream."""

    clock_rate: int
    waiting: bool = True  # for a place to start (video: a keyframe's first packet)
    seq_offset: int = 0
    ts_offset: int = 0
    newest_in: int = 0  # the newest incoming sequence number forwarded
    reach: int = 0  # how far behind ``newest_in`` a late packet may be (not before the splice)
    next_seq: int = field(default_factory=lambda: secrets.randbelow(SEQ_MOD // 2))
    last_ts: int = field(default_factory=lambda: secrets.randbelow(TS_MOD))
    last_time: float | None = None  # when the newest packet went out (monotonic seconds)

    def restart(self) -> None:
        """Forwarding stopped (paused, re-published, fell behind): splice at the next start."""
        self.waiting = True

    def rewrite(self, seq: int, timestamp: int, starts: bool, now: float) -> tuple[int, int] | None:
        """This packet's (sequence number, timestamp) for the subscriber, or None: not yet
        (waiting for a start) or too late (from before the splice, or far out of order)."""
        if self.waiting:
            if not starts:
                return None
            self._splice(seq, timestamp, now)
        ahead = (seq - self.newest_in) % SEQ_MOD
        newer = ahead < SEQ_MOD // 2
        if not newer and SEQ_MOD - ahead > self.reach:
            return None
        out_seq = (seq + self.seq_offset) % SEQ_MOD
        out_ts = (timestamp + self.ts_offset) % TS_MOD
        if newer:
            self.newest_in, self.reach = seq, min(REORDER, self.reach + ahead)
            self.next_seq, self.last_ts, self.last_time = (out_seq + 1) % SEQ_MOD, out_ts, now
        return out_seq, out_ts

    def _splice(self, seq: int, timestamp: int, now: float) -> None:
        """Continue the subscriber's stream: the next sequence number, and the timestamp the
        time since the last packet implies (at least one tick, so frames never share one)."""
        elapsed = 0
        if self.last_time is not None:
            elapsed = max(1, round((now - self.last_time) * self.clock_rate))
        self.seq_offset = (self.next_seq - seq) % SEQ_MOD
        self.ts_offset = (self.last_ts + elapsed - timestamp) % TS_MOD
        self.newest_in, self.reach = seq, 0
        self.waiting = False
