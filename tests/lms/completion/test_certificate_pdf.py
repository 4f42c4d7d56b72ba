"""Certificates are text PDFs set in a Korean font that ships with the application: the
trainee's Korean name and course title can be read back out of the PDF, and the font
embedded is Noto Sans KR (a CJK font), not a fallback whose Hangul would be boxes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from pypdf import PdfReader

from server.lms.completion.certificates import certificate_font, certificate_pdf, render_pdf
from server.lms.completion.schemas import VerificationOut

FACTS = VerificationOut(
    code="ABCD-EFGH-IJKL-MNOP-QRST-UVWX", name="김민지", course_title="핵심가치 공유 과정",
    cohort_name="1기", starts_on=date(2020, 10, 5), ends_on=date(2020, 10, 6),
    completed_at=datetime(2020, 10, 6, 1, tzinfo=UTC),
    issued_at=datetime(2020, 10, 7, 1, tzinfo=UTC),
)  # fmt: skip


def _text(pdf: bytes) -> str:
    """The page's text without spacing (PDF text has no words, only placed glyphs)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return "".join(page.extract_text().split())


def _fonts(pdf: bytes) -> list[dict[str, object]]:
    """Each font of the page: its name, and whether its glyphs are embedded."""
    page: Any = PdfReader(io.BytesIO(pdf)).pages[0]
    found = []
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            cid = descendant.get_object()
            descriptor = cid["/FontDescriptor"].get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append({"name": str(cid["/BaseFont"]), "embedded": embedded,
                          "cid": str(cid.get("/Subtype")).startswith("/CIDFontType")})  # fmt: skip
    return found


def test_the_certificate_font_is_the_packaged_noto_sans_kr() -> None:
    font = certificate_font()
    assert font is not None
    assert font.name == "NotoSansKR-Regular.otf"
    assert "pylopdf_fonts_ko" in font.parts  # from PyPI, not from the machine's fonts


def test_the_korean_name_and_course_title_are_text_in_an_embedded_cjk_font() -> None:
    pdf = certificate_pdf(FACTS, "https://baeum.example")
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "김민지" in text
    assert "핵심가치공유과정" in text
    assert "수료증" in text
    assert FACTS.code in text
    assert "https://baeum.example/certificates/ABCD-EFGH-IJKL-MNOP-QRST-UVWX" in text
    fonts = _fonts(pdf)
    assert fonts, "no font on the page"
    assert all(f["embedded"] and f["cid"] for f in fonts), fonts
    assert all("NotoSansKR" in str(f["name"]) for f in fonts), fonts
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None
    assert meta.subject == "김민지 / 핵심가치 공유 과정 / 1기"


def test_without_any_hangul_font_the_certificate_is_still_a_pdf_with_its_facts() -> None:
    pdf = render_pdf(FACTS, "https://baeum.example/v", font_path=None)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.metadata is not None
    assert reader.metadata.title == f"수료증 Certificate {FACTS.code}"
