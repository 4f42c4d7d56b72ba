"""Enrolment records beside ``lms.models.Enrolment`` (whose workflow columns live there).

Cancellation reasons are a fixed set of codes so the dropout report can count them; the
labels travel with the codes so every screen and export says the same words. Accommodations
(속기사, 수어통역, 화면 확대, 기숙사) are one row per enrolment and kind, with their status.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class CancelReason(StrEnum):
    WORK = "work"  # 업무
    ILLNESS = "illness"  # 질병
    PERSONAL = "personal"  # 개인사정
    DUPLICATE = "duplicate"  # 중복신청
    NO_SHOW = "no_show"  # 미참석
    OTHER = "other"  # 기타


CANCEL_REASON_LABELS: Mapping[CancelReason, tuple[str, str]] = {
    CancelReason.WORK: ("업무", "Work duties"),
    CancelReason.ILLNESS: ("질병", "Illness"),
    CancelReason.PERSONAL: ("개인사정", "Personal reasons"),
    CancelReason.DUPLICATE: ("중복신청", "Duplicate application"),
    CancelReason.NO_SHOW: ("미참석", "No-show"),
    CancelReason.OTHER: ("기타", "Other"),
}


class AccommodationKind(StrEnum):
    STENOGRAPHER = "stenographer"  # 속기사 (live captions)
    INTERPRETER = "interpreter"  # 수어통역사
    SCREEN_MAGNIFIER = "screen_magnifier"  # 화면 확대
    DORMITORY = "dormitory"  # 기숙사 (다솜관)


class AccommodationStatus(StrEnum):
    REQUESTED = "requested"
    ARRANGED = "arranged"
    DECLINED = "declined"


class Accommodation(Audited, Base):
    """One aid a trainee needs for one enrolment, and whether it has been arranged."""

    __tablename__ = "accommodations"
    __table_args__ = (UniqueConstraint("enrolment_id", "kind"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=AccommodationStatus.REQUESTED)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
