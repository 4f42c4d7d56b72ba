"""Breakout groups on record: group sets (a cohort's fixed 분임 teams for a whole course, or
one session's groups), their groups and members, and each live round with who was in which
group when (attendance counts group time as class time; the record shows the group)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class BreakoutSet(Audited, Base):
    """Groups prepared in advance: a cohort's (reused by each of its sessions) or a session's."""

    __tablename__ = "breakout_sets"
    __table_args__ = (
        CheckConstraint("(cohort_id IS NULL) <> (class_session_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    cohort_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    class_session_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    self_select: Mapped[bool] = mapped_column(default=False)  # participants choose their group
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BreakoutGroup(Audited, Base):
    __tablename__ = "breakout_groups"
    __table_args__ = (UniqueConstraint("set_id", "name"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    set_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("breakout_sets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)  # for participants choosing


class BreakoutMember(Audited, Base):
    """One person's place in a set (at most one group per set)."""

    __tablename__ = "breakout_members"
    __table_args__ = (UniqueConstraint("set_id", "user_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    set_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("breakout_sets.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("breakout_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"), index=True)


class BreakoutRound(Base):
    """One time the groups were open in a class: from opening to closing. While it is open the
    live state holds it too; the record keeps enough (plan, warnings and those given, last
    countdown) to put it back there if the live state is lost."""

    __tablename__ = "breakout_rounds"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    class_session_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("class_sessions.id"), index=True
    )
    set_id: Mapped[int] = mapped_column(IdType, ForeignKey("breakout_sets.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    closing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a last countdown's end
    warnings: Mapped[list[int] | None] = mapped_column(JSON)  # seconds before the end
    plan: Mapped[dict[str, int] | None] = mapped_column(JSON)  # member (as text) → group
    warned: Mapped[list[int] | None] = mapped_column(JSON)  # warnings given for this end


class BreakoutMove(Base):
    """Someone entered a group (or the main room, group_id None) during a round."""

    __tablename__ = "breakout_moves"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    round_id: Mapped[int] = mapped_column(IdType, ForeignKey("breakout_rounds.id"), index=True)
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("breakout_groups.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    visiting: Mapped[bool] = mapped_column(default=False)  # staff looking in, not a member
