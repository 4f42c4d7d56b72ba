"""The pre-class connection test's media check: a browser's own camera and microphone, sent
straight back to it by this node.

A trainee who can see and hear themselves through the loopback has shown, before the class,
that everything the class will use works from that device and network: ICE (directly or over
TURN), DTLS, the codecs, and this node's forwarding. So the loopback uses the forwarding
unit's own parts, not a copy of them: each received track is tapped at packet level
(``aiortc_glue.tap_packets``) and written back out of the same connection by an
``tracks.Forward`` (an ``IdleTrack`` sender with an ``RtpOut``, headers rewritten by a
``Splice``), with keyframe requests coalesced by an ``tracks.Publication``. Nothing is decoded or
encoded, so a loopback costs the node what one publication forwarded to one subscriber costs.

Every loopback is bounded, because any signed-in person may open one: one per person (a new
one replaces the old), at most ``BAEUM_LOOPBACK_MAX`` per node, and each ends itself after
``BAEUM_LOOPBACK_TIMEOUT_S``. They live on the node that answered the offer
(``app[LOOPBACKS]``), and close when it stops.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiohttp import web
from aiortc import RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError
from aiortc.rtp import RtpPacket
from aiortc.sdp import SessionDescription

from server.config import IceServer
from server.core.keys import SETTINGS
from server.core.tasks import stop_tasks
from server.rooms.media import aiortc_glue
from server.rooms.media.forwarding import keyframe_start
from server.rooms.media.sdp import local_description, negotiated_codecs, rtc_configuration
from server.rooms.media.tracks import Forward, Publication, as_async

log = structlog.get_logger("baeum.media")

#: what aiortc raises on an offer it cannot use (beyond what ``check_offer`` catches first)
_UNUSABLE = (ValueError, KeyError, IndexError, InternalError, InvalidAccessError,
             InvalidStateError, OperationError)  # fmt: skip


class BadOffer(ValueError):
    """The offer cannot be looped back; the message says why, for the person testing."""


class NodeFull(Exception):
    """This node already runs as many loopbacks as it may (``BAEUM_LOOPBACK_MAX``)."""


def check_offer(sdp: str) -> None:
    """Refuse, before any connection exists, an offer the loopback cannot send back: no audio
    or video, a track that is not both sent and received, or no DTLS fingerprint."""
    try:
        parsed = SessionDescription.parse(sdp)
    except (ValueError, KeyError, IndexError) as exc:
        raise BadOffer(f"The offer is not a session description: {exc}.") from None
    media = [m for m in parsed.media if m.kind in ("audio", "video")]
    if not media:
        raise BadOffer("The offer has no audio or video to send back.")
    if any(m.direction != "sendrecv" for m in media):
        raise BadOffer("Each audio and video line must be sendrecv: it is sent back to you.")
    if any(m.dtls is None or not m.dtls.fingerprints for m in media):
        raise BadOffer("The offer has no DTLS fingerprint.")


@dataclass(eq=False)
class Echo:
    """One track the browser sends, forwarded back to it on the same transceiver."""

    transceiver: RTCRtpTransceiver
    received: Publication  # the incoming side: its codec and (coalesced) keyframe requests
    forward: Forward  # the outgoing side: the same packets, re-headed for the server's stream

    async def on_packet(self, packet: RtpPacket) -> None:
        """As ``Publication.on_packet`` for its one subscriber, without the class's speaker
        bookkeeping (nobody reads the audio levels here)."""
        starts = keyframe_start(self.received.mime_type, packet.payload)
        sent = aiortc_glue.send_time()
        if await self.forward.forward(packet, starts, time.monotonic(), sent):
            self.received.want_keyframe()

    def end(self) -> None:
        self.received.end()  # ends the forward too


@dataclass(eq=False)
class Loopback:
    """One person's loopback: one peer connection, one echo per track."""

    id: str
    user_id: int
    pc: RTCPeerConnection
    echoes: list[Echo] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)  # set once it has ended
    ending: bool = False
    expiry: asyncio.TimerHandle | None = None


