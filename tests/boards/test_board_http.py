"""Boards over HTTP with a real server: uploads (a phone photo loses its GPS on the way in,
wrong types and huge files are refused and leave nothing behind), attachments served so they
never run, posts carrying them, exports in four formats for staff only, and a course's prepared
board copied into a class. Plus the XSS corpus sent through the class socket: stored and pushed
inert."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from server.boards.models import BoardAttachment
from server.core.clock import ManualClock
from server.core.keys import DATABASE, SETTINGS
from tests.boards.board import Boards, new_board, post_event, prepare
from tests.boards.test_attachments import GPS_IFD, phone_photo
from tests.boards.test_sanitize import assert_inert
from tests.boards.xss_corpus import URL_VECTORS, VECTORS
from tests.conftest import AppClient, bearer


@pytest.fixture
async def boards(client: AppClient, clock: ManualClock) -> AsyncIterator[Boards]:
    state = await prepare([client], clock)
    yield state
    await state.close()


async def upload(boards: Boards, login: str, board_id: int, data: bytes,
                 filename: str) -> tuple[int, dict[str, Any]]:  # fmt: skip
    response = await boards.client.post(
        f"/api/v1/boards/{board_id}/attachments", params={"filename": filename}, data=data,
        headers={**bearer(boards.tokens[login]), "Content-Type": "application/octet-stream"},
    )  # fmt: skip
    return response.status, await response.json()


async def attachments(boards: Boards) -> int:
    async with boards.client.app[DATABASE].unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(BoardAttachment)) or 0)


async def test_a_phone_photo_is_posted_without_its_location(boards: Boards) -> None:
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park)
    await lee.ok("board_open", {"board_id": board["id"]})
    photo = phone_photo()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)  # it had a location
    status, made = await upload(boards, "kim", board["id"], photo, "현장 사진.jpg")
    assert status == 201, made
    assert (made["kind"], made["content_type"], made["filename"]) == (
        "image",
        "image/jpeg",
        "현장 사진.jpg",
    )
    post = await kim.ok("board_post", {"board_id": board["id"], "title": "현장",
                                       "attachment_id": made["id"]})  # fmt: skip
    seen = await post_event(lee, post["id"])
    assert seen["attachment"]["url"] == made["url"]

    served = await boards.client.get(made["url"], headers=bearer(boards.tokens["lee"]))
    assert served.status == 200
    body = await served.read()
    image = Image.open(io.BytesIO(body))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"Exif" not in body
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"].startswith("inline;")
    stolen = await lee.call("board_post", {"board_id": board["id"], "title": "남의 사진",
                                           "attachment_id": made["id"]})  # fmt: skip
    assert stolen["error"]["type"] == "not-found"  # only one's own uploads can be attached


async def test_documents_download_and_bad_files_leave_nothing(boards: Boards) -> None:
    park = await boards.enter("park")
    board = await new_board(park)
    status, made = await upload(
        boards, "kim", board["id"], "회의록\n1. 안건".encode(), "회의록.txt"
    )
    assert status == 201, made
    served = await boards.client.get(made["url"], headers=bearer(boards.tokens["choi"]))
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["Content-Type"].startswith("text/plain")
    before = await attachments(boards)
    html = b"<html><script>alert(document.cookie)</script></html>"
    status, refused = await upload(boards, "kim", board["id"], html, "photo.jpg")
    assert (status, refused["type"]) == (415, "/problems/attachment-type")
    limit = boards.client.app[SETTINGS].board_attachment_max_bytes
    status, refused = await upload(boards, "kim", board["id"], b"\0" * (limit + 1), "big.pdf")
    assert (status, refused["type"], refused["limit"]) == (413, "/problems/attachment-too-large",
                                                          limit)  # fmt: skip
    assert await attachments(boards) == before
    await park.ok("board_update", {"board_id": board["id"], "locked": True})
    status, refused = await upload(boards, "kim", board["id"], b"text", "a.txt")
    assert (status, refused["type"]) == (423, "/problems/board-locked")


async def test_outsiders_neither_upload_nor_download(boards: Boards) -> None:
    from server.core.auth.roles import Role
    from tests.conftest import add_person, api_token

    park = await boards.enter("park")
    board = await new_board(park)
    status, made = await upload(boards, "kim", board["id"], b"notes", "a.txt")
    assert status == 201
    await add_person(boards.client.app, "outsider", [Role.TRAINEE], ManualClock())
    boards.tokens["outsider"] = await api_token(boards.client, "outsider")
    status, _ = await upload(boards, "outsider", board["id"], b"x", "a.txt")
    assert status == 404
    served = await boards.client.get(made["url"], headers=bearer(boards.tokens["outsider"]))
    assert served.status == 404
    anonymous = await boards.client.get(made["url"])
    assert anonymous.status == 401


async def test_exports_for_staff_in_four_formats(boards: Boards) -> None:
    kim, park = await boards.enter_all("kim", "park")
    board = await new_board(park, title="KPT 회고", template="kpt")
    await kim.ok("board_post", {"board_id": board["id"], "title": "좋았다", "section_id": "keep",
                                "anonymous": True})  # fmt: skip
    await kim.ok("board_post", {"board_id": board["id"], "title": "=HYPERLINK(\"x\")",
                                "section_id": "try"})  # fmt: skip
    url = f"/api/v1/boards/{board['id']}/export"
    got: dict[str, bytes] = {}
    for fmt, content_type in (("csv", "text/csv"), ("png", "image/png"),
                              ("pdf", "application/pdf"),
                              ("xlsx", "application/vnd.openxmlformats-officedocument"
                                       ".spreadsheetml.sheet")):  # fmt: skip
        response = await boards.client.get(url, params={"format": fmt},
                                           headers=bearer(boards.tokens["park"]))  # fmt: skip
        assert response.status == 200, fmt
        assert response.headers["Content-Type"].startswith(content_type)
        assert (
            "filename*=UTF-8''KPT%20%ED%9A%8C%EA%B3%A0" in response.headers["Content-Disposition"]
        )
        got[fmt] = await response.read()
    rows = list(csv.reader(io.StringIO(got["csv"].decode("utf-8-sig"))))
    titles = {row[2]: row for row in rows[1:]}
    assert set(titles) == {"좋았다", '\'=HYPERLINK("x")'}
    assert "(익명)" in titles["좋았다"]
    assert Image.open(io.BytesIO(got["png"])).format == "PNG"
    assert got["pdf"].startswith(b"%PDF")
    assert len(load_workbook(io.BytesIO(got["xlsx"]))["posts"]["A"]) == 3
    trainee = await boards.client.get(url, headers=bearer(boards.tokens["kim"]))
    assert trainee.status == 403
    bad = await boards.client.get(url, params={"format": "exe"},
                                  headers=bearer(boards.tokens["park"]))  # fmt: skip
    assert bad.status == 422


async def test_a_course_board_is_prepared_once_and_copied_into_a_class(boards: Boards) -> None:
    park = await boards.enter("park")
    course = boards.klass.course_id
    made = await boards.client.post(f"/api/v1/courses/{course}/boards", json={
        "title": "SWOT 분석", "template": "swot",
        "posts": [{"title": "예시: 숙련된 직원", "section": 0}, {"body": "<b>예시</b>"}],
    }, headers=bearer(boards.tokens["park"]))  # fmt: skip
    assert made.status == 201, await made.text()
    prepared = await made.json()
    assert (prepared["course_id"], prepared["class_session_id"]) == (course, None)
    bad_seed = await boards.client.post(f"/api/v1/courses/{course}/boards", json={
        "title": "x", "posts": [{"title": "y", "section": 3}]},
        headers=bearer(boards.tokens["park"]))  # fmt: skip
    assert bad_seed.status == 422
    refused = await boards.client.post(f"/api/v1/courses/{course}/boards", json={"title": "x"},
                                       headers=bearer(boards.tokens["kim"]))  # fmt: skip
    assert refused.status == 403

    copied = await park.ok("board_create", {"title": "무시됨", "from_board_id": prepared["id"]})
    assert copied["class_session_id"] == boards.klass.class_session_id
    assert copied["layout"] == "grid"
    assert [s["id"] for s in copied["sections"]] == ["s", "w", "o", "t"]
    state = await park.ok("board_open", {"board_id": copied["id"]})
    assert [(p["title"], p["section_id"], p["author_name"]) for p in state["posts"]] == [
        ("예시: 숙련된 직원", "s", "박강사"),
        ("", None, "박강사"),
    ]
    again = await park.ok("board_create", {"title": "x", "from_board_id": prepared["id"]})
    assert again["id"] != copied["id"]  # each class gets its own copy


async def test_the_xss_corpus_is_stored_and_pushed_inert(boards: Boards) -> None:
    people = await boards.enter_all("kim", "choi", "park", "lee")
    lee = people[-1]
    board = await new_board(people[2])
    await lee.ok("board_open", {"board_id": board["id"]})
    assert len(VECTORS) <= 4 * 29  # each person posts within the rate limit
    for n, vector in enumerate(VECTORS):
        made = await people[n % 4].ok("board_post", {"board_id": board["id"], "body": vector,
                                                     "title": vector[:200]})  # fmt: skip
        pushed = await post_event(lee, made["id"])
        assert_inert(pushed["body"])  # what the sanitiser's test checks, as sent out
        assert pushed["title"] == made["title"]  # plain text: the page renders it as text
    for url in URL_VECTORS:  # as edits (posting again would pass the rate limit)
        refused = await people[2].call("board_edit", {"post_id": made["id"], "version": 1,
                                                      "link": {"url": url}})  # fmt: skip
        assert refused["error"]["type"] == "validation-error", url
