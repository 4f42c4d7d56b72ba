"""The survey-results report against hand-made surveys, every figure worked out by hand.

Trainees t1-t6; instructors P (park) and J (jung) in the registry. All surveys open on
2020-10-05 (Seoul); the closed ones close on 2020-10-20.

Course A: cohort A1 (t1-t4: 4 invited, P teaches), cohort A2 (t5, t6: 2 invited, J teaches).
- S1 A1 satisfaction, closed: 내용 / 운영 / P's teaching / free text.
  t1 5, 4, P5, text; t2 4, 3, P4; t3 3, -, P5. 3 of 4.
- S2 A2 satisfaction, closed: 내용 / J's teaching. t5 2, J3. 1 of 2.
- S3 A1 satisfaction, open: 내용 / P's teaching. t4 1, P1 (must count nowhere but "in progress").
  Course A: 2 closed surveys, 4 of 6 (66.7%), mean of 5,4,4,3,3,2 = 3.50; 내용 5,4,3,2 = 3.50;
  운영 4,3 = 3.50; state "종료 · 진행 중 1건 (응답 1명)".
  P: S1 (3 of 4, 75.0%, 5,4,5 = 4.67) and open S3; J: S2 (1 of 2, 50.0%, 3.00).
- S6 A1 application before, closed: two items. t1 2, 3; t2 3. 2 of 4 (50.0%), mean 8/3 = 2.67.
- S7 A1 application after, open: t1 answered. Follow-up: none held.
Course B: cohort B1 (t1, t2). S4 satisfaction open, t1 answered: in progress (응답 1명), no score.
Course C: no survey: no data.
Course D: cohort D1 (t1-t3). S5 satisfaction closed: 내용 t1 5, t2 5: 2 of 3, 5.00.

Totals: courses: 3 surveys, 6 of 9 (66.7%), mean (3.50 x 4 + 5.00 x 2) / 6 = 4.00;
instructors: 2 surveys, 4 of 6 (66.7%), mean (4.67 x 3 + 3.00 x 1) / 4 = 4.25;
application before: 1 survey, 2 of 4, 50.0%, 2.67; after and follow-up: nothing closed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import ClassSession, Cohort, Enrolment, Instructor, SessionStaff, StaffRole
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.factories import make_class
from tests.lms.completion.records import Api
from tests.reports.test_live_reports import run, table

COLUMNS = ("surveys", "respondents", "invited", "response_rate", "mean", "state")
CLOSING = datetime(2020, 10, 20, 3, 0, tzinfo=UTC)  # 12:00 in Seoul


async def second_cohort(
    client: AppClient, clock: ManualClock, course_id: int, trainees: list[int], teacher: int
) -> int:
    now = clock.now()
    async with client.app[DATABASE].unit_of_work() as session:
        cohort = Cohort(course_id=course_id, number=2, name="2기", starts_on=now.date(),
                        ends_on=now.date(), capacity=50, status="running")  # fmt: skip
        session.add(cohort)
        await session.flush()
        cs = ClassSession(cohort_id=cohort.id, title="2기 1일차", starts_at=now, live=True,
                          ends_at=now + timedelta(hours=3), state="scheduled")  # fmt: skip
        session.add(cs)
        await session.flush()
        session.add(SessionStaff(class_session_id=cs.id, user_id=teacher,
                                 role=StaffRole.INSTRUCTOR))  # fmt: skip
        for user_id in trainees:
            session.add(Enrolment(cohort_id=cohort.id, user_id=user_id, status="approved",
                                  created_at=now))  # fmt: skip
        return cohort.id


async def registry(client: AppClient, person: Person, name: str) -> int:
    async with client.app[DATABASE].unit_of_work() as session:
        entry = Instructor(user_id=person.id, name=name, grade="1급", internal=False)
        session.add(entry)
        await session.flush()
        return entry.id


def scale(prompt: str, instructor_id: int | None = None) -> dict[str, Any]:
    return {"kind": "scale5", "prompt": prompt, "instructor_id": instructor_id}


async def survey(ops: Api, cohort_id: int, items: list[dict[str, Any]], **kind: str) -> list[int]:
    """Make and open a survey; its id then its item ids."""
    body = {"kind": "satisfaction", "title": "설문", "items": items} | kind
    made = await ops.call("POST", f"/cohorts/{cohort_id}/surveys", body, 201)
    await ops.call("POST", f"/surveys/{made['id']}/open")
    return [made["id"], *(i["id"] for i in made["items"])]


async def test_survey_results_by_course_instructor_and_phase(
    client: AppClient, clock: ManualClock
) -> None:
    app = client.app
    t = [await add_person(app, f"trainee{n}", [Role.TRAINEE], clock) for n in range(1, 7)]
    park = await add_person(app, "park", [Role.INSTRUCTOR], clock)
    jung = await add_person(app, "jung", [Role.INSTRUCTOR], clock)
    ops_person = await add_person(app, "ops", [Role.OPERATOR], clock)
    p, j = await registry(client, park, "박강사"), await registry(client, jung, "정강사")
    ids = [x.id for x in t]
    a1 = await make_class(app, clock, trainees=ids[:4], staff={StaffRole.INSTRUCTOR: park.id})
    a2 = await second_cohort(client, clock, a1.course_id, ids[4:], jung.id)
    b = await make_class(app, clock, trainees=ids[:2], staff={StaffRole.INSTRUCTOR: park.id})
    c = await make_class(app, clock, trainees=ids[2:3])
    d = await make_class(app, clock, trainees=ids[:3])
    ops = await Api.of(client, ops_person)
    trainee = [await Api.of(client, x) for x in t]

    async def answer(n: int, sid: int, answers: dict[int, Any]) -> None:
        await trainee[n - 1].call("POST", f"/surveys/{sid}/responses", {"answers": answers}, 201)

    text = {"kind": "text", "prompt": "의견"}
    s1, c1, c2, s1p, s1text = await survey(
        ops, a1.cohort_id, [scale("내용"), scale("운영"), scale("박강사 강의", p), text]
    )
    await answer(1, s1, {c1: 5, c2: 4, s1p: 5, s1text: "좋았다"})
    await answer(2, s1, {c1: 4, c2: 3, s1p: 4})
    await answer(3, s1, {c1: 3, s1p: 5})
    s2, c1b, s2j = await survey(ops, a2, [scale("내용"), scale("정강사 강의", j)])
    await answer(5, s2, {c1b: 2, s2j: 3})
    s3, c1c, s3p = await survey(ops, a1.cohort_id, [scale("내용"), scale("박강사 강의", p)])
    await answer(4, s3, {c1c: 1, s3p: 1})
    s4, b1 = await survey(ops, b.cohort_id, [scale("내용")])
    await answer(1, s4, {b1: 1})
    s5, d1 = await survey(ops, d.cohort_id, [scale("내용")])
    await answer(1, s5, {d1: 5})
    await answer(2, s5, {d1: 5})
    before = await survey(ops, a1.cohort_id, [scale("필요"), scale("수준")],
                          kind="application", phase="before")  # fmt: skip
    await answer(1, before[0], {before[1]: 2, before[2]: 3})
    await answer(2, before[0], {before[1]: 3})
    after = await survey(ops, a1.cohort_id, [scale("적용")], kind="application", phase="after")
    await answer(1, after[0], {after[1]: 4})

    clock.set(CLOSING)
    ops = await Api.of(client, ops_person)
    for sid in (s1, s2, s5, before[0]):
        await ops.call("POST", f"/surveys/{sid}/close")
    token = await api_token(client, ops_person.login)
    body = await run(client, token, "survey-results", year="2020", as_of="2020-12-31")
    got = table(body, COLUMNS)
    a, bb, cc, dd = a1.course_id, b.course_id, c.course_id, d.course_id
    assert got[f"course:{a}"] == (2, 4, 6, 66.7, 3.5, "종료 · 진행 중 1건 (응답 1명)")
    assert got[f"course:{a}:item:내용"] == (None, 4, None, None, 3.5, None)
    assert got[f"course:{a}:item:운영"] == (None, 2, None, None, 3.5, None)
    assert got[f"course:{bb}"] == (1, 1, 2, None, None, "진행 중 (응답 1명)")  # never a 0
    assert got[f"course:{cc}"] == (0, None, None, None, None, None)  # no data
    assert got[f"course:{dd}"] == (1, 2, 3, 66.7, 5.0, "종료")
    assert got["course:total"] == (3, 6, 9, 66.7, 4.0, None)
    assert got[f"instructor:{p}"] == (1, 3, 4, 75.0, 4.67, "종료 · 진행 중 1건 (응답 1명)")
    assert got[f"instructor:{j}"] == (1, 1, 2, 50.0, 3.0, "종료")
    assert got["instructor:total"] == (2, 4, 6, 66.7, 4.25, None)
    assert got[f"application:{a}:before"] == (1, 2, 4, 50.0, 2.67, "종료")
    assert got[f"application:{a}:after"] == (1, 1, 4, None, None, "진행 중 (응답 1명)")
    assert got[f"application:{a}:follow_up"] == (0, None, None, None, None, None)
    assert not any(k.startswith(f"application:{dd}") for k in got)  # none held: no rows
    assert got["application:total:before"] == (1, 2, 4, 50.0, 2.67, None)
    assert got["application:total:after"] == (0, None, None, None, None, None)
    labels = {r["key"]: r["cells"]["value"] for r in body["rows"]}
    assert labels[f"instructor:{p}"] == "박강사"
    assert labels[f"application:{a}:follow_up"].endswith("· 2~3개월 후")
    assert any("진행 중인 설문 3건 (응답 3명)" in n["ko"] for n in body["notes"])

    # the day before closing, every survey was still running: counts, no scores anywhere
    running = table(await run(client, token, "survey-results", year="2020",
                              as_of="2020-10-19"), COLUMNS)  # fmt: skip
    assert running[f"course:{a}"] == (3, 5, 10, None, None, "진행 중 (응답 5명)")
    assert running[f"instructor:{p}"] == (2, 4, 8, None, None, "진행 중 (응답 4명)")
    assert all(row[4] is None for row in running.values())
    assert running["course:total"] == (0, None, None, None, None, None)
    # before any survey opened: no data
    early = table(await run(client, token, "survey-results", year="2020",
                            as_of="2020-10-04"), COLUMNS)  # fmt: skip
    assert early[f"course:{a}"] == (0, None, None, None, None, None)
    assert not any(k.startswith("instructor:") and k != "instructor:total" for k in early)

    # the CSV download says "in progress" and "no data" in words, never a 0 score
    response = await client.get("/api/v1/reports/survey-results",
                                params={"year": "2020", "format": "csv"},
                                headers=bearer(token))  # fmt: skip
    assert response.status == 200
    csv = (await response.text()).splitlines()
    in_progress = next(line for line in csv if line.startswith(f"course:{bb},"))
    assert "진행 중 (응답 1명)" in in_progress
    assert in_progress.split(",")[-3:] == ["자료 없음", "자료 없음", "진행 중 (응답 1명)"]
    trainee_token = await api_token(client, t[0].login)
    refused = await client.get("/api/v1/reports/survey-results", params={"year": "2020"},
                               headers=bearer(trainee_token))  # fmt: skip
    assert refused.status == 403
