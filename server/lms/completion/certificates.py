"""Completion certificates (수료증): issued once per trainee and cohort from a finalised result
of "completed", with an unguessable verification code that anyone may check.

The PDF is drawn with Pillow, with the Hangul font the board pictures find
(``server.boards.snapshot``), and carries its facts in the PDF's own metadata too (title,
subject, keywords), so a machine can read them without reading the picture.
"""

from __future__ import annotations

import base64
import io
import secrets
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards.snapshot import find_font, load_font
from server.core.auth import service as auth
from server.core.clock import SEOUL
from server.core.db import insert_unless_taken
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.completion.models import Certificate, Outcome
from server.lms.completion.schemas import VerificationOut
from server.lms.completion.service import finalised_result

A4_150DPI = (1240, 1754)
CODE_BYTES = 15  # 120 bits: 24 base32 characters, shown in groups of four


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise(code: str) -> str:
    """As typed: any case, with or without dashes and spaces."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


async def issue(session: AsyncSession, cohort_id: int, user_id: int, now: datetime) -> Certificate:
    """The trainee's certificate for the cohort: the one issued before, or a new one when
    their newest finalised result is "completed"."""
    existing = await _of(session, cohort_id, user_id)
    if existing is not None:
        await _still_completed(session, existing)
        return existing
    result = await finalised_result(session, cohort_id, user_id)
    if result is None or result.outcome != Outcome.COMPLETED:
        raise Problem("not-completed")
    values = {"code": new_code(), "cohort_id": cohort_id, "user_id": user_id,
              "result_id": result.id, "issued_at": now}  # fmt: skip
    await insert_unless_taken(session, Certificate, values)  # two at once: one row
    found = await _of(session, cohort_id, user_id)
    assert found is not None
    return found


async def _of(session: AsyncSession, cohort_id: int, user_id: int) -> Certificate | None:
    stmt = select(Certificate).where(
        Certificate.cohort_id == cohort_id, Certificate.user_id == user_id
    )
    return await session.scalar(stmt)


async def _still_completed(session: AsyncSession, cert: Certificate) -> None:
    """A certificate stands while the trainee's newest finalised result is "completed"."""
    result = await finalised_result(session, cert.cohort_id, cert.user_id)
    if result is None or result.outcome != Outcome.COMPLETED:
        raise Problem("not-completed", "The result this certificate stood on has changed.")


async def verify(session: AsyncSession, code: str) -> VerificationOut:
    """Who completed what and when, for a valid code; not-found for any other."""
    cert = await session.scalar(select(Certificate).where(Certificate.code == normalise(code)))
    if cert is None:
        raise Problem("not-found", "No such certificate.")
    result = await finalised_result(session, cert.cohort_id, cert.user_id)
    if result is None or result.outcome != Outcome.COMPLETED:
        raise Problem("not-found", "No such certificate.")
    cohort = await lms.get_cohort(session, cert.cohort_id)
    course = await lms.get_course(session, cohort.course_id)
    names = await auth.names_of(session, [cert.user_id])
    return VerificationOut(
        code=cert.code, name=names.get(cert.user_id, ""), course_title=course.title,
        cohort_name=cohort.name, starts_on=cohort.starts_on, ends_on=cohort.ends_on,
        completed_at=result.finalised_at, issued_at=cert.issued_at,
    )  # fmt: skip


def render_pdf(facts: VerificationOut, verify_url: str, *, font_path: Path | None) -> bytes:
    """One A4 page: the certificate in Korean and English, and how to verify it."""
    page = Image.new("RGB", A4_150DPI, "white")
    draw = ImageDraw.Draw(page)
    width = A4_150DPI[0]
    draw.rectangle((40, 40, width - 40, A4_150DPI[1] - 40), outline=(30, 60, 110), width=6)
    issued = facts.issued_at.astimezone(SEOUL).date()
    lines: list[tuple[str, int, bool]] = [
        ("수 료 증", 88, True),
        ("Certificate of Completion", 40, False),
        ("", 60, False),
        (f"성명 Name: {facts.name}", 40, False),
        (f"과정 Course: {facts.course_title}", 36, False),
        (f"기수 Cohort: {facts.cohort_name}", 36, False),
        (f"기간 Period: {facts.starts_on.isoformat()} ~ {facts.ends_on.isoformat()}", 36, False),
        ("", 40, False),
        ("위 사람은 본원 소정의 교육과정을 수료하였으므로 이 증서를 수여합니다.", 30, False),
        ("This certifies that the above has completed the course.", 30, False),
        ("", 60, False),
        (f"발급일 Issued: {issued.isoformat()}", 30, False),
        (f"확인 코드 Verification code: {facts.code}", 30, True),
        (verify_url, 24, False),
    ]
    y = 220
    for text, size, bold in lines:
        font = load_font(font_path, size, bold)
        if text:
            x = (width - font.getlength(text)) / 2
            draw.text((x, y), text, font=font, fill=(20, 20, 20))
        y += int(size * 1.6)
    out = io.BytesIO()
    page.save(
        out, "PDF", resolution=150, title=f"수료증 Certificate {facts.code}",
        subject=f"{facts.name} / {facts.course_title} / {facts.cohort_name}",
        keywords=f"verification:{facts.code}", author="Baeum",
    )  # fmt: skip
    return out.getvalue()


def certificate_pdf(facts: VerificationOut, public_url: str) -> bytes:
    return render_pdf(facts, f"{public_url}/api/v1/certificates/{facts.code}",
                      font_path=find_font())  # fmt: skip


async def certificate_of(session: AsyncSession, cohort_id: int, user_id: int) -> Certificate | None:
    """The certificate issued to the trainee for the cohort, if any; issues nothing (for
    someone reading another person's record)."""
    return await _of(session, cohort_id, user_id)
