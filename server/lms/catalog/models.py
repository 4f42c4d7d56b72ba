"""The history of the year's plans: one row per change of a course's original or revised plan.

The council asked who changed a plan, when and why; the audit log has the figures but not the
reason, and is not something to show an operator. A ``PlanRevision`` is written by every plan
change (``catalog.service.revise_plan``) and never edited or removed afterwards.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, mapped_column

from server.core.audit import Audited, AuditedSession
from server.core.db import Base, IdType, UTCDateTime


class PlanRevisionImmutable(RuntimeError):
    """Raised by any attempt to change or remove a recorded plan revision."""


class PlanRevision(Audited, Base):
    """One plan change: the figures before (none for a plan's first setting) and after, why,
    who (none for the demo's loaded plans) and when (the app clock)."""

    __tablename__ = "plan_revisions"
    __table_args__ = (Index("ix_plan_revisions_course_id_id", "course_id", "id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    course_id: Mapped[int] = mapped_column(IdType, ForeignKey("courses.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(16))
    offered_before: Mapped[bool | None] = mapped_column(Boolean)  # None: no plan before
    runs_before: Mapped[int | None] = mapped_column(Integer)
    people_before: Mapped[int | None] = mapped_column(Integer)
    offered_after: Mapped[bool] = mapped_column(Boolean)
    runs_after: Mapped[int | None] = mapped_column(Integer)  # None: always open (상시)
    people_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)


def _refuse(_mapper: object, _connection: object, target: PlanRevision) -> None:
    raise PlanRevisionImmutable(f"plan revision {target.id} never changes")


event.listen(PlanRevision, "before_update", _refuse)
event.listen(PlanRevision, "before_delete", _refuse)


@event.listens_for(AuditedSession, "do_orm_execute")
def _refuse_statements(state: ORMExecuteState) -> None:
    """``update(PlanRevision)`` / ``delete(PlanRevision)`` through a session are refused too."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is PlanRevision for mapper in state.all_mappers
    ):
        raise PlanRevisionImmutable("plan revisions never change")
