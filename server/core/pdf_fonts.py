"""A Hangul font for the PDFs Baeum writes (certificates, reports), cut down to the characters
a document shows, as TrueType.

Noto Sans KR ships as OpenType with CFF outlines keyed by CID. fpdf2 embeds such a font with
an encoding CMap of its own, which PDF readers that extract text (pypdf, pdfminer, and so
search and copy in some viewers) do not follow: the Korean came out as stray bytes. So the
certificate's characters are cut out of the font (fontTools' subsetter) and their outlines
turned into TrueType quadratic curves (cu2qu, within 1 unit of 1,000 a letter): fpdf2 then
embeds a plain TrueType font with Identity-H, which every reader maps back to Unicode.
"""

from __future__ import annotations

import io
from pathlib import Path

import pylopdf_fonts_ko
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

MAX_ERROR = 1.0  # font units: how far a quadratic curve may stray from the cubic one


def truetype_subset(path: Path, text: str, face: int = 0) -> bytes:
    """The font at ``path`` (face ``face`` of a collection) holding only ``text``'s
    characters, with TrueType outlines."""
    font = TTFont(str(path), fontNumber=face)
    options = subset.Options()
    options.desubroutinize = True
    options.layout_features = []
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "glyf" not in font:
        _to_truetype(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _to_truetype(font: TTFont) -> None:
    """Replace CFF outlines with TrueType ones (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for limit in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                  "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                  "maxComponentElements", "maxComponentDepth"):  # fmt: skip
        setattr(maxp, limit, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(order)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font.sfntVersion = "\x00\x01\x00\x00"


def packaged_hangul_font() -> Path:
    """Noto Sans KR as the pylopdf-fonts-ko package ships it (a dependency: every
    installation has it, so PDFs show Hangul on a machine with no fonts of its own)."""
    return Path(pylopdf_fonts_ko.sans_path())
