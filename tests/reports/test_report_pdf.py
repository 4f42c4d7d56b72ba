"""A report as a PDF: its text can be read back (Korean included, in the embedded Noto Sans KR
subset), "no data" is written as words and never as 0, and the content hash
printed on it is the hash a freeze of the same content stores."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from server.reports import pdf, render
from server.reports.service import sha256
from tests.reports.test_render import REPORT


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_reads_back_as_the_report_says() -> None:
    data = pdf.to_pdf(REPORT)
    assert data.startswith(b"%PDF-")
    text = _text(data)
    assert "견본 (Sample)" in text
    assert "기준일 (as of) 2020-09-30" in text
    for words in ("구분", "인원", "이수율", "전체", "12,345", "164.3%", "e러닝", "상시", "주석"):
        assert words in text, words
    assert text.count("자료 없음") == 2  # the two unknown cells, in words
    assert "0.0%" in text  # a real zero stays a zero


def test_the_printed_hash_is_the_frozen_content_hash() -> None:
    stored = sha256(render.canonical(render.to_json(REPORT)))
    reader = PdfReader(io.BytesIO(pdf.to_pdf(REPORT)))
    assert stored in _text(pdf.to_pdf(REPORT)).replace("\n", "")
    assert reader.metadata is not None
    assert stored in str(reader.metadata.get("/Keywords"))
    assert reader.metadata.get("/Title") == "견본 (Sample)"


def test_the_font_is_an_embedded_korean_subset() -> None:
    reader = PdfReader(io.BytesIO(pdf.to_pdf(REPORT)))
    fonts = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]["/Font"]  # type: ignore[index]
        fonts |= {str(resources[name].get_object()["/BaseFont"]) for name in resources}
    assert fonts
    assert all("NotoSansKR" in name for name in fonts), fonts