class Loopbacks:
    """This node's loopbacks (``app[LOOPBACKS]``): at most one per person, ``limit`` in all,
    each ended ``timeout_s`` seconds after it was answered."""

    def __init__(self, ice_servers: list[IceServer], limit: int, timeout_s: float) -> None:
        self._ice_servers = ice_servers
        self.limit = limit
        self.timeout_s = timeout_s
        self.by_user: dict[int, Loopback] = {}
        self._starting = 0  # slots held by offers being answered
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def count(self) -> int:
        """Loopbacks running or being set up: what the limit counts."""
        return len(self.by_user) + self._starting

    async def start(self, user_id: int, sdp: str) -> tuple[Loopback, dict[str, str]]:
        """Answer the browser's offer with a connection that sends its tracks back.

        A bad offer (``BadOffer``) or a full node (``NodeFull``) changes nothing: in particular
        the person's running loopback, if any, goes on. Otherwise the new one replaces it.
        """
        check_offer(sdp)
        self._reserve(user_id)
        try:
            loopback = await self._open(user_id, sdp)
        finally:
            self._starting -= 1
        old = self.by_user.get(user_id)
        self.by_user[user_id] = loopback
        if old is not None:
            await self.end(old, "replaced")
        self._arm(loopback)
        log.info("loopback started", user_id=user_id, tracks=len(loopback.echoes))
        return loopback, local_description(loopback.pc)

    def _reserve(self, user_id: int) -> None:
        """Hold a slot while the offer is answered; replacing one's own needs no new slot."""
        if self.count - (user_id in self.by_user) >= self.limit:
            raise NodeFull(
                f"This server is running its limit of {self.limit} connection tests; "
                f"try again in {self.timeout_s:g} seconds."
            )
        self._starting += 1

    async def _open(self, user_id: int, sdp: str) -> Loopback:
        pc = RTCPeerConnection(rtc_configuration(self._ice_servers))
        loopback = Loopback(secrets.token_urlsafe(16), user_id, pc)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
            loopback.echoes = [self._echo(loopback, t) for t in pc.getTransceivers()]
            await pc.setLocalDescription(await pc.createAnswer())
        except _UNUSABLE as exc:
            await self._discard(loopback)
            raise BadOffer(f"The offer cannot be used: {exc}.") from None
        except BaseException:
            await self._discard(loopback)
            raise
        codecs = negotiated_codecs(pc)
        for echo in loopback.echoes:
            echo.received.mime_type = codecs.get(echo.transceiver.mid or "", "")
        self._watch(loopback)
        return loopback

    async def _discard(self, loopback: Loopback) -> None:
        for echo in loopback.echoes:
            echo.end()
        await loopback.pc.close()
        loopback.closed.set()

    def _echo(self, loopback: Loopback, transceiver: RTCRtpTransceiver) -> Echo:
        """Send the transceiver's incoming track back out of it: aiortc gives the idle track
        to the first transceiver of its kind without one, which is this one."""
        received = Publication(loopback.user_id, transceiver.kind, transceiver.receiver,
                               tasks=self._tasks)  # fmt: skip
        forward = Forward(transceiver.kind, f"loopback-{transceiver.mid}")
        sender = loopback.pc.addTrack(forward.track)
        if sender is not transceiver.sender:
            raise RuntimeError("aiortc gave the echo to another transceiver")
        forward.out = aiortc_glue.RtpOut(sender, as_async(received.want_keyframe), _ignore_loss)
        received.forwards.add(forward)
        echo = Echo(transceiver, received, forward)
        aiortc_glue.tap_packets(transceiver.receiver, echo.on_packet)
        return echo

    def _watch(self, loopback: Loopback) -> None:
        """A connection that failed (no ICE path, no DTLS handshake) frees its slot at once."""

        async def changed() -> None:
            if loopback.pc.connectionState == "failed":
                await self.end(loopback, "connection failed")

        loopback.pc.on("connectionstatechange", changed)

    def _arm(self, loopback: Loopback) -> None:
        def expire() -> None:
            self._spawn(self.end(loopback, "timed out"))

        loop = asyncio.get_running_loop()
        loopback.expiry = loop.call_later(self.timeout_s, expire)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self, user_id: int, loopback_id: str) -> bool:
        """End the person's loopback of this id early; False if there is none (any more)."""
        loopback = self.by_user.get(user_id)
        if loopback is None or loopback.id != loopback_id:
            return False
        await self.end(loopback, "stopped")
        return True

    async def end(self, loopback: Loopback, reason: str) -> None:
        """Close it (once, however many reasons arrive); ``loopback.closed`` says when done."""
        if loopback.ending:
            return
        loopback.ending = True
        if self.by_user.get(loopback.user_id) is loopback:
            del self.by_user[loopback.user_id]
        if loopback.expiry is not None:
            loopback.expiry.cancel()
        log.info("loopback ended", user_id=loopback.user_id, reason=reason)
        await self._discard(loopback)

    async def close(self) -> None:
        """The node stops: end every loopback and what is still running for them."""
        for loopback in list(self.by_user.values()):
            await self.end(loopback, "server stopping")
        await stop_tasks(list(self._tasks), what="media loopbacks")


def _ignore_loss(fraction: float, jitter: int, rtt: float | None) -> None:
    """The browser measures its own loss in the test; the loopback does not act on it."""


LOOPBACKS: web.AppKey[Loopbacks] = web.AppKey("loopbacks", Loopbacks)


def setup(app: web.Application) -> None:
    """Give the app its loopbacks, closed when the app stops."""
    settings = app[SETTINGS]
    app[LOOPBACKS] = Loopbacks(
        settings.ice_servers, settings.loopback_max, settings.loopback_timeout_s
    )
    app.cleanup_ctx.append(_close_on_shutdown)


async def _close_on_shutdown(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: every loopback's connection closes with the app."""
    yield
    await app[LOOPBACKS].close()
