"""The export of a class's Q&A after class (CSV and XLSX): questions asked by real socket.io
clients, named and anonymous, published, held for moderation, answered and merged; the rows
as written, and anonymity that holds in the file (no name, no user id, no pseudonym)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from sqlalchemy import select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import StaffRole
from server.polls.models import Question
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant

HEADER = [
    "번호 (id)", "질문 시각 (asked at)", "분임 (group)", "질문자 (asked by)", "질문 (text)",
    "상태 (status)", "추천 (votes)", "답변 (answered)", "답변 내용 (reply)",
    "병합 대상 (merged into)", "표시 (flags)",
]  # fmt: skip
ANONYMOUS = "익명 (anonymous)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_COLUMNS = {0, 6, 9}  # question id, votes, merged into: numbers that may equal a user id


@dataclass
class QA:
    client: AppClient
    klass: ClassFixture
    who: dict[str, Person]
    tokens: dict[str, str]
    sockets: list[Participant]

    async def enter(self, login: str) -> Participant:
        p = Participant()
        self.sockets.append(p)
        await p.connect(self.client, {"api_token": self.tokens[login],
                                      "class_session_id": self.klass.class_session_id})  # fmt: skip
        p.state = await p.ok("join")
        return p

    async def export(self, login: str, fmt: str | None = None, class_id: int | None = None) -> Any:
        query = "" if fmt is None else f"?format={fmt}"
        return await self.client.get(
            f"/api/v1/class-sessions/{class_id or self.klass.class_session_id}"
            f"/questions/export{query}",
            headers=bearer(self.tokens[login]),
        )


@pytest.fixture
async def qa(client: AppClient, clock: ManualClock) -> AsyncIterator[QA]:
    people = (("kim", Role.TRAINEE, "김민지"), ("lee", Role.TRAINEE, "이서준"),
              ("choi", Role.TRAINEE, "최유나"), ("park", Role.INSTRUCTOR, "박강사"),
              ("jung", Role.INSTRUCTOR, "정강사"), ("han", Role.OPERATOR, "한운영"))  # fmt: skip
    who = {login: await add_person(client.app, login, [role], clock, name=name)
           for login, role, name in people}  # fmt: skip
    trainees = [who[x].id for x in ("kim", "lee", "choi")]
    klass = await make_class(client.app, clock, trainees=trainees,
                             staff={StaffRole.INSTRUCTOR: who["park"].id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    state = QA(client, klass, who, {x: await api_token(client, x) for x in who}, [])
    yield state
    for p in state.sockets:
        await p.close()


async def ask_the_class(qa: QA, clock: ManualClock) -> list[list[str]]:
    """Five questions of every kind; the rows the export must hold, as CSV text."""
    kim, lee, choi = await qa.enter("kim"), await qa.enter("lee"), await qa.enter("choi")
    park = await qa.enter("park")
    anon = await kim.ok("qa_ask", {"text": "평가 기준이 궁금합니다"})  # 09:00 in Seoul
    clock.advance(90)
    named = await lee.ok("qa_ask", {"text": "자료를 받을 수 있나요?", "anonymous": False})
    clock.advance(60)
    held = await choi.ok("qa_ask", {"text": "제 번호는 010-1234-5678 이에요"})
    assert (held["status"], held["flags"]) == ("pending", ["phone"])  # in moderation
    formula = await lee.ok("qa_ask", {"text": "=1+2 는 왜 3인가요?"})  # lee, anonymous now
    dup = await kim.ok("qa_ask", {"text": "평가 기준이 뭔가요"})
    await kim.ok("qa_vote", {"question_id": named["id"]})
    await park.ok("qa_reply", {"question_id": named["id"], "text": "네, 드립니다"})
    await park.ok("qa_reply", {"question_id": anon["id"], "live": True})
    await park.ok("qa_merge", {"question_id": dup["id"], "into": anon["id"]})
    return [
        [str(anon["id"]), "2020-10-05T09:00:00+09:00", "", ANONYMOUS, "평가 기준이 궁금합니다",
         "published", "0", "live", "", "", ""],
        [str(named["id"]), "2020-10-05T09:01:30+09:00", "", "이서준", "자료를 받을 수 있나요?",
         "published", "1", "text", "네, 드립니다", "", ""],
        [str(held["id"]), "2020-10-05T09:02:30+09:00", "", ANONYMOUS,
         "제 번호는 010-1234-5678 이에요", "pending", "0", "—", "", "", "phone"],
        [str(formula["id"]), "2020-10-05T09:02:30+09:00", "", ANONYMOUS,
         "'=1+2 는 왜 3인가요?", "published", "0", "—", "", "", ""],
        [str(dup["id"]), "2020-10-05T09:02:30+09:00", "", ANONYMOUS, "평가 기준이 뭔가요",
         "merged", "0", "—", "", str(anon["id"]), ""],
    ]  # fmt: skip


async def pseudonyms(qa: QA) -> set[str]:
    async with qa.client.app[DATABASE].unit_of_work() as session:
        tags = set((await session.scalars(select(Question.author_tag))).all())
    assert len(tags) == 3  # kim, lee and choi: one pseudonym each in this class
    return tags


async def assert_anonymous(qa: QA, everything: str, table: list[list[str]]) -> None:
    """Nothing in the file leads to whoever asked anonymously: kim and choi asked only
    anonymously, lee once by name and once anonymously."""
    for tag in await pseudonyms(qa):
        assert tag not in everything
    for login in ("kim", "choi"):
        assert login not in everything
    for name in ("김민지", "최유나"):
        assert name not in everything
    assert everything.count("이서준") == 1  # only on the question lee asked by name
    user_ids = {str(person.id) for person in qa.who.values()}
    anonymous = [row for row in table if row[3] == ANONYMOUS]
    assert len(anonymous) == 4
    for row in anonymous:
        shown = {cell for n, cell in enumerate(row) if n not in ID_COLUMNS}
        assert not shown & user_ids, row


async def test_csv_export_has_bom_header_rows_and_keeps_askers_anonymous(
    qa: QA, clock: ManualClock
) -> None:
    expected = await ask_the_class(qa, clock)
    response = await qa.export("park")  # csv by default
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    title = quote("핵심가치 공유 1기 1일차 질문.csv", safe="")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="questions-{qa.klass.class_session_id}.csv"; '
        f"filename*=UTF-8''{title}"
    )
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    header, *table = list(csv.reader(io.StringIO(text)))
    assert header == HEADER
    assert table == expected
    await assert_anonymous(qa, raw.decode("utf-8"), table)


async def test_xlsx_export_one_bold_frozen_sheet_and_keeps_askers_anonymous(
    qa: QA, clock: ManualClock
) -> None:
    expected = await ask_the_class(qa, clock)
    response = await qa.export("park", "xlsx")
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == XLSX
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="questions-{qa.klass.class_session_id}.xlsx"; filename*=UTF-8'
    )
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    assert book.sheetnames == ["질문"]
    sheet = book["질문"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header == HEADER
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    widths = [sheet.column_dimensions[chr(ord("A") + n)].width for n in range(len(HEADER))]
    assert all(w >= 10 for w in widths), widths
    assert widths[4] > widths[0]  # the question text is wider than its number
    cells = list(sheet.iter_rows(min_row=2))
    values = [[cell.value for cell in row] for row in cells]
    assert [row[0] for row in values] == [int(row[0]) for row in expected]  # numbers
    assert values[1][6] == 1  # votes, a number
    formula = cells[3][4]
    assert (formula.value, formula.data_type) == ("=1+2 는 왜 3인가요?", "s")  # never run
    as_text = [["" if v is None else str(v) for v in row] for row in values]
    as_text[3][4] = "'" + as_text[3][4]  # CSV alone needs the apostrophe
    assert as_text == expected
    everything = "\n".join("\t".join(row) for row in as_text)
    await assert_anonymous(qa, everything, as_text)


async def test_a_question_asked_in_a_breakout_group_names_the_group(qa: QA) -> None:
    park = await qa.enter("park")
    made = await qa.client.post(
        f"/api/v1/class-sessions/{qa.klass.class_session_id}/breakout-sets",
        json={"name": "조", "groups": ["A조", "B조"]}, headers=bearer(qa.tokens["park"]),
    )  # fmt: skip
    group_set = await made.json()
    a, b = (g["id"] for g in group_set["groups"])
    placed = await qa.client.put(
        f"/api/v1/breakout-sets/{group_set['id']}/members", headers=bearer(qa.tokens["park"]),
        json={"assignments": [{"user_id": qa.who["kim"].id, "group_id": a},
                              {"user_id": qa.who["lee"].id, "group_id": b}]},
    )  # fmt: skip
    assert placed.status == 200
    kim = await qa.enter("kim")
    await park.ok("breakout_open", {"set_id": group_set["id"], "minutes": 10})
    await kim.next("breakout_opened")
    in_group = await kim.ok("qa_ask", {"text": "A조의 질문"})
    assert in_group["group_id"] == a
    await park.ok("breakout_close", {"grace_s": 0})
    main_room = await kim.ok("qa_ask", {"text": "전체에 묻는 질문", "anonymous": False})
    assert main_room["group_id"] is None
    response = await qa.export("park")
    _, *table = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert [(row[0], row[2], row[3]) for row in table] == [
        (str(in_group["id"]), "A조", ANONYMOUS), (str(main_room["id"]), "", "김민지"),
    ]  # fmt: skip


async def test_who_may_export_and_bad_requests(qa: QA) -> None:
    empty = await qa.export("park")
    assert empty.status == 200
    assert (await empty.read()).decode("utf-8-sig").splitlines() == [",".join(HEADER)]
    operator = await qa.export("han", "xlsx")  # staff: any class
    assert operator.status == 200
    for login in ("kim", "jung"):  # a trainee; an instructor of another class
        refused = await qa.export(login)
        assert refused.status == 403, login
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert (await refused.json())["type"] == "/problems/forbidden"
    missing = await qa.export("park", class_id=qa.klass.class_session_id + 1000)
    assert missing.status == 404
    assert (await missing.json())["type"] == "/problems/not-found"
    bad = await qa.export("park", "pdf")
    assert bad.status == 422
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    problem = await bad.json()
    assert problem["type"] == "/problems/validation-error"
    assert [(e["in"], e["loc"]) for e in problem["errors"]] == [("query", ["format"])]


async def test_control_characters_do_not_break_the_xlsx(qa: QA) -> None:
    """Text that a worksheet cannot hold (control characters) is left out of that cell."""
    kim = await qa.enter("kim")
    asked = await kim.ok("qa_ask", {"text": "종이 울리나요\x07 질문"})
    response = await qa.export("park", "xlsx")
    assert response.status == 200, await response.text()
    sheet = openpyxl.load_workbook(io.BytesIO(await response.read()))["질문"]
    assert (sheet["A2"].value, sheet["E2"].value) == (asked["id"], "종이 울리나요 질문")
