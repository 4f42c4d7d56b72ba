"""What goes in and out of the joining routes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from server.boards.schemas import BoardOut
from server.config import IceServer
from server.core.auth.schemas import UserOut
from server.core.schemas import In, Out, RecordId
from server.lms.schemas import ClassSessionOut
from server.rooms.breakout.schemas import RoundOut


class Grant(StrEnum):
    PUBLISH = "publish"  # send camera, microphone, screen
    SUBSCRIBE = "subscribe"  # receive others' media and the class's events
    MODERATE = "moderate"  # instructor controls: mute requests, remove, lock, spotlight
    CAPTION = "caption"  # type live captions


class JoinLinksIn(In):
    user_ids: list[RecordId] | None = Field(
        default=None, max_length=2000, description="default: every enrolled trainee"
    )


class JoinLinkOut(Out):
    user_id: int
    name: str
    url: str
    expires_at: datetime


class RedeemIn(In):
    token: str = Field(min_length=10, max_length=2000)


class ClassTokenOut(Out):
    token: str = Field(description="pass as auth.token when connecting to the /class namespace")
    class_session_id: int
    grants: list[Grant]
    issued_at: datetime = Field(
        description="the server's time now: expires_at - issued_at is "
        "the token's lifetime, whatever the client's clock says"
    )
    expires_at: datetime
    ice_servers: list[IceServer]


class LobbyOut(Out):
    """What the join page shows before the class: the class, who teaches it, when its lobby
    opens (by the server's clock), and whether this person can come in now and if not why."""

    class_session: ClassSessionOut
    instructors: list[str]
    my_role: str
    grants: list[Grant]
    opens_at: datetime
    server_time: datetime
    present: int
    max_participants: int
    locked: bool
    refusal: str | None = Field(
        description="why this person cannot come in now: class-not-open, class-full, "
        "class-locked, class-ended, removed-from-class; null when they can"
    )


class JoinOut(Out):
    user: UserOut
    csrf_token: str
    class_session: ClassSessionOut
    class_token: ClassTokenOut


# ---- the live class (socket namespace /class) ------------------------------------------------

REACTIONS = ("👍", "👏", "😂", "😮", "❤️", "🙋", "🙏", "✅")


class ClientIn(In):
    """The ``auth`` payload of a connection to /class: one credential, and who this client is."""

    token: str | None = Field(default=None, max_length=4000, description="class token")
    join_link: str | None = Field(default=None, max_length=4000, description="join-link token")
    api_token: str | None = Field(default=None, max_length=200)
    class_session_id: RecordId | None = Field(default=None, description="with cookie or api_token")
    client_id: str = Field(
        min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
        description="stable per browser tab or app install; a reconnect sends the same one",
    )  # fmt: skip
    network_type: str | None = Field(default=None, max_length=16)


class JoinIn(In):
    last_event_id: int | None = Field(default=None, ge=0, le=2**63 - 1)


class ChatIn(In):
    text: str = Field(min_length=1, max_length=1000)
    to: Literal["all", "staff", "group"] = Field(
        default="all", description="group: my breakout group (and whoever visits it)"
    )
    request_id: str | None = Field(
        default=None, min_length=8, max_length=64,
        description="the same id again is the same message (a retry after a lost answer)",
    )  # fmt: skip


class CaptionIn(In):
    """A caption line as typed: a draft (``final`` false, not kept), a final line, or a final
    correction of an earlier final line of this class (``corrects``: that line's event id)."""

    text: str = Field(min_length=1, max_length=500)
    final: bool = True
    corrects: RecordId | None = Field(
        default=None, description="the id of an earlier final caption line this one replaces"
    )

    @model_validator(mode="after")
    def _corrections_are_final(self) -> CaptionIn:
        if self.corrects is not None and not self.final:
            raise ValueError("a correction is a final line (final: true)")
        return self


class CaptionCorrectedOut(Out):
    """``caption_corrected``: a final caption line's text replaced by a correction."""

    id: int = Field(description="the corrected line's event id (as its `caption` had it)")
    text: str = Field(description="the line's text now")
    corrected_by: int
    corrected_at: datetime
    correction_id: int = Field(description="the correction's own event id (last_event_id)")


class ReactionIn(In):
    emoji: str = Field(description=f"one of {' '.join(REACTIONS)}")

    @field_validator("emoji")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in REACTIONS:
            raise ValueError(f"not one of {' '.join(REACTIONS)}")
        return value


ConnectionLevel = Literal["good", "fair", "poor"]


class MediaStateIn(In):
    """My microphone and camera, and how my connection is doing (the browser judges it from its
    own WebRTC statistics), for the participant list and the instructor's console."""

    mic: bool | None = None
    cam: bool | None = None
    connection: ConnectionLevel | None = None


class TargetIn(In):
    user_id: RecordId


class RemoveIn(In):
    user_id: RecordId
    reason: str = Field(min_length=1, max_length=200)


class LockIn(In):
    locked: bool


class SpotlightIn(In):
    user_id: RecordId | None


class ReplayIn(In):
    since: int = Field(ge=0, le=2**63 - 1)


class ConnectionReportIn(In):
    """What the browser saw go wrong, or a quality sample."""

    kind: Literal[
        "getusermedia_denied", "getusermedia_failed", "ice_failed", "dtls_failed",
        "socket_disconnect", "socket_connect_failed", "quality", "other",
    ]  # fmt: skip
    detail: str | None = Field(default=None, max_length=300)
    class_session_id: RecordId | None = None
    network_type: Literal["wifi", "cellular", "ethernet", "none", "other", "unknown"] | None = None
    bitrate_kbps: float | None = Field(default=None, ge=0, le=1_000_000)
    packet_loss_pct: float | None = Field(default=None, ge=0, le=100)
    rtt_ms: float | None = Field(default=None, ge=0, le=600_000)
    jitter_ms: float | None = Field(default=None, ge=0, le=600_000)
    battery_pct: int | None = Field(default=None, ge=0, le=100)


class ParticipantOut(Out):
    user_id: int
    name: str
    role: str
    device_class: str
    status: Literal["present", "reconnecting"]
    since: datetime
    hand_raised_at: datetime | None
    mic: bool
    cam: bool
    connection: ConnectionLevel | None = Field(description="null: not reported yet")
    group_id: int | None = Field(default=None, description="breakout group now; null: main room")
    visiting: bool = Field(default=False, description="staff looking into a group")


class ClassEventOut(Out):
    id: int
    kind: str
    at: datetime
    audience: str
    actor_id: int | None
    payload: dict[str, Any]


class ClassStateOut(Out):
    """Everything a client needs on joining, in one message."""

    class_session: ClassSessionOut
    me: ParticipantOut
    grants: list[Grant]
    participants: list[ParticipantOut]
    hand_queue: list[int]
    locked: bool
    spotlight: int | None
    chat: list[ClassEventOut]
    captions: list[ClassEventOut]
    missed: list[ClassEventOut] = Field(description="events after last_event_id, if it was sent")
    last_event_id: int
    breakout: RoundOut | None = Field(
        default=None, description="the open breakout round, with my group; null: none open"
    )
    boards: list[BoardOut] = Field(
        default_factory=list, description="the boards I may open (my group's included)"
    )
    ice_servers: list[IceServer]
    reconnect_grace_s: int


class IntervalOut(Out):
    start: datetime
    end: datetime
    ended_by: str | None = Field(description="leave, drop, removed, class_end; null: still here")
    bridged_drops: int


class AttendanceOut(Out):
    user_id: int
    present_s: int = Field(description="seconds present within the scheduled class time")
    dropouts: int = Field(description="drops not resumed within the reconnect grace")
    intervals: list[IntervalOut]


class ConnectionReportOut(Out):
    id: int


class ConnectionTestIn(In):
    """What the browser measured in the pre-class connection test (사전 접속 테스트)."""

    class_session_id: RecordId | None = None
    socket_rtt_ms: float | None = Field(default=None, ge=0, le=600_000)
    media_ok: bool | None = Field(default=None, description="WebRTC loopback through the server")
    turn_ok: bool | None = Field(default=None, description="a relay candidate through TURN")
    bitrate_kbps: float | None = Field(default=None, ge=0, le=10_000_000)
    camera_ok: bool | None = None
    microphone_ok: bool | None = None
    network_type: Literal["wifi", "cellular", "ethernet", "none", "other", "unknown"] | None = None


class ConnectionTestOut(Out):
    id: int
    at: datetime
    user_id: int
    class_session_id: int | None
    verdict: Literal["ready", "at_risk", "failed"]
    reasons: list[str]
    device_class: str
    browser: str | None
    os: str | None


class ReadinessOut(Out):
    """One enrolled trainee's latest pre-class test; ``verdict`` null means never tested."""

    user_id: int
    name: str
    verdict: Literal["ready", "at_risk", "failed"] | None
    tested_at: datetime | None
    device_class: str | None


class TranscriptQuery(In):
    format: Literal["vtt", "txt"] = "vtt"


class PayloadQuery(In):
    kb: int = Field(default=256, ge=1, le=4096, description="kilobytes of random data")


class ClassStateIn(In):
    state: Literal["open", "live", "ended"] = Field(
        description="open: the lobby is open; live: the class runs; ended: over for good"
    )


class SdpIn(In):
    """A session description from the browser (an offer to publish, or an answer)."""

    type: Literal["offer", "answer"]
    sdp: str = Field(min_length=10, max_length=100_000)


class PublishIn(SdpIn):
    """An offer to publish; ``screen`` names the media lines (mids) carrying a screen share,
    which is forwarded to everyone as its own track, apart from the camera."""

    screen: list[str] = Field(default_factory=list, max_length=4)

    @field_validator("screen")
    @classmethod
    def _short(cls, mids: list[str]) -> list[str]:
        if any(not 0 < len(mid) <= 32 for mid in mids):
            raise ValueError("a mid is 1 to 32 characters")
        return mids


class MediaViewIn(In):
    """What the client shows: the video of these people (the gallery page, the speaker, the
    spotlight, the interpreter), or none at all in audio-only (data-saver) mode."""

    video: list[RecordId] | None = Field(default=None, max_length=49, description="null: all")
    audio_only: bool = False


class SdpOut(Out):
    type: Literal["answer"]
    sdp: str


class LoopbackOut(Out):
    """The server's side of a connection test's media loopback."""

    id: str = Field(description="DELETE /connection-tests/loopback/{id} ends it early")
    answer: SdpOut
    ice_servers: list[IceServer] = Field(
        description="STUN/TURN (TURN with time-limited credentials) for the client's next offer"
    )
    timeout_s: float = Field(description="the server ends it this many seconds after answering")


class LoopbackPath(In):
    loopback_id: str = Field(pattern=r"^[A-Za-z0-9_-]{16,64}$")
