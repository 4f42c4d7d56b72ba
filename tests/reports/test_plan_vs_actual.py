"""Plan versus actual over a hand-counted catalog (tests/reports/catalog.py), as of two dates,
through the API, with its exports opened by a real XLSX reader, and who may read it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from server.core.auth.roles import Role
from tests.conftest import AppClient, Person, api_token, bearer
from tests.reports import catalog

URL = "/api/v1/reports/plan-vs-actual"
A = "always_open"
FIGURES = ("courses_original", "courses_revised", "runs_original", "runs_revised",
           "people_original", "people_revised", "actual_courses", "actual_runs",
           "actual_people", "rate")  # fmt: skip

# Worked out by hand from the catalog, as of 2020-09-30 (Seoul):
# C1 runs: #1 (March) and #2 (starts 09-30) count; #3 starts later; #4 is cancelled -> 2.
# C1 people: 3 in March + 2 on 09-30 23:30 Seoul = 5; the one at 10-01 00:30 Seoul is after,
# the approved one is not a completion, the undated one is not placed (a note says so).
# C3 (always open): 4 people, runs 상시.  C4: nothing recorded -> no data.  C0 is 2019.
AS_OF_SEPTEMBER = {
    # courses o/r, runs o/r, people o/r, actual courses/runs/people, rate
    "all": (4, 3, 6, 3, 210, 130, 2, 2, 9, 6.9),  # 9/130 = 6.92
    "classroom": (3, 2, 6, 3, 160, 80, 1, 2, 5, 6.3),  # 5/80 = 6.25 -> half up 6.3
    "classroom/basic": (2, 1, 5, 2, 140, 60, 1, 2, 5, 8.3),
    "classroom/basic/core_values": (2, 1, 5, 2, 140, 60, 1, 2, 5, 8.3),
    "classroom/job": (1, 1, 1, 1, 20, 20, None, None, None, None),
    "classroom/job/it": (1, 1, 1, 1, 20, 20, None, None, None, None),
    "elearning": (1, 1, A, A, 50, 50, 1, A, 4, 8.0),
    "elearning/job": (1, 1, A, A, 50, 50, 1, A, 4, 8.0),
    "elearning/job/it": (1, 1, A, A, 50, 50, 1, A, 4, 8.0),
    "mode/in_person": (1, 1, 1, 1, 20, 20, None, None, None, None),
    "mode/live_remote": (1, 1, 3, 2, 100, 60, 1, 2, 5, 8.3),
    "mode/blended": (1, 0, 2, 0, 40, 0, None, None, None, None),
    "mode/elearning": (1, 1, A, A, 50, 50, 1, A, 4, 8.0),
}


async def setup(client: AppClient, people: dict[Role, Person]) -> str:
    await catalog.build(client.app, [p.id for p in people.values()])
    return await api_token(client, people[Role.OPERATOR].login)


async def get_report(client: AppClient, token: str, **params: str) -> dict[str, Any]:
    response = await client.get(URL, params={"year": "2020", **params}, headers=bearer(token))
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


def figures(body: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {row["key"]: tuple(row["cells"][k] for k in FIGURES) for row in body["rows"]}


async def test_totals_match_the_hand_count_as_of_a_date(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await setup(client, people)
    body = await get_report(client, token, as_of="2020-09-30")
    assert figures(body) == AS_OF_SEPTEMBER
    modes = ["mode/in_person", "mode/live_remote", "mode/blended", "mode/elearning"]
    assert [row["key"] for row in body["rows"]] == [*list(AS_OF_SEPTEMBER)[:9], *modes]
    assert body["parameters"] == {"year": 2020, "as_of": "2020-09-30"}
    assert any("1 completions with no recorded date" in n["en"] for n in body["notes"])
    levels = {row["key"]: row["level"] for row in body["rows"]}
    assert (levels["all"], levels["classroom"], levels["classroom/basic/core_values"]) == (
        "total", "subtotal", "row",
    )  # fmt: skip


async def test_a_later_as_of_counts_what_happened_since(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await setup(client, people)
    october = figures(await get_report(client, token, as_of="2020-10-31"))
    # C1: run #3 (10-05) now counts -> 3 runs; the 10-01 00:30 completion counts -> 6 people
    assert october["classroom/basic/core_values"][6:] == (1, 3, 6, 10.0)
    assert october["all"][6:] == (2, 3, 10, 7.7)  # 10/130 = 7.69
    january = figures(await get_report(client, token, as_of="2020-01-15"))
    assert january["elearning"][6:] == (None, None, None, None)  # nothing completed yet
    assert january["all"][6:] == (None, None, None, None)


async def test_csv_and_xlsx_say_the_same_and_no_data_is_never_zero(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await setup(client, people)
    params = {"year": "2020", "as_of": "2020-09-30"}
    response = await client.get(URL, params={**params, "format": "csv"}, headers=bearer(token))
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "plan-vs-actual-2020-asof-2020-09-30.csv" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:4] == ["key", "구분 (Track)", "역량 (Area)", "세부 (Sub-area)"]
    lines = {line[0]: line for line in table[1:]}
    assert lines["classroom"][-4:] == ["1", "2", "5", "6.3"]
    assert lines["classroom/job/it"][-4:] == ["자료 없음"] * 4
    assert lines["elearning"][6:8] == ["상시", "상시"]

    response = await client.get(URL, params={**params, "format": "xlsx"}, headers=bearer(token))
    assert response.status == 200
    book = load_workbook(io.BytesIO(await response.read()))
    sheet = book["보고서"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    assert rows["all"]["실적 인원 (Actual people)"] == 9
    assert rows["all"]["이수율(%) (Rate (%))"] == pytest.approx(6.9)
    assert rows["classroom/job/it"]["실적 인원 (Actual people)"] == "자료 없음"
    assert rows["classroom/job/it"]["이수율(%) (Rate (%))"] == "자료 없음"
    assert rows["elearning"]["회차(변경) (Runs (revised))"] == "상시"
    assert len(rows) == len(AS_OF_SEPTEMBER)
    info = {r[0]: r[1] for r in book["정보"].iter_rows(values_only=True)}
    assert info["기준일 (as of)"] == "2020-09-30"

    response = await client.get(URL, params={**params, "format": "pdf"}, headers=bearer(token))
    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert "plan-vs-actual-2020-asof-2020-09-30.pdf" in response.headers["Content-Disposition"]
    pages = PdfReader(io.BytesIO(await response.read())).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert "교육훈련 계획 대비 실적 (Training plan versus actual)" in text
    cells = "\n".join(line for line in text.splitlines() if not line.startswith("· "))  # no notes
    assert cells.count("자료 없음") == sum(
        cell == "자료 없음" for line in table[1:] for cell in line[1:]
    )  # every unknown cell of the CSV, in words, and no other


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.INSTRUCTOR, Role.ASSISTANT, Role.CAPTIONER])
async def test_only_admins_and_operators_read_institute_wide_reports(
    client: AppClient, people: dict[Role, Person], role: Role
) -> None:
    await catalog.build(client.app, [p.id for p in people.values()])
    token = await api_token(client, people[role].login)
    response = await client.get(URL, params={"year": "2020"}, headers=bearer(token))
    assert response.status == 403
    assert (await response.json())["type"] == "/problems/forbidden"
    listed = await client.get("/api/v1/reports", headers=bearer(token))
    scoped = [] if role == Role.CAPTIONER else ["completion", "dropouts"]  # their own only
    assert [r["name"] for r in await listed.json()] == scoped
    for staff in (Role.ADMIN, Role.OPERATOR):
        staff_token = await api_token(client, people[staff].login)
        ok = await client.get(URL, params={"year": "2020"}, headers=bearer(staff_token))
        assert ok.status == 200
        listed = await client.get("/api/v1/reports", headers=bearer(staff_token))
        names = {r["name"] for r in await listed.json()}
        exams = {"exam-rounds", "question-errors"}  # EXAM_STAFF: admins, not operators
        assert names & exams == (exams if staff == Role.ADMIN else set())
        assert names - exams == {
            "plan-vs-actual", "completion", "dropouts", "connection-failures", "instructors",
            "survey-results",
            "budget-execution",
            "enrolment-dropouts",
        }  # fmt: skip


async def test_bad_parameters_are_refused(client: AppClient, people: dict[Role, Person]) -> None:
    token = await api_token(client, people[Role.OPERATOR].login)
    for params, status in (
        ({"year": "2020", "as_of": "2019-12-31"}, 422),  # before the year
        ({"year": "1999"}, 422),
        ({"year": "2020", "format": "docx"}, 422),
        ({"year": "2020", "extra": "x"}, 422),
    ):
        response = await client.get(URL, params=params, headers=bearer(token))
        assert response.status == status, params
        assert (await response.json())["type"] == "/problems/validation-error"
    missing = await client.get("/api/v1/reports/no-such-report?year=2020", headers=bearer(token))
    assert missing.status == 404
