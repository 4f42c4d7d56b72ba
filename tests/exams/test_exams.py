"""Recruitment exams: the seed's 2020 figures and question-error rates from the demo data,
exam staff only, candidates imported from CSV (all or nothing, every row's errors), figures
from candidates, logged reads, and successful candidates enrolled in the next new-recruit
cohort once however often it is run."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from server.core.audit import AuditEntry
from server.core.auth.roles import Role
from server.core.keys import CLOCK, DATABASE
from server.exams.demo import load_exams
from server.reports import render, service
from server.reports.base import Parameters
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller, make_course

GOOD = (
    "exam_no,name,residence,disabled,veteran,highschool,sat,written,interview,final\n"
    "A-001,김민지,서울,Y,N,N,Y,Y,Y,Y\n"
    "A-002,이서준,경기,N,N,N,Y,Y,Y,Y\n"
    "A-003,박지우,서울,N,Y,N,Y,Y,Y,N\n"
    "A-004,최하은,서울,N,N,N,Y,N,,\n"
    "A-005,정도윤,부산,N,N,N,N,,,\n"
    "A-006,강수아,서울,N,N,Y,Y,Y,Y,Y\n"
)


async def _demo(client: AppClient) -> None:
    for added in (True, False):
        async with client.app[DATABASE].unit_of_work() as session:
            assert await load_exams(session, client.app[CLOCK].now()) is added


def dec(text: str) -> Decimal:
    return Decimal(text)


async def test_demo_reproduces_the_seeds_2020_rounds(
    client: AppClient, people: dict[Role, Person]
) -> None:
    await _demo(client)
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    body = await officer.get("/reports/exam-rounds", year="2020")
    rows = {r["key"]: r["cells"] for r in body["rows"]}
    first = rows["open-1"]
    assert (first["units"], first["planned"], first["applicants"], first["competition"]) == (
        59,
        2957,
        49920,
        17,
    )
    assert (first["sat"], dec(str(first["sitting_rate"]))) == (23655, dec("47.4"))
    assert (first["written_passed"], first["final_passed"]) == (3712, 2959)
    assert first["residence_share"] is None  # no individual records: no data, not 0%
    third = rows["open-3"]
    assert (third["units"], third["planned"], third["applicants"], third["competition"]) == (
        35,
        284,
        17595,
        62,
    )
    assert third["sat"] is None
    assert third["final_passed"] is None
    career, specialist = rows["career-1"], rows["specialist-1"]
    assert (career["units"], career["planned"]) == (36, 38)
    assert career["final_passed"] is None  # 9 fields still in progress
    done = [c for k, c in rows.items() if k.startswith("career-1/") and c["final_passed"]]
    assert len(done) == 27
    assert sum(c["final_passed"] for c in done) == 27
    assert (specialist["units"], specialist["planned"]) == (6, 7)
    assert first["planned"] + third["planned"] == 3241  # 채용규모 총 3,241명 (공채)
    assert rows["total"]["planned"] == 3241 + 38 + 7
    # the CSV shows "no data" where unknown, never 0
    async with client.app[DATABASE].unit_of_work() as session:
        report = await service.run(session, "exam-rounds", Parameters(2020, date(2020, 12, 31)))
    text = render.to_csv(report).decode("utf-8-sig")
    line = next(r for r in csv.reader(io.StringIO(text)) if r and r[0] == "open-3")
    assert "자료 없음" in line
    assert "62" in line


async def test_question_error_rates(client: AppClient, people: dict[Role, Person]) -> None:
    await _demo(client)
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    body = await officer.get("/reports/question-errors", year="2020")
    rows = {r["key"]: r["cells"] for r in body["rows"]}
    assert (rows["2018"]["subjects"], rows["2018"]["errors"]) == (163, 9)
    assert dec(str(rows["2018"]["error_rate"])) == dec("0.28")
    assert (rows["2019"]["subjects"], rows["2019"]["questions"], rows["2019"]["errors"]) == (
        164,
        3280,
        3,
    )
    assert dec(str(rows["2019"]["error_rate"])) == dec("0.09")
    assert dec(str(rows["2019/open-2"]["error_rate"])) == dec("0.06")  # '19.10 7급, 82 subjects
    assert rows["2019/open-2"]["subjects"] == 82
    assert dec(str(rows["2019/open-1"]["error_rate"])) == dec("0.00")  # 53 subjects, a real 0
    assert dec(str(rows["2020"]["error_rate"])) == dec("0.00")
    assert rows["2020"]["subjects"] == 28
    # a round with subjects but no units: every exam figure is no data, not 0
    rounds_2019 = await officer.get("/reports/exam-rounds", year="2019")
    june = next(r["cells"] for r in rounds_2019["rows"] if r["key"] == "open-1")
    assert june["units"] == 0
    assert june["applicants"] is None
    assert set(june) == {c["key"] for c in rounds_2019["columns"]}
    # an earlier year leaves later years out
    earlier = await officer.get("/reports/question-errors", year="2018")
    assert [r["key"] for r in earlier["rows"] if r["level"] == "subtotal"] == ["2018"]


async def test_only_exam_staff(client: AppClient, people: dict[Role, Person]) -> None:
    await _demo(client)
    for role in (Role.OPERATOR, Role.TRAINEE, Role.INSTRUCTOR):
        caller = await Caller.of(client, people[role].login)
        await caller.get("/exams/rounds", 403, year="2020")
        await caller.get("/reports/exam-rounds", 403, year="2020")
        await caller.get("/reports/question-errors", 403, year="2020")
    admin = await Caller.of(client, people[Role.ADMIN].login)
    rounds = await admin.get("/exams/rounds", year="2020")
    assert [r["units"] for r in rounds] == [59, 36, 6, 35]


async def _unit(officer: Caller, planned: int = 4) -> int:
    r = await officer.post(
        "/exams/rounds",
        {"year": 2021, "number": 1, "kind": "open", "name": "2021 제1회", "held_on": "2021-06-12"},
    )
    unit = await officer.post(
        f"/exams/rounds/{r['id']}/units",
        {
            "code": "admin-9",
            "job_series": "일반행정",
            "grade": "9급",
            "planned": planned,
            "quota_disabled": 1,
            "quota_veterans": 1,
            "quota_highschool": 2,
        },
    )
    return int(unit["id"])


async def test_import_is_all_or_nothing_and_figures_follow(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    unit = await _unit(officer)
    bad = GOOD + "A-001,중복,서울,N,N,N,,,,\nB 7,,서울,X,N,N,N,Y,,\n"
    problem = await officer.post(f"/exams/units/{unit}/candidates/import", {"csv": bad}, 422)
    assert problem["type"] == "/problems/exam-import-rejected"
    found = {(e["row"], e["field"]) for e in problem["rows"]}
    assert {(8, "exam_no"), (9, "exam_no"), (9, "name"), (9, "disabled"), (9, "written")} <= found
    assert await officer.get(f"/exams/units/{unit}/candidates") == []  # nothing imported
    done = await officer.post(f"/exams/units/{unit}/candidates/import", {"csv": GOOD})
    assert done == {"imported": 6}
    [u] = await officer.get(
        f"/exams/rounds/{(await officer.get('/exams/rounds', year='2021'))[0]['id']}/units"
    )
    f = u["figures"]
    assert (f["applicants"], f["sat"], f["written_passed"], f["final_passed"]) == (6, 5, 4, 3)
    assert f["competition"] == 2  # 6 ÷ 4 = 1.5, half up
    assert dec(str(f["sitting_rate"])) == dec("83.3")
    assert dec(str(f["quota_fill"])) == dec("75.0")
    assert dec(str(f["residence_share"])) == dec("66.7")  # 2 of 3 finals live in Seoul
    assert dec(str(f["disabled_fill"])) == dec("100.0")
    assert f["veterans_fill"] is None or dec(str(f["veterans_fill"])) == dec("0.0")
    assert dec(str(f["highschool_fill"])) == dec("50.0")
    # a result not known yet makes the count unknown, not zero
    cands = await officer.get(f"/exams/units/{unit}/candidates")
    first = next(c for c in cands if c["exam_no"] == "A-001")
    await officer.patch(f"/exams/candidates/{first['id']}", {"final_passed": None})
    [u] = await officer.get(f"/exams/rounds/{u['round_id']}/units")
    assert u["figures"]["final_passed"] is None
    assert u["figures"]["quota_fill"] is None
    await officer.patch(f"/exams/candidates/{first['id']}", {"sat": False}, 422)


async def test_candidate_reads_are_logged(client: AppClient, people: dict[Role, Person]) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    unit = await _unit(officer)
    await officer.post(f"/exams/units/{unit}/candidates/import", {"csv": GOOD})
    cands = await officer.get(f"/exams/units/{unit}/candidates")
    await officer.get(f"/exams/candidates/{cands[0]['id']}")
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    await operator.get(f"/exams/units/{unit}/candidates", 403)
    async with client.app[DATABASE].unit_of_work() as session:
        reads = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "read").order_by(AuditEntry.id)
            )
        )
    assert [(e.actor_id, e.entity, e.entity_id) for e in reads] == [
        (people[Role.EXAM_OFFICER].id, "exam_candidates", f"unit:{unit}"),
        (people[Role.EXAM_OFFICER].id, "exam_candidates", f"candidate:{cands[0]['id']}"),
    ]
    assert reads[0].after == {"count": 6}


async def test_successful_candidates_enrol_once(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    unit = await _unit(officer)
    await officer.post(f"/exams/units/{unit}/candidates/import", {"csv": GOOD})
    round_id = (await officer.get("/exams/rounds", year="2021"))[0]["id"]
    past = await make_course(client.app, year=2020, title="신규임용자 과정", status="finished")
    course = await make_course(
        client.app, year=2021, title="신규임용자 과정 2021", status="planned"
    )
    url = f"/exams/rounds/{round_id}/enrolments"
    first = await officer.call("POST", url, json={"course_id": course.course_id})
    assert first["cohort_id"] == course.cohort_id
    assert sorted(first["approved"]) == ["r2021-a-001", "r2021-a-002", "r2021-a-006"]
    assert first["accounts_created"] == 3
    again = await officer.call("POST", url, json={"course_id": course.course_id})
    assert again["approved"] == []
    assert again["accounts_created"] == 0
    assert sorted(again["unchanged"]) == sorted(first["approved"])
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    rows = await operator.get(f"/cohorts/{course.cohort_id}/enrolments")
    assert len(rows) == 3 if isinstance(rows, list) else len(rows["items"]) == 3
    # a course with no upcoming cohort is answered clearly
    gone = await officer.call("POST", url, 409, json={"course_id": past.course_id})
    assert gone["type"] == "/problems/no-next-cohort"


async def test_bad_input_changes_nothing(client: AppClient, people: dict[Role, Person]) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    await officer.post(
        "/exams/rounds", {"year": 2021, "number": 0, "kind": "open", "name": "x"}, 422
    )
    await officer.post(
        "/exams/rounds", {"year": 2021, "number": 1, "kind": "nope", "name": "x"}, 422
    )
    assert await officer.get("/exams/rounds", year="2021") == []
    r = await officer.post(
        "/exams/rounds", {"year": 2021, "number": 1, "kind": "open", "name": "x"}
    )
    s = await officer.post(f"/exams/rounds/{r['id']}/subjects", {"name": "국어"})
    assert s["questions"] == 20
    await officer.post(
        f"/exams/subjects/{s['id']}/errors",
        {"question_no": 21, "description": "d", "cause": "c", "reported_on": "2021-06-20"},
        422,
    )
    e = await officer.post(
        f"/exams/subjects/{s['id']}/errors",
        {
            "question_no": 7,
            "description": "보기 오탈자",
            "cause": "편집 교정 누락",
            "reported_on": "2021-06-20",
        },
    )
    assert (await officer.get(f"/exams/rounds/{r['id']}/errors"))[0]["cause"] == e["cause"]
    assert (await officer.get(f"/exams/rounds/{r['id']}/subjects"))[0]["errors"] == 1


def test_cli_runs_question_errors_without_a_year() -> None:
    from server.__main__ import parser

    args = parser().parse_args(["report", "question-errors", "--format", "csv"])
    assert args.year is None  # _report then takes this year, which covers every year before
    assert parser().parse_args(["report", "exam-rounds", "--year", "2020"]).year == 2020
