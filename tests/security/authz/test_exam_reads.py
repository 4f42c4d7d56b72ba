"""Exam data: every route that answers with candidate data leaves a read row naming who read
it (the audit log's ``read`` rows); a refused caller leaves none and
learns nothing. The routes are listed here, and the test fails when an exam route answers
with candidate fields without being listed (as a logged read, or as an echo of its input)."""

from __future__ import annotations

import typing
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from server.core.audit import AuditEntry
from server.core.auth.roles import Role
from server.core.http import Endpoint
from server.core.keys import DATABASE, ENDPOINTS
from tests.conftest import AppClient, bearer
from tests.lms.instructors.helpers import Caller
from tests.security.authz.conftest import EXPIRED, NOBODY, World

APPLICANTS = "exam_no,name,residence\nS-1,김의사,서울\nS-2,이의사,경기\n"
#: what a refused caller must not see in any answer
SECRETS = ("김의사", "이의사", "S-1", "S-2", "관계자")
#: candidate fields in a response model mark the route as an answer with candidate data
CANDIDATE_FIELDS = {"exam_no", "candidate_id", "candidates.exam_no", "panels.candidates",
                    "relations"}  # fmt: skip
#: routes whose candidate fields only echo what the exam officer just sent (not a read)
ECHOES = {
    "POST /exams/panels/members",
    "PUT /exams/panels/members/{member_id}",
    "PUT /exams/competency/rounds/{round_id}/scores",
}

#: reads that need a round with interview times and candidates who reached the interview;
#: tests/exams/panels/test_round_panels.py checks each leaves exactly one read row
ROUND_PANELS = {"POST /exams/rounds/{round_id}/panels", "GET /exams/rounds/{round_id}/panels"}


@dataclass(frozen=True)
class Read:
    method: str
    template: str
    log: str  # "audit": the audit log's action-read rows, the one read log of exam data
    body: dict[str, Any] | None = None


READS = [
    Read("GET", "/exams/units/{unit_id}/candidates", "audit"),
    Read("GET", "/exams/candidates/{candidate_id}", "audit"),
    Read("PATCH", "/exams/candidates/{candidate_id}", "audit", {}),
    Read("GET", "/exams/units/{unit_id}/pipeline", "audit"),
    Read("GET", "/exams/panels/members", "audit"),
    Read(
        "POST",
        "/exams/panels/assignments",
        "audit",
        {
            "label": "면접",
            "seed": 1,
            "slots": [
                {
                    "ref": "u1",
                    "label": "행정 7급",
                    "job_series": "행정",
                    "starts_at": "2026-12-07T09:00:00+09:00",
                    "candidates": [{"ref": "S-1", "org_unit": "시청"}],
                }
            ],
        },
    ),
    Read("GET", "/exams/panels/assignments/{assignment_id}", "audit"),
    Read("GET", "/exams/competency/rounds/{round_id}/results", "audit"),
]


def field_names(t: Any, seen: set[type] | None = None, prefix: str = "") -> set[str]:
    seen = set() if seen is None else seen
    out: set[str] = set()
    for arg in typing.get_args(t):
        out |= field_names(arg, seen, prefix)
    if isinstance(t, type) and issubclass(t, BaseModel) and t not in seen:
        seen.add(t)
        for name, f in t.model_fields.items():
            out.add(prefix + name)
            out |= field_names(f.annotation, seen, f"{prefix}{name}.")
    return out


async def read_rows(client: AppClient) -> list[tuple[str, int | None]]:
    async with client.app[DATABASE].unit_of_work() as session:
        audit = await session.execute(
            select(AuditEntry.id, AuditEntry.actor_id).where(AuditEntry.action == "read")
        )
        return [("audit", r.actor_id) for r in audit]


async def exam_world(client: AppClient, world: World) -> dict[str, int]:
    officer = await Caller.of(client, world.people[Role.EXAM_OFFICER].login)
    r = await officer.post("/exams/rounds", {"year": 2021, "number": 1, "kind": "specialist",
                                             "name": "2021 전문경력관"})  # fmt: skip
    unit = await officer.post(f"/exams/rounds/{r['id']}/units", {
        "code": "doctor", "job_series": "의무", "grade": "전문경력관", "planned": 1})  # fmt: skip
    await officer.post(f"/exams/units/{unit['id']}/candidates/import", {"csv": APPLICANTS})
    [first, _] = await officer.get(f"/exams/units/{unit['id']}/candidates")
    for kind, extra in (("outside_expert", {}), ("retired_official", {"retired_on": "2025-02-28"}),
                        ("serving_official", {"grade": 5, "job_series": "행정"})):  # fmt: skip
        await officer.post("/exams/panels/members", {
            "name": f"{kind} 관계자", "kind": kind, "org_unit": kind, **extra})  # fmt: skip
    assignment = await officer.post("/exams/panels/assignments", READS[5].body)
    rnd = await officer.post("/exams/competency/rounds", {
        "name": "2020 5급 역량평가", "grade": 5, "held_on": "2020-10-20",
        "prep_cohort_id": world.klass.cohort_id})  # fmt: skip
    await officer.post(f"/exams/competency/rounds/{rnd['id']}/candidates",
                       {"user_id": world.other_trainee.id})  # fmt: skip
    return {"unit_id": unit["id"], "candidate_id": first["id"],
            "assignment_id": assignment["id"], "round_id": rnd["id"]}  # fmt: skip


async def test_every_route_with_candidate_data_is_a_logged_read(client: AppClient) -> None:
    endpoints: list[Endpoint] = client.app[ENDPOINTS]
    answering = {
        f"{ep.method} {ep.path}"
        for ep in endpoints
        if ep.path.startswith("/exams") and field_names(ep.response) & CANDIDATE_FIELDS
    }
    listed = {f"{r.method} {r.template}" for r in READS}
    assert answering - ECHOES == listed | ROUND_PANELS
    assert answering >= ECHOES


async def test_each_read_leaves_one_row_naming_the_reader_and_refusals_leave_none(
    client: AppClient, world: World
) -> None:
    ids = await exam_world(client, world)
    officer = world.people[Role.EXAM_OFFICER]
    refused = [Role.OPERATOR.value, Role.INSTRUCTOR.value, Role.TRAINEE.value, NOBODY, EXPIRED]
    for read in READS:
        path = "/api/v1" + read.template.format(**ids)
        for who in refused:
            before = await read_rows(client)
            token = world.tokens[who]
            response = await client.request(
                read.method, path, json=read.body, headers=bearer(token) if token else {}
            )
            text = await response.text()
            assert response.status == (403 if token and who != EXPIRED else 401), (path, who)
            assert not [s for s in SECRETS if s in text], (path, who, text)
            assert await read_rows(client) == before, (path, who)
        before = await read_rows(client)
        response = await client.request(
            read.method, path, json=read.body, headers=bearer(world.tokens[Role.EXAM_OFFICER])
        )
        assert response.status in (200, 201), (path, await response.text())
        after = Counter(await read_rows(client))
        assert after - Counter(before) == Counter({(read.log, officer.id): 1}), path
        assert after.total() == len(before) + 1, path
