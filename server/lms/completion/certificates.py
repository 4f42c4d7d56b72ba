"""Completion certificates (수료증): issued once per trainee and cohort from a finalised result
of "completed", with an unguessable verification code that anyone may check.

The PDF is text, not a picture: set with fpdf2 in Noto Sans KR, embedded as a TrueType subset
of the glyphs used (``server.core.pdf_fonts``), so the Korean name and course title can be read,
searched, copied and read out by a screen reader, and print sharply. The font comes from
PyPI (``pylopdf-fonts-ko``: Noto Sans KR under the SIL Open Font License), so a fresh machine
with only Python draws Hangul rather than boxes; where that file is missing, Debian's
fonts-noto-cjk (or another Hangul font ``server.boards.snapshot.find_font`` finds) is used;
with no Hangul font at all, the page is drawn as a picture with Pillow's own font as before
(Hangul as boxes). The facts are in the PDF's own metadata too (title, subject, keywords).
"""

from __future__ import annotations

import base64
import io
import secrets
import tempfile
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.boards.snapshot import _korean_index, find_font, load_font
from server.core.auth import service as auth
from server.core.clock import SEOUL
from server.core.db import insert_unless_taken
from server.core.errors import Problem
from server.core.pdf_fonts import packaged_hangul_font, truetype_subset
from server.lms import service as lms
from server.lms.completion.models import Certificate, Outcome
from server.lms.completion.schemas import VerificationOut
from server.lms.completion.service import finalised_result

A4_150DPI = (1240, 1754)
A4_MM = (210.0, 297.0)
MM_PER_PX = 25.4 / 150  # the layout below is in pixels of a 150 dpi page
PT_PER_PX = 72 / 150
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


def _lines(facts: VerificationOut, verify_url: str) -> list[tuple[str, int]]:
    """The page's lines, centred from the top: (text, size in pixels of a 150 dpi page)."""
    issued = facts.issued_at.astimezone(SEOUL).date()
    return [
        ("수 료 증", 88),
        ("Certificate of Completion", 40),
        ("", 60),
        (f"성명 Name: {facts.name}", 40),
        (f"과정 Course: {facts.course_title}", 36),
        (f"기수 Cohort: {facts.cohort_name}", 36),
        (f"기간 Period: {facts.starts_on.isoformat()} ~ {facts.ends_on.isoformat()}", 36),
        ("", 40),
        ("위 사람은 본원 소정의 교육과정을 수료하였으므로 이 증서를 수여합니다.", 30),
        ("This certifies that the above has completed the course.", 30),
        ("", 60),
        (f"발급일 Issued: {issued.isoformat()}", 30),
        (f"확인 코드 Verification code: {facts.code}", 30),
        (verify_url, 24),
    ]


def _metadata(facts: VerificationOut) -> dict[str, str]:
    return {"title": f"수료증 Certificate {facts.code}",
            "subject": f"{facts.name} / {facts.course_title} / {facts.cohort_name}",
            "keywords": f"verification:{facts.code}", "author": "Baeum"}  # fmt: skip


def render_pdf(facts: VerificationOut, verify_url: str, *, font_path: Path | None) -> bytes:
    """One A4 page: the certificate in Korean and English, and how to verify it, as text in
    the font at ``font_path`` (its glyphs embedded); a picture when there is no font."""
    if font_path is None:
        return _render_picture(facts, verify_url)
    lines = _lines(facts, verify_url)
    used = "".join(sorted({ch for text, _ in lines for ch in text}))
    font = truetype_subset(font_path, used, _face(font_path))
    with tempfile.TemporaryDirectory(prefix="baeum-cert-") as scratch:
        file = Path(scratch) / "hangul.ttf"  # fpdf2 reads fonts from files only
        file.write_bytes(font)
        return _set(facts, lines, file)


def _set(facts: VerificationOut, lines: list[tuple[str, int]], font: Path) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("Hangul", fname=str(font))
    pdf.set_draw_color(30, 60, 110)
    pdf.set_line_width(6 * MM_PER_PX)
    margin = 40 * MM_PER_PX
    pdf.rect(margin, margin, A4_MM[0] - 2 * margin, A4_MM[1] - 2 * margin)
    pdf.set_text_color(20, 20, 20)
    y = 220.0
    for text, size in lines:
        if text:
            pdf.set_font("Hangul", size=size * PT_PER_PX)
            pdf.set_xy(margin, y * MM_PER_PX)
            pdf.cell(A4_MM[0] - 2 * margin, size * MM_PER_PX, text, align="C")
        y += int(size * 1.6)
    meta = _metadata(facts)
    pdf.set_title(meta["title"])
    pdf.set_subject(meta["subject"])
    pdf.set_keywords(meta["keywords"])
    pdf.set_author(meta["author"])
    pdf.set_creator("Baeum")
    return bytes(pdf.output())


def _face(path: Path) -> int:
    """In a font collection (Debian's .ttc), the Korean face; 0 in a single font."""
    return _korean_index(path) if path.suffix.lower() == ".ttc" else 0


def _render_picture(facts: VerificationOut, verify_url: str) -> bytes:
    """No Hangul font anywhere: the page as a picture in Pillow's own font (Hangul shows as
    boxes; the facts stay readable in the metadata and at the verification address)."""
    page = Image.new("RGB", A4_150DPI, "white")
    draw = ImageDraw.Draw(page)
    width = A4_150DPI[0]
    draw.rectangle((40, 40, width - 40, A4_150DPI[1] - 40), outline=(30, 60, 110), width=6)
    y = 220
    for text, size in _lines(facts, verify_url):
        font = load_font(None, size)
        if text:
            x = (width - font.getlength(text)) / 2
            draw.text((x, y), text, font=font, fill=(20, 20, 20))
        y += int(size * 1.6)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150, **_metadata(facts))
    return out.getvalue()


def certificate_font() -> Path | None:
    """The Hangul font certificates are set in: the packaged Noto Sans KR (a dependency, so
    any installation has it), else a Hangul font installed on the machine, else None."""
    packaged = packaged_hangul_font()
    return packaged if packaged.is_file() else find_font()


def certificate_pdf(facts: VerificationOut, public_url: str) -> bytes:
    return render_pdf(facts, f"{public_url}/certificates/{facts.code}",
                      font_path=certificate_font())  # fmt: skip


async def certificate_of(session: AsyncSession, cohort_id: int, user_id: int) -> Certificate | None:
    """The certificate issued to the trainee for the cohort, if any; issues nothing (for
    someone reading another person's record)."""
    return await _of(session, cohort_id, user_id)
