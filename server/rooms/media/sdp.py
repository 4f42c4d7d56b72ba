"""Session descriptions for the forwarding unit: which codecs are negotiated (only those it
passes through unchanged), the peers' transport configuration, and what an answer asks of a
publisher.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.exceptions import InvalidAccessError, InvalidStateError
from aiortc.sdp import SessionDescription

from server.config import IceServer

REFUSED_DESCRIPTION = (ValueError, InvalidAccessError, InvalidStateError)
"""What aiortc raises for a description it cannot apply (the client's fault, not ours)."""


class BadDescription(ValueError):
    """A client's offer or answer that is not a session description we can use."""


def read_description(description: dict[str, str], kind: str) -> RTCSessionDescription:
    """The client's description, checked before anything is changed for it: a peer that
    sent garbage keeps the connection it has."""
    if description.get("type") != kind:
        raise BadDescription(f"Expected an SDP {kind}.")
    try:
        SessionDescription.parse(description["sdp"])
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise BadDescription(f"The {kind} is not a valid SDP ({exc}).") from None
    return RTCSessionDescription(description["sdp"], kind)


CODECS = {"video": ("video/vp8", "video/h264", "video/rtx"), "audio": ("audio/opus",)}


def rtc_configuration(ice_servers: list[IceServer]) -> RTCConfiguration:
    """The server's own peers use STUN only: its host candidates are what clients' TURN
    relays reach (TURN is for clients behind strict networks, with their own credentials).

    One transport for every media line (max-bundle): with aiortc's default ("balanced"), the
    lines after the first of each kind in an offer stay on transports aiortc closes once the
    answer bundles them (aiortc issue 1414), and those tracks never flow."""
    stun = [[u for u in s.urls if u.startswith("stun:")] for s in ice_servers]
    return RTCConfiguration(
        iceServers=[RTCIceServer(urls) for urls in stun if urls],
        bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
    )


def prefer_codecs(
    pc: RTCPeerConnection, mime_of: Callable[[Any], str | None] = lambda _: None
) -> None:
    """Negotiate only codecs the forwarding path passes through unchanged; where a transceiver
    forwards a publication, only that publication's codec (and retransmissions)."""
    for transceiver in pc.getTransceivers():
        forced = mime_of(transceiver)
        wanted = (forced.lower(), "video/rtx") if forced else CODECS[transceiver.kind]
        capabilities = RTCRtpSender.getCapabilities(transceiver.kind).codecs
        transceiver.setCodecPreferences([c for c in capabilities if c.mimeType.lower() in wanted])


def ask_for_dtx(sdp: str) -> str:
    """The answer to a publisher, asking for Opus discontinuous transmission (``usedtx=1``,
    RFC 7587): a muted-but-live microphone then sends a packet every 400 ms, not 50 a second
    (in a class of 30, most of what the node would receive). It only tells the sender what
    this receiver prefers, so the server's own description need not carry it."""
    head, *sections = sdp.split("\r\nm=")
    return "\r\nm=".join([head, *(_dtx_in(section) for section in sections)])


def _dtx_in(section: str) -> str:
    """One media section: ``usedtx=1`` on Opus's format parameters (adding the line if none)."""
    opus = re.search(r"^a=rtpmap:(\d+) opus/", section, flags=re.MULTILINE | re.IGNORECASE)
    if opus is None:
        return section
    fmtp = re.compile(rf"^(a=fmtp:{opus[1]} [^\r\n]*)", flags=re.MULTILINE)
    if fmtp.search(section):
        return fmtp.sub(r"\1;usedtx=1", section, count=1)
    rtpmap = re.compile(rf"^(a=rtpmap:{opus[1]} [^\r\n]*)", flags=re.MULTILINE)
    return rtpmap.sub(rf"\1\r\na=fmtp:{opus[1]} usedtx=1", section, count=1)


def negotiated_codecs(pc: RTCPeerConnection) -> dict[str, str]:
    """The codec each media line settled on (by mid), from the local description."""
    assert pc.localDescription is not None
    parsed = SessionDescription.parse(pc.localDescription.sdp)
    return {m.rtp.muxId: m.rtp.codecs[0].mimeType for m in parsed.media if m.rtp.codecs}


def local_description(pc: RTCPeerConnection) -> dict[str, str]:
    assert pc.localDescription is not None
    return {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}
