"""Demo instructor records: the fee standards before and from 2020-10-01, contact data, and a
selection-committee meeting whose approvals the demo classes partly match.

The seed (the 2020 report to the council) says the standard was revised and unified on
2020-10-01 and that a separate 1,000,000-won payment had been criticised, but it gives no
hourly amounts: the figures below are ILLUSTRATIVE (예시), labelled so in each standard's
basis, and must be replaced by the institute's own table.

Idempotent: each part is added only when its table is empty.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.lms.instructors.models import (
    FeeRate,
    FeeStandard,
    InstructorApproval,
    InstructorContact,
    SelectionMeeting,
)
from server.lms.models import Course, Instructor

ILLUSTRATIVE = "예시 금액(illustrative): the seed gives no amounts. "

#: (effective from, title, basis, [(grade, first hour, further hour, cap)])
DEMO_STANDARDS = (
    (date(2019, 1, 1), "강사료 지급기준 (2020.9.30.까지)",
     ILLUSTRATIVE + "등급별 기준이 강사 신분에 따라 달랐고 별도 지급(100만원) 규정이 있었음",
     [("특급", 400_000, 300_000, None), ("1급", 300_000, 200_000, None),
      ("2급", 200_000, 150_000, None), ("내부", 100_000, 50_000, None)]),
    (date(2020, 10, 1), "강사료 지급기준 (2020.10.1. 시행, 통일)",
     ILLUSTRATIVE + "청탁금지법 개정 취지(차별금지)를 반영하여 등급 기준 통일, 별도 지급 없음",
     [("특급", 400_000, 300_000, 1_000_000), ("1급", 300_000, 200_000, None),
      ("2급", 200_000, 150_000, None), ("내부", 150_000, 100_000, None)]),
)  # fmt: skip

#: instructor name → (email, phone); demo addresses only
DEMO_CONTACTS = {
    "김정훈": ("kim.jh@example.org", "02-0000-0001"),
    "박소연": ("park.sy@example.org", "010-0000-0002"),
}

#: (instructor name, course code, grade): who the committee approved for 2020
DEMO_APPROVALS = (
    ("김정훈", "2020-C-new_recruits-01", "내부"),
    ("김정훈", "2020-C-core_values-01", "내부"),
    ("이준호", "2020-C-it-01", "2급"),
    ("최미경", "2020-C-core_values-01", "특급"),
    ("박소연", "2020-C-by_position-05", "1급"),
)


async def load_instructor_records(session: AsyncSession, now: datetime) -> None:
    """Fee standards, contacts and the approvals; needs the catalog and registry loaded."""
    if await session.scalar(select(FeeStandard.id).limit(1)) is None:
        for effective_from, title, basis, rates in DEMO_STANDARDS:
            session.add(
                FeeStandard(
                    effective_from=effective_from, version=1, title=title, basis=basis,
                    created_at=now,
                    rates=[FeeRate(grade=g, first_hour_won=first, further_hour_won=further,
                                   cap_won=cap) for g, first, further, cap in rates],
                )
            )  # fmt: skip
    instructors = {i.name: i for i in await session.scalars(select(Instructor))}
    if await session.scalar(select(InstructorContact.instructor_id).limit(1)) is None:
        for name, (email, phone) in DEMO_CONTACTS.items():
            if name in instructors:
                session.add(
                    InstructorContact(instructor_id=instructors[name].id, email=email, phone=phone)
                )
    if await session.scalar(select(SelectionMeeting.id).limit(1)) is None:
        codes = {code for _, code, _ in DEMO_APPROVALS}
        courses = {
            c.code: c for c in await session.scalars(select(Course).where(Course.code.in_(codes)))
        }
        approvals = [
            InstructorApproval(
                instructor_id=instructors[name].id, course_id=courses[code].id, grade=grade
            )
            for name, code, grade in DEMO_APPROVALS
            if name in instructors and code in courses
        ]
        if approvals:
            session.add(
                SelectionMeeting(
                    held_on=date(2020, 2, 10), title="2020년 제1차 강사선정심의회",
                    created_at=now, approvals=approvals,
                )
            )  # fmt: skip
    await session.flush()
