"""Panel tables: the member pool and stored assignments.

An assignment keeps the request it was run on (slots and their candidates, as data: the
candidates live in the exams package, which this one does not read), the seed, a hash of the
request together with the pool as it then was, and the result. Running the same request with
the same seed on the same pool gives the same panels and the same hash.

Panels name candidates, and members declare relations to candidates: reading either is a read
of candidate data, so every such read leaves a row in the audit log through the exams
package's read log (``server.exams.service.log_read``: action ``read``, who, when, what).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.audit import Audited
from server.core.db import Base, IdType, UTCDateTime


class PanelMember(Audited, Base):
    """A person who may sit on interview panels: one kind, an org unit, and for serving
    officials a grade (4 or 5) and job series, for retired officials the day they retired."""

    __tablename__ = "exam_panel_members"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    org_unit: Mapped[str | None] = mapped_column(String(100))
    job_series: Mapped[str | None] = mapped_column(String(50))
    grade: Mapped[int | None] = mapped_column(Integer)
    retired_on: Mapped[date | None] = mapped_column(Date)
    #: candidate references the member declared a relation to (family, colleague, student)
    relations: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class PanelAssignment(Audited, Base):
    """One run of the solver, stored whole: request, seed, input hash, panels and loads."""

    __tablename__ = "exam_panel_assignments"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    #: the exam round the slots were built from (None: slots typed in the request)
    round_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("exam_rounds.id"), index=True)
    seed: Mapped[int] = mapped_column(Integer)
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    pool: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the members as they then were
    panels: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    loads: Mapped[dict[str, int]] = mapped_column(JSON)  # member id → panels sat
    max_assignments: Mapped[int] = mapped_column(Integer)
    min_assignments: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
