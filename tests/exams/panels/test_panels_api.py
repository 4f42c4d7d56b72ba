"""Panels over HTTP: the pool, an assignment stored with its hash and spread, the same input
giving the same panels, infeasible pools answered with what is missing and nothing stored,
exam staff only, and every read of candidate data logged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server.core.audit import AuditEntry
from server.core.auth.roles import Role
from server.core.keys import DATABASE
from server.exams.panels.models import PanelAssignment
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller


async def make_pool(officer: Caller, each: int = 2) -> dict[str, int]:
    ids = {}
    for i in range(each):
        ids[f"e{i}"] = (
            await officer.post(
                "/exams/panels/members",
                {"name": f"전문가{i}", "kind": "outside_expert", "org_unit": f"대학{i}"},
                201,
            )
        )["id"]
        ids[f"r{i}"] = (
            await officer.post(
                "/exams/panels/members",
                {
                    "name": f"퇴직{i}",
                    "kind": "retired_official",
                    "org_unit": f"퇴직{i}",
                    "retired_on": "2025-02-28",
                },
                201,
            )
        )["id"]
        ids[f"s{i}"] = (await officer.post("/exams/panels/members", {
            "name": f"현직{i}", "kind": "serving_official", "org_unit": f"구청{i:02d}",
            "grade": 5, "job_series": "행정"}, 201))["id"]  # fmt: skip
    return ids


def request(slots: int, *, seed: int = 1, org: str = "시청") -> dict[str, Any]:
    return {"label": "2026 제2회 면접", "seed": seed, "slots": [
        {"ref": f"u1-{i}", "label": "행정 7급", "job_series": "행정",
         "starts_at": f"2026-12-07T{9 + i:02d}:00:00+09:00",
         "candidates": [{"ref": f"c{i}", "org_unit": org}]} for i in range(slots)]}  # fmt: skip


async def assignments_stored(client: AppClient) -> int:
    async with client.app[DATABASE].unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(PanelAssignment)) or 0)


async def test_an_assignment_fills_every_panel_and_reports_the_spread(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    ids = await make_pool(officer)
    made = await officer.post("/exams/panels/assignments", request(4), 201)
    assert len(made["panels"]) == 4
    for panel in made["panels"]:
        assert {panel["outside_expert_id"], panel["retired_official_id"],
                panel["serving_official_id"]} <= set(ids.values())  # fmt: skip
    assert (made["max_assignments"], made["min_assignments"]) == (2, 2)
    assert sorted(load["assignments"] for load in made["loads"]) == [2] * 6
    assert len(made["input_hash"]) == 64
    assert made["created_by"] == people[Role.EXAM_OFFICER].id
    again = await officer.get(f"/exams/panels/assignments/{made['id']}")
    assert again == made
    summary = await officer.get("/exams/panels/assignments")
    assert [(a["id"], a["max_assignments"]) for a in summary] == [(made["id"], 2)]
    async with client.app[DATABASE].unit_of_work() as session:
        audited = await session.scalar(select(AuditEntry).where(
            AuditEntry.entity == "exam_panel_assignments",
            AuditEntry.entity_id == str(made["id"])))  # fmt: skip
    assert audited is not None
    assert audited.actor_id == people[Role.EXAM_OFFICER].id


async def test_the_same_input_and_seed_give_the_same_panels_and_hash(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.ADMIN].login)
    await make_pool(officer, each=3)
    first = await officer.post("/exams/panels/assignments", request(5, seed=3), 201)
    second = await officer.post("/exams/panels/assignments", request(5, seed=3), 201)
    assert second["id"] != first["id"]
    assert (second["panels"], second["input_hash"]) == (first["panels"], first["input_hash"])
    other = await officer.post("/exams/panels/assignments", request(5, seed=4), 201)
    assert other["input_hash"] != first["input_hash"]  # the seed is part of the input


async def test_conflicts_are_excluded_through_the_api(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    ids = await make_pool(officer)
    body = request(1, org="구청00")  # s0's org unit
    body["slots"][0]["candidates"][0]["related_member_ids"] = [ids["e0"]]
    await officer.call("PUT", f"/exams/panels/members/{ids['r0']}", json={
        "name": "퇴직0", "kind": "retired_official", "org_unit": "퇴직0",
        "retired_on": "2025-02-28", "relations": ["c0"]})  # fmt: skip
    [panel] = (await officer.post("/exams/panels/assignments", body, 201))["panels"]
    assert (panel["outside_expert_id"], panel["retired_official_id"],
            panel["serving_official_id"]) == (ids["e1"], ids["r1"], ids["s1"])  # fmt: skip


async def test_an_infeasible_pool_names_what_is_missing_and_stores_nothing(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    ids = await make_pool(officer, each=1)
    await officer.call("PUT", f"/exams/panels/members/{ids['s0']}", json={
        "name": "현직0", "kind": "serving_official", "org_unit": "구청00", "grade": 4,
        "job_series": "세무"})  # fmt: skip
    body = request(1, org="대학0")
    body["slots"][0]["ref"] = "12"
    problem = await officer.post("/exams/panels/assignments", body, 422)
    assert problem["type"] == "/problems/panels-infeasible"
    assert problem["detail"] == (
        "slot 12 (행정 7급, 2026-12-07 09:00): no eligible outside expert: "
        "1 excluded for org-unit; "
        "slot 12 (행정 7급, 2026-12-07 09:00): no eligible serving official: "
        "1 excluded for job-series"
    )
    assert [(s["kind"], s["excluded"]) for s in problem["shortages"]] == [
        ("outside_expert", {"org_unit": 1}),
        ("serving_official", {"job_series": 1}),
    ]
    assert await assignments_stored(client) == 0


async def test_bad_members_are_refused(client: AppClient, people: dict[Role, Person]) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    for bad in (
        {"name": "x", "kind": "serving_official", "grade": 6, "job_series": "행정"},
        {"name": "x", "kind": "serving_official", "org_unit": "a", "grade": 5},
        {"name": "x", "kind": "retired_official", "org_unit": "a"},
        {"name": "x", "kind": "outside_expert", "retired_on": "2025-01-01"},
    ):
        problem = await officer.post("/exams/panels/members", bad, 422)
        assert problem["type"] == "/problems/validation-error"
    assert await officer.get("/exams/panels/members") == []


async def test_only_exam_staff_reach_panels_and_reads_are_logged(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    await make_pool(officer)
    made = await officer.post("/exams/panels/assignments", request(2), 201)
    for role in (Role.OPERATOR, Role.INSTRUCTOR, Role.TRAINEE):
        other = await Caller.of(client, people[role].login)
        await other.get(f"/exams/panels/assignments/{made['id']}", 403)
        await other.get("/exams/panels/members", 403)
        await other.post("/exams/panels/assignments", request(2), 403)
    admin = await Caller.of(client, people[Role.ADMIN].login)
    await admin.get(f"/exams/panels/assignments/{made['id']}")
    await officer.get("/exams/panels/members")
    reads = await officer.get("/exams/panels/reads")
    assert [(r["actor_id"], r["what"], r["ref"]) for r in reads] == [
        (people[Role.EXAM_OFFICER].id, "assignment", str(made["id"])),  # the run answered it
        (people[Role.ADMIN].id, "assignment", str(made["id"])),
        (people[Role.EXAM_OFFICER].id, "members", None),
    ]
