"""The completion export (GET /cohorts/{id}/completion/export?format=csv|xlsx): one row per
trainee whose figures, marks, result, explanation, corrections and certificate code are the
ones the results API judges; opened with openpyxl and the csv module. Unknown figures stay
자료 없음, never 0; staff and the cohort's own instructors may export, nobody else; a bad
format is a 422 problem. Also the records page's status route (finalised results, codes)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from openpyxl import load_workbook

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.lms.completion.records import Api, CohortFixture, attend, make_cohort

T0 = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
NO_DATA = "자료 없음"


async def setup(client: AppClient, clock: ManualClock) -> tuple[dict[str, Person], CohortFixture]:
    """Two one-hour days; kim attends both, lee the first, choi neither; jung teaches another
    cohort. Choi has no org unit or grade on record."""
    people: dict[str, tuple[Role, str, dict[str, str]]] = {
        "kim": (Role.TRAINEE, "김민지", {"org_unit": "교육정책과", "grade": "7급"}),
        "lee": (Role.TRAINEE, "이서준", {"org_unit": "인사과", "grade": "6급"}),
        "choi": (Role.TRAINEE, "최유나", {}),
        "park": (Role.INSTRUCTOR, "박강사", {}), "jung": (Role.INSTRUCTOR, "정강사", {}),
        "han": (Role.ASSISTANT, "한보조", {}), "ops": (Role.OPERATOR, "오운영", {}),
        "admin": (Role.ADMIN, "관리자", {}),
    }  # fmt: skip
    who = {k: await add_person(client.app, k, [r], clock, name=n, **f)
           for k, (r, n, f) in people.items()}  # fmt: skip
    windows = [(T0, T0 + HOUR), (T0 + DAY, T0 + DAY + HOUR)]
    cohort = await make_cohort(client.app, clock, instructor=who["park"].id, windows=windows,
                               trainees=[who[k].id for k in ("kim", "lee", "choi")])  # fmt: skip
    await make_cohort(client.app, clock, trainees=[who["lee"].id], instructor=who["jung"].id,
                      windows=[(T0, T0 + HOUR)])  # fmt: skip
    kim, lee = who["kim"].id, who["lee"].id
    day1, day2 = cohort.sessions
    for user_id in (kim, lee):
        await attend(client.app, day1, ("join", T0, user_id, "pc"),
                     ("leave", T0 + HOUR, user_id, "pc"))  # fmt: skip
    await attend(client.app, day2, ("join", T0 + DAY, kim, "pc"),
                 ("leave", T0 + DAY + HOUR, kim, "pc"))  # fmt: skip
    return who, cohort


def xlsx_rows(raw: bytes) -> tuple[list[Any], dict[str, dict[str, Any]], list[list[Any]]]:
    """Header, rows by login (header -> value) and the info sheet of an exported workbook."""
    book = load_workbook(io.BytesIO(raw))
    sheet = book["보고서"]
    lines: list[list[Any]] = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = lines[0]
    rows = {str(line[0]): dict(zip(header, line, strict=True)) for line in lines[1:]}
    info = [list(r) for r in book["정보"].iter_rows(values_only=True)]
    return header, rows, info


def csv_rows(raw: bytes) -> tuple[list[str], dict[str, dict[str, str]]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel in Korea opens Hangul as it is
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return lines[0], {line[0]: dict(zip(lines[0], line, strict=True)) for line in lines[1:]}


async def download(client: AppClient, token: str, cohort_id: int, fmt: str) -> Any:
    return await client.get(f"/api/v1/cohorts/{cohort_id}/completion/export",
                            params={"format": fmt}, headers=bearer(token))  # fmt: skip


OUTCOME_KO = {"completed": "수료", "not_completed": "미수료", "undetermined": "판정 보류"}


async def test_the_xlsx_and_csv_rows_are_the_judged_results(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    kim, lee, choi = who["kim"], who["lee"], who["choi"]
    ops, park = await Api.of(client, who["ops"]), await Api.of(client, who["park"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80% 출석"}, 201)  # fmt: skip
    clock.set(T0 + 2 * DAY)
    path = f"/cohorts/{cohort.cohort_id}"
    excused = await park.call("POST", f"{path}/completion-corrections", {
        "user_id": lee.id, "kind": "excused_absence", "class_session_id": cohort.sessions[1],
        "reason": "병가"}, 201)  # fmt: skip
    await ops.call("POST", f"{path}/completion/finalise")
    pdf = await ops.call("GET", f"{path}/completion/{kim.id}/certificate")  # issues kim's
    assert pdf.startswith(b"%PDF-")
    status = await park.call("GET", f"{path}/completion-status")
    codes = {t["login"]: t["certificate_code"] for t in status["trainees"]}
    assert codes["kim"] is not None
    assert (codes["lee"], codes["choi"]) == (None, None)
    judged = {r["user_id"]: r for r in (await park.call("GET", f"{path}/completion"))["results"]}

    response = await download(client, park.token, cohort.cohort_id, "xlsx")
    assert response.status == 200
    assert response.content_type.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert f'filename="completion-cohort-{cohort.cohort_id}.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == (
        "이수현황_핵심가치 공유 과정_1기.xlsx"
    )
    header, rows, info = xlsx_rows(await response.read())
    assert header == [
        "아이디 (Login)", "이름 (Name)", "소속 (Org unit)", "직급 (Grade)",
        "출석(분) (Present (min))", "수업 시간(분) (Scheduled (min))", "출석 충족 (Presence met)",
        "결과 (Result)", "기록상 결과 (Result from the records)", "설명 (Explanation)",
        "정정 (Corrections)", "수료증 확인 코드 (Certificate code)",
    ]  # fmt: skip
    assert list(rows) == ["kim", "lee", "choi"]  # the results' order: by user
    for person in (kim, lee, choi):
        row, result = rows[person.login], judged[person.id]
        (presence,) = result["criteria"]
        assert row["출석(분) (Present (min))"] == presence["actual"]
        assert row["수업 시간(분) (Scheduled (min))"] == presence["of"]
        assert row["출석 충족 (Presence met)"] == ("✓" if presence["met"] else "✗")
        assert row["결과 (Result)"] == OUTCOME_KO[result["outcome"]]
        assert row["설명 (Explanation)"] == result["explanation_ko"]
    assert rows["kim"]["출석(분) (Present (min))"] == 120  # a number, not text
    assert rows["lee"]["출석(분) (Present (min))"] == 60  # day 2 excused: out of 60
    assert rows["lee"]["수업 시간(분) (Scheduled (min))"] == 60
    assert rows["choi"]["출석(분) (Present (min))"] == 0  # known to be absent: a real 0
    assert rows["choi"]["결과 (Result)"] == "미수료"
    assert rows["kim"]["이름 (Name)"] == "김민지"
    assert (rows["kim"]["소속 (Org unit)"], rows["kim"]["직급 (Grade)"]) == ("교육정책과", "7급")
    assert (rows["choi"]["소속 (Org unit)"], rows["choi"]["직급 (Grade)"]) == (NO_DATA, NO_DATA)
    assert rows["lee"]["정정 (Corrections)"] == "공결 2일차: 병가 (박강사, 2020-10-07 10:00)"
    assert judged[lee.id]["correction_ids"] == [excused["id"]]
    assert rows["kim"]["정정 (Corrections)"] in ("", None)
    assert rows["kim"]["수료증 확인 코드 (Certificate code)"] == codes["kim"]
    assert rows["lee"]["수료증 확인 코드 (Certificate code)"] == "미발급"
    notes = [line[1] for line in info if line[0] == "주 (note)"]
    assert notes[0].startswith("이수 기준 (제1판): 실시간 수업 시간의 80% 이상 출석")

    response = await download(client, park.token, cohort.cohort_id, "csv")
    assert response.status == 200
    assert unquote(response.headers["Content-Disposition"].split("''")[1]) == (
        "이수현황_핵심가치 공유 과정_1기.csv"
    )
    csv_header, lines = csv_rows(await response.read())
    assert csv_header == header
    assert list(lines) == ["kim", "lee", "choi"]
    assert lines["lee"]["출석(분) (Present (min))"] == "60"
    assert lines["choi"]["소속 (Org unit)"] == NO_DATA
    assert lines["lee"]["설명 (Explanation)"] == judged[lee.id]["explanation_ko"]
    assert lines["kim"]["수료증 확인 코드 (Certificate code)"] == codes["kim"]


async def test_unknown_figures_are_no_data_never_zero(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    # no survey is ever held in this cohort: the survey criterion is unknown for everyone
    rule = {"min_presence_pct": 50, "survey_required": True, "reason": "설문"}
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules", rule, 201)
    clock.set(T0 + 2 * DAY)
    response = await download(client, ops.token, cohort.cohort_id, "xlsx")
    header, rows, _ = xlsx_rows(await response.read())
    assert "설문 제출 (Surveys submitted)" in header
    for login in ("kim", "lee"):
        row = rows[login]
        assert row["설문 제출 (Surveys submitted)"] == NO_DATA
        assert row["설문 수 (Surveys held)"] == NO_DATA
        assert row["설문 충족 (Survey met)"] == NO_DATA
        assert row["결과 (Result)"] == "판정 보류"
    assert rows["choi"]["결과 (Result)"] == "미수료"  # 0 of 120 min is known, and short
    _, lines = csv_rows(await (await download(client, ops.token, cohort.cohort_id, "csv")).read())
    assert lines["kim"]["설문 제출 (Surveys submitted)"] == NO_DATA
    assert lines["kim"]["출석 충족 (Presence met)"] == "✓"


async def test_staff_and_the_cohorts_own_instructors_export_nobody_else(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80%"}, 201)  # fmt: skip
    tokens = {k: await api_token(client, p.login) for k, p in who.items()}
    for name in ("admin", "ops", "park"):
        for fmt in ("csv", "xlsx"):
            assert (await download(client, tokens[name], cohort.cohort_id, fmt)).status == 200
        status = await client.get(f"/api/v1/cohorts/{cohort.cohort_id}/completion-status",
                                  headers=bearer(tokens[name]))  # fmt: skip
        assert status.status == 200
    for name in ("jung", "han", "kim", "lee"):  # another cohort's instructor; trainees
        refused = await download(client, tokens[name], cohort.cohort_id, "xlsx")
        assert refused.status == 403
        assert (await refused.json())["type"] == "/problems/forbidden"
        status = await client.get(f"/api/v1/cohorts/{cohort.cohort_id}/completion-status",
                                  headers=bearer(tokens[name]))  # fmt: skip
        assert status.status == 403
    anonymous = await client.get(f"/api/v1/cohorts/{cohort.cohort_id}/completion/export",
                                 params={"format": "csv"})  # fmt: skip
    assert anonymous.status == 401
    missing = await download(client, tokens["ops"], 999_999, "csv")
    assert missing.status == 404


async def test_a_bad_format_is_a_422_problem(client: AppClient, clock: ManualClock) -> None:
    who, cohort = await setup(client, clock)
    token = await api_token(client, who["ops"].login)
    for params in ({"format": "pdf"}, {}, {"format": "xlsx", "extra": "1"}):
        response = await client.get(f"/api/v1/cohorts/{cohort.cohort_id}/completion/export",
                                    params=params, headers=bearer(token))  # fmt: skip
        assert response.status == 422, params
        assert response.content_type == "application/problem+json"
        assert (await response.json())["type"] == "/problems/validation-error"


async def test_status_lists_finalised_results_and_only_standing_codes(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    ops, park = await Api.of(client, who["ops"]), await Api.of(client, who["park"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80%"}, 201)  # fmt: skip
    clock.set(T0 + 2 * DAY)
    path = f"/cohorts/{cohort.cohort_id}"
    before = await park.call("GET", f"{path}/completion-status")
    assert before["finalised_at"] is None
    assert (before["course_title"], before["cohort_name"]) == ("핵심가치 공유 과정", "1기")
    assert [s["id"] for s in before["sessions"]] == cohort.sessions
    assert {t["login"]: t["finalised_outcome"] for t in before["trainees"]} == {
        "kim": None, "lee": None, "choi": None}  # fmt: skip
    assert before["trainees"][0]["org_unit"] == "교육정책과"

    await ops.call("POST", f"{path}/completion/finalise")
    await ops.call("GET", f"{path}/completion/{who['kim'].id}/certificate")
    after = await park.call("GET", f"{path}/completion-status")
    assert after["finalised_at"] == "2020-10-07T01:00:00Z"
    done = {t["login"]: t for t in after["trainees"]}
    assert {k: t["finalised_outcome"] for k, t in done.items()} == {
        "kim": "completed", "lee": "not_completed", "choi": "not_completed"}  # fmt: skip
    code = done["kim"]["certificate_code"]
    assert (await client.get(f"/api/v1/certificates/{code}")).status == 200

    await park.call("POST", f"{path}/completion-corrections", {
        "user_id": who["kim"].id, "kind": "override", "outcome": "not_completed",
        "reason": "대리 출석 확인"}, 201)  # fmt: skip
    clock.advance(3600)
    await ops.call("POST", f"{path}/completion/finalise")
    again = await park.call("GET", f"{path}/completion-status")
    kim = next(t for t in again["trainees"] if t["login"] == "kim")
    assert kim["finalised_outcome"] == "not_completed"
    assert kim["certificate_code"] is None  # it no longer verifies, so it is not listed
    assert again["authors"] == {str(who["park"].id): "박강사"}
