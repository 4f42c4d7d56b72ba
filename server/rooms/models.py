"""Records of live classes: attendance events, the class's event log, connection reports.

All three are append-only. Attendance intervals and dropouts are *derived* from the events
(``attendance.py``); a correction is a new event with a reason and an author, never an edit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import Base, IdType, UTCDateTime


class AttendanceKind(StrEnum):
    JOIN = "join"
    LEAVE = "leave"  # the participant left on purpose
    DROP = "drop"  # the connection was lost (network, phone call, closed lid)
    RESUME = "resume"  # back within the reconnect grace after a drop
    REMOVED = "removed"  # an instructor removed the participant
    CLASS_OPEN = "class_open"
    CLASS_END = "class_end"


class DeviceClass(StrEnum):
    PHONE = "phone"
    TABLET = "tablet"
    PC = "pc"
    UNKNOWN = "unknown"


class AttendanceEvent(Base):
    __tablename__ = "attendance_events"
    __table_args__ = (
        Index("ix_attendance_session_user_at", "class_session_id", "user_id", "at"),
        # who joined on which device, read from the index alone (the completion report's
        # device breakdown over millions of events)
        Index("ix_attendance_kind_session_user_device", "kind", "class_session_id", "user_id",
              "device_class"),
        # the same by person and device, in that order: grouped without a sort (migration 0017)
        Index("ix_attendance_kind_user_device", "kind", "user_id", "device_class",
              "class_session_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    class_session_id: Mapped[int] = mapped_column(IdType, ForeignKey("class_sessions.id"))
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_id: Mapped[str | None] = mapped_column(String(64))  # one browser tab or app install
    device_class: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    node_id: Mapped[str | None] = mapped_column(String(64))


class ClassEvent(Base):
    """The class's replayable log: what a participant who reconnects must not miss.

    Its id is the event id clients remember (``last_event_id``). ``audience`` says who may see
    it: everyone, staff only (instructors, assistants, captioners, operators), or one person.

    ``request_key`` is the sender's own id for a chat message: a client whose acknowledgement
    was lost sends the message again with it, and the unique key makes the retry the same
    row, even when both copies reach two nodes at once (NULLs never clash: captions and old
    messages have none).
    """

    __tablename__ = "class_events"
    __table_args__ = (
        Index("ix_class_events_session_id", "class_session_id", "id"),
        UniqueConstraint("class_session_id", "actor_id", "request_key"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    class_session_id: Mapped[int] = mapped_column(IdType, ForeignKey("class_sessions.id"))
    kind: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(16))  # all | staff
    actor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    request_key: Mapped[str | None] = mapped_column(String(64))  # a retry is not a new message


class ConnectionReport(Base):
    """One failure or quality sample, from the browser or from the server's own view."""

    __tablename__ = "connection_reports"
    __table_args__ = (
        Index("ix_connection_reports_session_at", "class_session_id", "at"),
        Index("ix_connection_reports_at_kind", "at", "kind"),
        Index("ix_connection_reports_device_kind", "device_class", "kind"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(8))  # client | server
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(300))
    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"), index=True)
    class_session_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("class_sessions.id"))
    device_class: Mapped[str] = mapped_column(String(16))
    browser: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(64))
    network_type: Mapped[str | None] = mapped_column(String(16))
    bitrate_kbps: Mapped[float | None] = mapped_column(Float)
    packet_loss_pct: Mapped[float | None] = mapped_column(Float)
    rtt_ms: Mapped[float | None] = mapped_column(Float)
    jitter_ms: Mapped[float | None] = mapped_column(Float)
    battery_pct: Mapped[int | None] = mapped_column(Integer)


class ConnectionTest(Base):
    """A pre-class connection test (사전 접속 테스트), kept so operators see who is at risk."""

    __tablename__ = "connection_tests"
    __table_args__ = (Index("ix_connection_tests_session_user", "class_session_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    class_session_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("class_sessions.id"))
    socket_rtt_ms: Mapped[float | None] = mapped_column(Float)
    media_ok: Mapped[bool | None] = mapped_column()
    turn_ok: Mapped[bool | None] = mapped_column()
    bitrate_kbps: Mapped[float | None] = mapped_column(Float)
    camera_ok: Mapped[bool | None] = mapped_column()
    microphone_ok: Mapped[bool | None] = mapped_column()
    verdict: Mapped[str] = mapped_column(String(16))  # ready | at_risk | failed
    device_class: Mapped[str] = mapped_column(String(16))
    browser: Mapped[str | None] = mapped_column(String(64))
    os: Mapped[str | None] = mapped_column(String(64))
    network_type: Mapped[str | None] = mapped_column(String(16))
