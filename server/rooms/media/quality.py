"""Connection quality as the server sees it, sampled into the classroom's connection reports.

The browser reports what it sees; the server adds what only it knows, from RTCP: for each
participant's receiving connection, the loss, jitter and round-trip time its receiver reports
say, and the bitrate sent to it; for each publishing connection, the loss and jitter of what
arrives and its bitrate. A figure with no data (no report yet, no RTT measured) stays None.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import RTCRtpReceiver

from server.rooms.media.aiortc_glue import RtpOut


@dataclass(frozen=True)
class Quality:
    loss_pct: float | None
    rtt_ms: float | None
    jitter_ms: float | None
    bitrate_kbps: float | None


@dataclass
class Counters:
    """Running totals at the previous sample, to turn them into rates and shares."""

    octets: int = 0
    received: int = 0
    lost: int = 0


def _kbps(octets: int, seconds: float) -> float | None:
    return round(octets * 8 / 1000 / seconds, 1) if seconds > 0 else None


def receiving(outs: list[RtpOut], before: Counters, seconds: float) -> Quality:
    """One subscriber: the worst loss and jitter over its streams, the mean RTT, bitrate sent."""
    octets = sum(out.octets for out in outs)
    sent, before.octets = octets - before.octets, octets
    reports = [(out, out.latest) for out in outs if out.latest is not None]
    rtts = [r[2] for _, r in reports if r[2] is not None]
    return Quality(
        loss_pct=round(max(r[0] for _, r in reports) * 100, 1) if reports else None,
        rtt_ms=round(sum(rtts) / len(rtts) * 1000, 1) if rtts else None,
        jitter_ms=round(max(r[1] / out.clock_rate * 1000 for out, r in reports), 1)
        if reports
        else None,
        bitrate_kbps=_kbps(sent, seconds),
    )


async def publishing(
    receivers: list[tuple[RTCRtpReceiver, int]], octets: int, before: Counters, seconds: float
) -> Quality:
    """One publisher: the share of its packets lost on the way in since the last sample, the
    worst jitter, and the bitrate that arrived. Receivers come with their clock rates."""
    received = lost = 0
    jitters = []
    for receiver, clock_rate in receivers:
        for stats in (await receiver.getStats()).values():
            if stats.type == "inbound-rtp":
                received, lost = received + stats.packetsReceived, lost + stats.packetsLost
                jitters.append(stats.jitter / clock_rate * 1000)
    new_received, new_lost = received - before.received, lost - before.lost
    arrived, before.octets = octets - before.octets, octets
    before.received, before.lost = received, lost
    expected = new_received + new_lost
    return Quality(
        loss_pct=round(max(new_lost, 0) / expected * 100, 1) if expected > 0 else None,
        rtt_ms=None,  # a receiver alone cannot measure it (the publisher's own reports can)
        jitter_ms=round(max(jitters), 1) if jitters else None,
        bitrate_kbps=_kbps(arrived, seconds),
    )
