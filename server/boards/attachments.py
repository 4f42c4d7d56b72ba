"""Checking what a trainee attaches to a post-it, before anything is stored.

The type is decided from the bytes alone: a file name or a client's Content-Type is a claim
anyone can make, and a browser shown an HTML or SVG file from our origin would run its script.
So only a short list of types is accepted (images, PDF, Office and Hancom documents, plain
text) and everything else is refused.

Images are decoded and re-encoded: that drops every piece of metadata a phone writes (EXIF
with the GPS position, XMP, ICC profile texts, PNG text chunks) and anything smuggled after
the pixels, turns the picture upright, and scales it down so a board does not load 50 MB
photos. Documents are stored as they came, under a name and type that match their bytes.

``check`` is CPU-bound; callers run it with ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from server.core.errors import Problem

#: largest image we decode, in pixels (after JPEG's cheap DCT down-scaling); a 40 MP RGB
#: image is 120 MB in memory, and a tiny PNG can declare far more (a "decompression bomb")
MAX_PIXELS = 40_000_000
MAX_FILENAME = 200

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
PDF = "application/pdf"
TEXT = "text/plain"
HWP, HWPX = "application/x-hwp", "application/hwp+zip"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"
_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = _OOXML + "wordprocessingml.document"
XLSX = _OOXML + "spreadsheetml.sheet"
PPTX = _OOXML + "presentationml.presentation"

#: the extension each accepted type is stored and offered under
EXTENSIONS = {
    JPEG: ".jpg",
    PNG: ".png",
    WEBP: ".webp",
    PDF: ".pdf",
    HWP: ".hwp",
    HWPX: ".hwpx",
    DOC: ".doc",
    XLS: ".xls",
    PPT: ".ppt",
    DOCX: ".docx",
    XLSX: ".xlsx",
    PPTX: ".pptx",
}
#: other spellings a trainee's file name may keep, as long as the type matches
_ALIASES = {JPEG: {".jpg", ".jpeg", ".jpe"}}
_TEXT_EXTENSIONS = (".txt", ".csv")

#: Pillow format name -> the type we write (GIF becomes a PNG of its first frame; MPO is
#: the JPEG of phones that add a second picture, opened by Pillow's JPEG plugin)
_IMAGE_OUTPUT = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "GIF": PNG, "WEBP": WEBP}
_PILLOW_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: OLE2 (compound file) documents, told apart by the streams their directory names
_OLE2_STREAMS = (
    (HWP, ("FileHeader", "DocInfo")),
    (DOC, ("WordDocument",)),
    (XLS, ("Workbook",)),
    (XLS, ("Book",)),  # Excel 5/95
    (PPT, ("PowerPoint Document",)),
)
#: ZIP-based documents, told apart by the part each format must have
_ZIP_MARKERS = (
    (DOCX, "word/document.xml"),
    (XLSX, "xl/workbook.xml"),
    (PPTX, "ppt/presentation.xml"),
    (HWPX, "Contents/content.hpf"),
)
#: what a browser would take for markup, even served as text/plain by an older client
_MARKUP = (b"<script", b"<html", b"<svg", b"<!doctype", b"<iframe", b"<?xml", b"<body")


@dataclass(frozen=True)
class Checked:
    """An attachment that may be stored: its detected type and the bytes to keep."""

    kind: str  # "image" or "file"
    content_type: str  # detected from the bytes, never the client's claim
    extension: str  # ".jpg", ".png", ".pdf", ... matching content_type
    data: bytes  # for images, the re-encoded bytes
    filename: str  # safe display name whose extension matches content_type
    width: int | None
    height: int | None


def check(data: bytes, filename: str, *, max_bytes: int, max_px: int) -> Checked:
    """Accept ``data`` as an attachment or raise the Problem that says why not."""
    if not data:
        raise Problem("validation-error", "The file is empty.")
    if len(data) > max_bytes:
        raise Problem(
            "attachment-too-large",
            f"The file is over {max_bytes} bytes.",
            limit=max_bytes,
            unit="bytes",
        )
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return _image(data, filename, max_px)
    content_type = _document_type(data, filename)
    extension = _extension_for(content_type, filename)
    return Checked(
        kind="file",
        content_type=content_type,
        extension=extension,
        data=data,
        filename=safe_filename(filename, extension, _aliases(content_type)),
        width=None,
        height=None,
    )


def _refuse(detail: str) -> Problem:
    return Problem("attachment-type", detail)


def _document_type(data: bytes, filename: str) -> str:
    """The type of an accepted document, from its magic number; anything else is refused."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_OLE2):
        return _ole2_type(data)
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if _is_plain_text(data, filename):
        return TEXT
    raise _refuse("Only images, PDF, Office, HWP and plain text files can be attached.")


def _ole2_type(data: bytes) -> str:
    """Old Office and HWP files share the OLE2 container (so do installers: .msi); the stream
    names in its directory (UTF-16) say which one it is."""
    for content_type, streams in _OLE2_STREAMS:
        if all(name.encode("utf-16-le") + b"\x00\x00" in data for name in streams):
            return content_type
    raise _refuse("This compound file is not an HWP, Word, Excel or PowerPoint document.")


