"""Attachment checking: the type comes from the bytes, images lose every piece of metadata,
and nothing a browser could run is ever accepted."""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
import zlib

import pytest
from PIL import Image, ImageCms
from PIL.JpegImagePlugin import JpegImageFile
from PIL.PngImagePlugin import PngInfo

from server.boards.attachments import (
    DOC,
    DOCX,
    HWP,
    HWPX,
    MAX_PIXELS,
    PPTX,
    XLSX,
    Checked,
    check,
)
from server.core.errors import Problem

MAX_BYTES = 10 * 1_048_576
MAX_PX = 2560

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def minimal_pdf() -> bytes:
    """A real one-page PDF, as Pillow writes it."""
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, "PDF")
    return out.getvalue()


def run(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES, max_px: int = MAX_PX) -> Checked:
    return check(data, filename, max_bytes=max_bytes, max_px=max_px)


def refused(data: bytes, filename: str, slug: str = "attachment-type", **kwargs: int) -> Problem:
    with pytest.raises(Problem) as caught:
        run(data, filename, **kwargs)
    assert caught.value.type.slug == slug
    return caught.value


def image_bytes(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Not a flat colour, so a re-encoder cannot shrink it to nothing."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    return image


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: EXIF with the maker, the GPS position and orientation 6
    (turned 90° when shot), XMP, an ICC profile and a comment."""
    exif = Image.Exif()
    exif[MAKE] = "SneakyPhone"
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 41.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>SecretPlace</rdf:Description>'
    xmp += b"</x:xmpmeta>"
    return image_bytes(
        gradient(400, 300), "JPEG", exif=exif, icc_profile=icc, xmp=xmp, comment=b"SecretNote"
    )


def test_a_phone_photo_loses_all_metadata_and_stands_upright() -> None:
    data = phone_photo()
    with Image.open(io.BytesIO(data)) as original:
        exif = original.getexif()
        assert exif[ORIENTATION] == 6
        assert exif.get_ifd(GPS_IFD)[1] == "N"
        assert original.info.get("xmp")
        assert original.info.get("icc_profile")
        assert original.size == (400, 300)
    for marker in (b"Exif", b"SneakyPhone", b"SecretPlace", b"SecretNote"):
        assert marker in data

    checked = run(data, "IMG_0001.JPG")

    assert (checked.kind, checked.content_type, checked.extension) == (
        "image",
        "image/jpeg",
        ".jpg",
    )
    assert checked.filename == "IMG_0001.JPG"
    assert (checked.width, checked.height) == (300, 400)  # turned upright
    for marker in (b"Exif", b"SneakyPhone", b"SecretPlace", b"SecretNote", b"http://ns.adobe"):
        assert marker not in checked.data
    with Image.open(io.BytesIO(checked.data)) as out:
        assert isinstance(out, JpegImageFile)
        assert out.size == (300, 400)
        assert not out.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(out.info)
        assert not any(marker.startswith("APP") and marker != "APP0" for marker, _ in out.applist)


def test_png_text_chunks_are_dropped() -> None:
    info = PngInfo()
    info.add_text("Comment", "SecretPlace")
    info.add_itxt("Description", "SecretNote", lang="ko")
    data = image_bytes(gradient(64, 32, "RGBA"), "PNG", pnginfo=info)
    with Image.open(io.BytesIO(data)) as original:
        assert original.text["Comment"] == "SecretPlace"  # type: ignore[attr-defined]

    checked = run(data, "screen.png")

    assert (checked.content_type, checked.extension, checked.filename) == (
        "image/png",
        ".png",
        "screen.png",
    )
    assert b"SecretPlace" not in checked.data
    assert b"SecretNote" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as out:
        assert out.text == {}  # type: ignore[attr-defined]
        assert out.mode == "RGBA"
        assert out.size == (64, 32)


def test_a_large_image_is_scaled_to_the_longest_edge() -> None:
    checked = run(image_bytes(gradient(6000, 100), "PNG"), "wide.png")
    assert checked.width == MAX_PX
    assert checked.height in (42, 43)
    with Image.open(io.BytesIO(checked.data)) as out:
        assert out.size == (checked.width, checked.height)


def test_a_large_jpeg_is_scaled_too() -> None:
    checked = run(image_bytes(gradient(3000, 2000), "JPEG"), "big.jpg", max_px=1000)
    assert (checked.width, checked.height) == (1000, 667)


def test_a_small_image_keeps_its_size() -> None:
    checked = run(image_bytes(gradient(10, 20), "WEBP"), "small.webp")
    assert (checked.content_type, checked.width, checked.height) == ("image/webp", 10, 20)
    with Image.open(io.BytesIO(checked.data)) as out:
        assert out.format == "WEBP"


def test_a_gif_becomes_a_png_of_its_first_frame() -> None:
    first = Image.new("P", (20, 10), 1)
    first.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255])
    second = first.copy()
    second.paste(2, (0, 0, 20, 10))
    data = image_bytes(first, "GIF", save_all=True, append_images=[second], transparency=0)

    checked = run(data, "funny.gif")

    assert (checked.content_type, checked.extension, checked.filename) == (
        "image/png",
        ".png",
        "funny.png",
    )
    with Image.open(io.BytesIO(checked.data)) as out:
        assert out.format == "PNG"
        assert out.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_a_cmyk_jpeg_comes_back_rgb() -> None:
    checked = run(image_bytes(gradient(30, 30, "CMYK"), "JPEG"), "print.jpg")
    with Image.open(io.BytesIO(checked.data)) as out:
        assert out.mode == "RGB"


def test_the_size_limit() -> None:
    data = image_bytes(gradient(100, 100), "PNG")
    problem = refused(data, "a.png", "attachment-too-large", max_bytes=len(data) - 1)
    assert problem.extra["limit"] == len(data) - 1
    assert problem.type.status == 413
    assert run(data, "a.png", max_bytes=len(data)).kind == "image"


def test_an_empty_file_is_refused() -> None:
    refused(b"", "a.txt", "validation-error")


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size but holds one row: a decompression bomb's cheap cousin."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" * (1 + 3 * width))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [20_000, 7_000])  # Pillow's own limit, and ours below it
def test_a_pixel_bomb_is_refused(side: int) -> None:
    data = png_header(side, side)
    assert len(data) < 100_000
    problem = refused(data, "bomb.png", "attachment-too-large")
    assert problem.extra["limit"] == MAX_PIXELS


def test_a_broken_image_is_refused() -> None:
    data = image_bytes(gradient(200, 200), "JPEG")
    refused(data[:300], "cut.jpg")
    refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "fake.png")


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (HTML, "photo.jpg"),
        (HTML, "page.html"),
        (HTML, "notes.txt"),
        (b"  \n" + HTML, "notes.txt"),
        (SVG, "logo.svg"),
        (SVG, "logo.txt"),
        (b'<?xml version="1.0"?>\n' + SVG, "logo.png"),
        (b"hello\n" + HTML, "notes.txt"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "report.pdf"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "report.pdf"),
        (b"#!/bin/sh\nrm -rf ~\n", "run.sh"),
        (b"#!/bin/sh\nrm -rf ~\n", "run.txt"),
        (b"just some words", "words.exe"),
        (b"\x00\x01\x02\x03 unknown binary", "data.bin"),
    ],
)
def test_what_a_browser_or_a_computer_could_run_is_refused(data: bytes, filename: str) -> None:
    refused(data, filename)


def test_a_pdf_is_accepted_as_it_came() -> None:
    pdf = minimal_pdf()
    assert pdf.startswith(b"%PDF-")
    checked = run(pdf, "../강의 자료.PDF")
    assert checked == Checked(
        kind="file",
        content_type="application/pdf",
        extension=".pdf",
        data=pdf,
        filename="강의 자료.pdf",
        width=None,
        height=None,
    )


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


CONTENT_TYPES = {"[Content_Types].xml": b"<Types/>"}


@pytest.mark.parametrize(
    ("marker", "content_type", "extension"),
    [
        ("word/document.xml", DOCX, ".docx"),
        ("xl/workbook.xml", XLSX, ".xlsx"),
        ("ppt/presentation.xml", PPTX, ".pptx"),
        ("Contents/content.hpf", HWPX, ".hwpx"),
    ],
)
def test_office_and_hwpx_documents_are_accepted(
    marker: str, content_type: str, extension: str
) -> None:
    data = zipped({**CONTENT_TYPES, marker: b"<doc/>"})
    checked = run(data, "보고서.zip")
    assert (checked.kind, checked.content_type, checked.extension) == (
        "file",
        content_type,
        extension,
    )
    assert checked.filename == f"보고서{extension}"
    assert checked.data == data


def test_a_hwpx_is_known_by_its_mimetype_too() -> None:
    data = zipped({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<s/>"})
    assert run(data, "계획.hwpx").content_type == HWPX


def test_other_zips_are_refused() -> None:
    refused(zipped({"readme.txt": b"hi", "run.exe": b"MZ"}), "archive.zip")
    refused(zipped({"word/document.xml": b"<d/>", "word/vbaProject.bin": b"x"}), "macro.docx")
    refused(b"PK\x03\x04" + b"not really a zip" * 10, "fake.docx")


def ole2(*streams: str) -> bytes:
    """An OLE2 compound file whose directory names ``streams`` (enough for the check)."""
    directory = b"".join(
        name.encode("utf-16-le") + b"\x00\x00" + b"\x00" * (64 - 2 * len(name) - 2)
        for name in ("Root Entry", *streams)
    )
    return OLE2 + b"\x00" * 504 + directory


def test_hwp_and_old_office_files_are_told_apart_by_their_streams() -> None:
    hwp = run(ole2("FileHeader", "DocInfo", "BodyText"), "계획서.hwp")
    assert (hwp.content_type, hwp.extension, hwp.filename) == (HWP, ".hwp", "계획서.hwp")
    doc = run(ole2("WordDocument", "1Table"), "letter.hwp")
    assert (doc.content_type, doc.filename) == (DOC, "letter.doc")
    assert run(ole2("Workbook"), "sheet.xls").extension == ".xls"
    assert run(ole2("PowerPoint Document"), "slides.ppt").extension == ".ppt"


def test_other_compound_files_are_refused() -> None:
    refused(ole2("\u4840\u3b3f\u4577"), "setup.hwp")  # an installer's streams


def test_utf8_text_is_accepted() -> None:
    text = "이름,점수\n김배움,95\n".encode()
    checked = run(text, "점수.csv")
    assert (checked.kind, checked.content_type, checked.extension, checked.filename) == (
        "file",
        "text/plain",
        ".csv",
        "점수.csv",
    )
    assert checked.data == text
    assert run("메모 a < b\n".encode(), "메모.TXT").filename == "메모.txt"


def test_text_that_is_not_clean_utf8_is_refused() -> None:
    refused(b"hello\x00world", "a.txt")
    refused("이름,점수".encode("cp949"), "excel.csv")


def jpeg() -> bytes:
    return image_bytes(gradient(8, 8), "JPEG")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\kim\\Desktop\\photo.jpg", "photo.jpg"),
        ("회의 사진.jpeg", "회의 사진.jpeg"),
        (unicodedata.normalize("NFD", "회의 사진.jpg"), "회의 사진.jpg"),
        ("evil\u202egpj.exe", "evilgpj.jpg"),
        ("line\r\nbreak\x00.jpg", "line break.jpg"),
        ('what?<is>"this".jpg', "what__is__this_.jpg"),
        ("photo.heic", "photo.jpg"),
        ("no extension", "no extension.jpg"),
        ("", "attachment.jpg"),
        ("../..", "attachment.jpg"),
        ("  .hidden.jpg  ", "hidden.jpg"),
    ],
)
def test_file_names_are_made_safe(given: str, expected: str) -> None:
    assert run(jpeg(), given).filename == expected


def test_a_long_file_name_is_cut_to_200_characters() -> None:
    name = run(jpeg(), "가" * 300 + ".jpg").filename
    assert len(name) == 200
    assert name.endswith("가.jpg")


def test_the_extension_follows_the_bytes() -> None:
    checked = run(image_bytes(gradient(8, 8), "PNG"), "x.jpg")
    assert (checked.content_type, checked.extension, checked.filename) == (
        "image/png",
        ".png",
        "x.png",
    )
    assert run(jpeg(), "x.png").filename == "x.jpg"
