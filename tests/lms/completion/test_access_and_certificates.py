"""Who sees which results (trainees themselves; instructors their cohorts; operators and admins
all), and certificates: a PDF for a completed trainee with a code anyone can verify."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from PIL import PdfParser
from sqlalchemy import func, select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.completion.models import Certificate
from tests.conftest import AppClient, Person, add_person
from tests.lms.completion.records import Api, CohortFixture, attend, make_cohort

T0 = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)


async def setup(client: AppClient, clock: ManualClock) -> tuple[dict[str, Person], CohortFixture]:
    names = {"kim": (Role.TRAINEE, "김민지"), "lee": (Role.TRAINEE, "이서준"),
             "park": (Role.INSTRUCTOR, "박강사"), "jung": (Role.INSTRUCTOR, "정강사"),
             "han": (Role.ASSISTANT, "한보조"), "cap": (Role.CAPTIONER, "속기사"),
             "ops": (Role.OPERATOR, "오운영"), "admin": (Role.ADMIN, "관리자")}  # fmt: skip
    who = {k: await add_person(client.app, k, [r], clock, name=n) for k, (r, n) in names.items()}
    cohort = await make_cohort(client.app, clock, trainees=[who["kim"].id, who["lee"].id],
                               instructor=who["park"].id,
                               windows=[(T0, T0 + timedelta(hours=1))])  # fmt: skip
    await attend(client.app, cohort.sessions[0], ("join", T0, who["kim"].id, "pc"),
                 ("leave", T0 + timedelta(hours=1), who["kim"].id, "pc"))  # fmt: skip
    # jung teaches another cohort of another course
    await make_cohort(client.app, clock, trainees=[who["lee"].id], instructor=who["jung"].id,
                      windows=[(T0, T0 + timedelta(hours=1))])  # fmt: skip
    ops = await Api.of(client, who["ops"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80%"}, 201)  # fmt: skip
    clock.set(T0 + timedelta(days=1))
    return who, cohort


async def test_each_role_sees_what_it_may(client: AppClient, clock: ManualClock) -> None:
    who, cohort = await setup(client, clock)
    kim, lee = who["kim"].id, who["lee"].id
    api = {k: await Api.of(client, p) for k, p in who.items()}
    results = f"/cohorts/{cohort.cohort_id}/completion"
    rules = f"/courses/{cohort.course_id}/completion-rules"
    corrections = f"/cohorts/{cohort.cohort_id}/completion-corrections"
    override = {"user_id": lee, "kind": "override", "outcome": "completed", "reason": "r"}
    for name in ("admin", "ops", "park"):  # staff, and the cohort's own instructor
        whole = await api[name].call("GET", results)
        assert [r["user_id"] for r in whole["results"]] == [kim, lee]
        assert (await api[name].call("GET", f"{results}/{lee}"))["user_id"] == lee
        assert len(await api[name].call("GET", rules)) == 1
        await api[name].call("GET", corrections)
    for name in ("jung", "han", "cap", "kim", "lee"):  # not this cohort's staff
        assert (await api[name].call("GET", results, status=403))["type"] == "/problems/forbidden"
        await api[name].call("GET", rules, status=403)
        await api[name].call("GET", corrections, status=403)
        await api[name].call("POST", corrections, override, 403)
    for name in ("park", "jung", "han", "cap", "kim"):
        await api[name].call("POST", rules, {"min_presence_pct": 1, "reason": "x"}, 403)
    # a trainee sees their own result, and no one else's
    own = await api["kim"].call("GET", f"{results}/{kim}")
    assert own["explanation_en"] == "present 60 of 60 min (100%) ✓; completed"
    await api["kim"].call("GET", f"{results}/{lee}", status=403)
    await api["jung"].call("GET", f"{results}/{kim}", status=403)
    # someone not in the cohort has no result in it
    assert (await api["ops"].call("GET", f"{results}/{who['han'].id}", status=404))["type"] == (
        "/problems/not-found")  # fmt: skip
    assert (await api["park"].call("GET", corrections)) == []


async def test_a_completed_trainee_gets_a_pdf_whose_code_anyone_can_verify(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    kim, lee = who["kim"].id, who["lee"].id
    kim_api, lee_api = await Api.of(client, who["kim"]), await Api.of(client, who["lee"])
    ops = await Api.of(client, who["ops"])
    path = f"/cohorts/{cohort.cohort_id}/completion"
    problem = await kim_api.call("GET", f"{path}/{kim}/certificate", status=409)
    assert problem["type"] == "/problems/not-completed"  # not finalised yet
    await ops.call("POST", f"{path}/finalise")

    pdf = await kim_api.call("GET", f"{path}/{kim}/certificate")
    assert pdf.startswith(b"%PDF-")
    doc = PdfParser.PdfParser(buf=pdf)
    assert len(doc.pages) == 1
    title = PdfParser.decode_text(doc.info[b"Title"])
    subject = PdfParser.decode_text(doc.info[b"Subject"])
    code = title.removeprefix("수료증 Certificate ")
    assert len(code.replace("-", "")) == 24
    assert subject == "김민지 / 핵심가치 공유 과정 / 1기"
    again = await ops.call("GET", f"{path}/{kim}/certificate")  # staff may print it too
    assert PdfParser.decode_text(PdfParser.PdfParser(buf=again).info[b"Title"]) == title

    await lee_api.call("GET", f"{path}/{kim}/certificate", status=403)
    refused = await lee_api.call("GET", f"{path}/{lee}/certificate", status=409)
    assert refused["type"] == "/problems/not-completed"

    anyone = await client.get(f"/api/v1/certificates/{code.lower().replace('-', '')}")
    assert anyone.status == 200
    facts = await anyone.json()
    assert facts["code"] == code
    assert facts["name"] == "김민지"
    assert facts["course_title"] == "핵심가치 공유 과정"
    assert facts["cohort_name"] == "1기"
    assert facts["completed_at"] == "2020-10-06T01:00:00Z"
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    missing = await client.get(f"/api/v1/certificates/{wrong}")
    assert missing.status == 404
    assert (await missing.json())["type"] == "/problems/not-found"

    # finalised again as not completed (an override): the code no longer verifies
    await ops.call("POST", f"/cohorts/{cohort.cohort_id}/completion-corrections", {
        "user_id": kim, "kind": "override", "outcome": "not_completed",
        "reason": "부정 수강 확인"}, 201)  # fmt: skip
    await ops.call("POST", f"{path}/finalise")
    assert (await client.get(f"/api/v1/certificates/{code}")).status == 404


async def test_two_first_requests_at_once_issue_one_certificate(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    kim = who["kim"].id
    ops = await Api.of(client, who["ops"])
    path = f"/cohorts/{cohort.cohort_id}/completion"
    await ops.call("POST", f"{path}/finalise")
    kim_api = await Api.of(client, who["kim"])
    pdfs = await asyncio.gather(*(kim_api.call("GET", f"{path}/{kim}/certificate")
                                  for _ in range(2)))  # fmt: skip
    titles = {PdfParser.decode_text(PdfParser.PdfParser(buf=pdf).info[b"Title"]) for pdf in pdfs}
    assert len(titles) == 1
    async with client.app[DATABASE].unit_of_work() as session:
        assert await session.scalar(select(func.count(Certificate.id))) == 1