def _zip_type(data: bytes) -> str:
    """A ZIP is accepted only as an OOXML or HWPX document, and never with macros: any other
    archive could carry anything. Only the directory is read, so a ZIP bomb costs nothing."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = _small_member(archive, "mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise _refuse("The file is not a readable ZIP document.") from None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _refuse("Documents with macros cannot be attached.")
    for content_type, marker in _ZIP_MARKERS:
        if marker in names:
            return content_type
    if mimetype.strip() == HWPX.encode():
        return HWPX
    raise _refuse("Only Word, Excel, PowerPoint and HWPX documents may be ZIP files.")


def _small_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member read with a cap, so a crafted ``mimetype`` cannot inflate into memory."""
    with archive.open(name) as member:
        return member.read(100)


def _is_plain_text(data: bytes, filename: str) -> bool:
    """UTF-8 text named .txt or .csv, without NUL bytes, a ``#!`` line or anything a browser
    could take for HTML or SVG. The name only narrows: text has no magic number, and a script
    called run.sh is text too."""
    if not filename.lower().endswith(_TEXT_EXTENSIONS) or b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    return not head.startswith((b"<", b"#!")) and not any(
        tag in data[:4096].lower() for tag in _MARKUP
    )


def _extension_for(content_type: str, filename: str) -> str:
    if content_type == TEXT:
        return ".csv" if filename.lower().endswith(".csv") else ".txt"
    return EXTENSIONS[content_type]


def _aliases(content_type: str) -> set[str]:
    return _ALIASES.get(content_type, set())


def _image(data: bytes, filename: str, max_px: int) -> Checked:
    """Decode, turn upright, scale down and re-encode an image, keeping no metadata.

    Only Pillow's four plugins for the accepted formats may open it (never, say, EPS, which
    would run Ghostscript). Any failure of a decoder on hostile input is a refusal, not a 500.
    """
    try:
        with Image.open(io.BytesIO(data), formats=list(_PILLOW_FORMATS)) as source:
            content_type = _IMAGE_OUTPUT.get(source.format or "")
            if content_type is None:
                raise _refuse("This image format is not accepted.")
            image = _decoded(source, max_px)
            encoded, (width, height) = _encode(image, content_type), image.size
    except Problem:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except Exception:  # UnidentifiedImageError, truncated data, bad EXIF, ...
        raise _refuse("The image cannot be read.") from None
    extension = EXTENSIONS[content_type]
    return Checked(
        kind="image",
        content_type=content_type,
        extension=extension,
        data=encoded,
        filename=safe_filename(filename, extension, _aliases(content_type)),
        width=width,
        height=height,
    )


def _too_many_pixels() -> Problem:
    return Problem(
        "attachment-too-large",
        f"The image is over {MAX_PIXELS} pixels.",
        limit=MAX_PIXELS,
        unit="pixels",
    )


def _decoded(source: Image.Image, max_px: int) -> Image.Image:
    """The first frame, at most ``max_px`` on its longest edge, upright and in sRGB.

    The pixel count is checked before anything is decoded; a JPEG is first asked to decode
    at a reduced scale (``draft``), so a large phone photo costs a fraction of its size.
    The rest works in place, scaling first (the box is square, so turning later gives the
    same picture): a 40 MP image is never held twice."""
    source.draft("RGB", (max_px, max_px))  # only JPEG does anything with this
    if source.width * source.height > MAX_PIXELS:
        raise _too_many_pixels()
    source.load()
    source.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    ImageOps.exif_transpose(source, in_place=True)
    return _to_srgb(source)


def _to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded ICC profile and drop it: the colours stay right without keeping a
    profile (whose texts may name the device). A broken profile is simply ignored."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, profile, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _encode(image: Image.Image, content_type: str) -> bytes:
    """Write only the pixels: a bare copy has no ``info`` or EXIF for a writer to carry over."""
    bare = _bare(image, content_type)
    out = io.BytesIO()
    if content_type == JPEG:
        bare.save(out, "JPEG", quality=85, optimize=True)
    elif content_type == PNG:
        bare.save(out, "PNG", optimize=True)
    else:
        bare.save(out, "WEBP", quality=85)
    return out.getvalue()


def _bare(image: Image.Image, content_type: str) -> Image.Image:
    """The pixels in a mode the output format takes, in a new image with nothing else."""
    transparency = "transparency" in image.info  # a palette or colour key, kept only in info
    if image.mode in _OUTPUT_MODES[content_type] and not transparency:
        mode = image.mode
    elif content_type != JPEG and (transparency or image.mode in ("RGBA", "LA", "PA")):
        mode = "RGBA"
    else:
        mode = "RGB"
    pixels = image if image.mode == mode else image.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


_OUTPUT_MODES = {
    JPEG: ("RGB", "L"),
    PNG: ("1", "L", "LA", "RGB", "RGBA", "I;16"),
    WEBP: ("RGB", "RGBA"),
}
_UNSAFE_CHARS = re.compile(r'[<>:"|?*]')
_OLD_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def safe_filename(filename: str, extension: str, aliases: set[str] | None = None) -> str:
    """A display name: the last path part, composed Unicode (a Mac sends Korean decomposed),
    no control or direction-changing characters, no characters Windows refuses in a name,
    at most 200 characters, ending in ``extension`` (or an alias of it the name already has).
    """
    name = unicodedata.normalize("NFC", filename)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in name
        if unicodedata.category(c) not in ("Cf", "Cs", "Co", "Cn")
    )
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    match = _OLD_EXTENSION.search(name)
    kept = extension
    if match and match.group().lower() in (aliases or set()):
        kept = match.group()
    stem = name[: match.start()] if match else name
    stem = stem.rstrip(" .") or "attachment"
    return stem[: MAX_FILENAME - len(kept)].rstrip(" .") + kept
