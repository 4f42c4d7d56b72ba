"""Panels wired to exam rounds: candidates carry their org unit (CSV import with or without the
column), a round's interview slots are built from its units' interview times and the candidates
going to interview, the assignment is stored with the round and listed for it, units without an
interview time or a round with nobody to interview are refused by name, and every answer that
names candidates leaves exactly one row in the one exam read log (the audit log)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text

from server.core import migrate
from server.core.audit import AuditEntry
from server.core.auth.roles import Role
from server.core.db import Database
from server.core.keys import DATABASE
from server.exams.panels.models import PanelAssignment
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller

WITHOUT = "exam_no,name,residence,sat,written\nA-1,김민지,서울,Y,Y\nA-2,이서준,경기,Y,N\n"
WITH = (
    "exam_no,name,residence,org_unit,sat,written\n"
    "B-1,박지우,서울,마포구청,Y,Y\nB-2,최하은,서울,,Y,Y\nB-3,정도윤,부산,종로구청,Y,Y\n"
)
POOL: list[dict[str, Any]] = [
    {"name": "전문가", "kind": "outside_expert", "org_unit": "대학"},
    {"name": "퇴직자", "kind": "retired_official", "org_unit": "마포구청",
     "retired_on": "2020-06-30"},
    {"name": "퇴직자2", "kind": "retired_official", "org_unit": "중구청",
     "retired_on": "2020-06-30"},
    {"name": "현직", "kind": "serving_official", "org_unit": "본청", "grade": 5,
     "job_series": "일반행정"},
]  # fmt: skip


async def open_round(officer: Caller, *, codes: tuple[str, ...] = ("adm", "tax")) -> dict[str, Any]:
    """A 2021 open round whose units have candidates imported with and without org units."""
    r = await officer.post("/exams/rounds", {
        "year": 2021, "number": 1, "kind": "open", "name": "2021 제1회",
        "held_on": "2021-06-12"})  # fmt: skip
    units = {}
    for code, csv in zip(codes, (WITH, WITHOUT), strict=False):
        unit = await officer.post(f"/exams/rounds/{r['id']}/units", {
            "code": code, "job_series": "일반행정", "grade": "9급", "planned": 2})  # fmt: skip
        await officer.post(f"/exams/units/{unit['id']}/candidates/import", {"csv": csv})
        units[code] = unit["id"]
    return {"id": r["id"], "units": units}


async def interview_at(officer: Caller, unit_id: int, hour: int) -> None:
    await officer.call("POST", f"/exams/units/{unit_id}/stages", json={
        "stage": "interview", "starts_at": f"2021-08-02T{hour:02d}:00:00+09:00",
        "ends_at": f"2021-08-02T{hour + 3:02d}:00:00+09:00"})  # fmt: skip


async def reads(client: AppClient) -> list[tuple[int | None, str, dict[str, Any] | None]]:
    async with client.app[DATABASE].unit_of_work() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "read").order_by(AuditEntry.id)
        )
        return [(r.actor_id, r.entity_id, r.after) for r in rows]


async def test_an_open_round_gets_panels_from_its_interview_times_and_org_units(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    r = await open_round(officer)
    # the import took the org unit column, or left it unknown without one
    with_column = await officer.get(f"/exams/units/{r['units']['adm']}/candidates")
    assert [(c["exam_no"], c["org_unit"]) for c in with_column] == [
        ("B-1", "마포구청"), ("B-2", None), ("B-3", "종로구청")]  # fmt: skip
    without = await officer.get(f"/exams/units/{r['units']['tax']}/candidates")
    assert [(c["exam_no"], c["org_unit"]) for c in without] == [("A-1", None), ("A-2", None)]
    one = await officer.get(f"/exams/candidates/{with_column[0]['id']}")
    assert one["org_unit"] == "마포구청"
    too_long = "exam_no,name,residence,org_unit\nC-1,김,서울," + "가" * 101 + "\n"
    problem = await officer.post(f"/exams/units/{r['units']['tax']}/candidates/import",
                                 {"csv": too_long}, 422)  # fmt: skip
    assert [(e["row"], e["field"]) for e in problem["rows"]] == [(2, "org_unit")]

    for member in POOL:
        await officer.post("/exams/panels/members", member)
    body = {"label": "2021 제1회 면접", "seed": 2, "candidates_per_slot": 2, "slot_minutes": 20}
    # nobody is scheduled yet: the units with people going to interview are named
    problem = await officer.post(f"/exams/rounds/{r['id']}/panels", body, 422)
    assert problem["type"] == "/problems/interview-unscheduled"
    assert problem["units"] == ["adm", "tax"]
    assert "adm, tax" in problem["detail"]
    await interview_at(officer, r["units"]["adm"], 9)
    problem = await officer.post(f"/exams/rounds/{r['id']}/panels", body, 422)
    assert problem["units"] == ["tax"]
    await interview_at(officer, r["units"]["tax"], 14)
    made = await officer.post(f"/exams/rounds/{r['id']}/panels", body, 201)
    assert made["round_id"] == r["id"]
    # written passes only (A-2 failed), in exam-number order, two to a slot, 20 minutes apart
    slots = [(p["slot_ref"], p["label"], p["starts_at"], p["candidates"]) for p in made["panels"]]
    assert slots == [
        ("adm-1", "일반행정 9급", "2021-08-02T09:00:00+09:00", ["B-1", "B-2"]),
        ("adm-2", "일반행정 9급", "2021-08-02T09:20:00+09:00", ["B-3"]),
        ("tax-1", "일반행정 9급", "2021-08-02T14:00:00+09:00", ["A-1"]),
    ]  # fmt: skip
    members = {m["name"]: m["id"] for m in await officer.get("/exams/panels/members")}
    # 퇴직자 serves in 마포구청 like B-1: never on adm-1
    retired = {p["slot_ref"]: p["retired_official_id"] for p in made["panels"]}
    assert retired["adm-1"] == members["퇴직자2"]
    listed = await officer.get(f"/exams/rounds/{r['id']}/panels")
    assert listed == [made]
    again = await officer.post(f"/exams/rounds/{r['id']}/panels", body, 201)
    assert (again["panels"], again["input_hash"]) == (made["panels"], made["input_hash"])
    assert [a["id"] for a in await officer.get(f"/exams/rounds/{r['id']}/panels")] == [
        made["id"], again["id"]]  # fmt: skip
    await officer.get("/exams/rounds/999999/panels", 404)
    await officer.post("/exams/rounds/999999/panels", body, 404)

    # another round: no units, then nobody passed, then a pool that cannot judge 세무
    other = await officer.post("/exams/rounds", {"year": 2021, "number": 2, "kind": "open",
                                                 "name": "2021 제2회"})  # fmt: skip
    problem = await officer.post(f"/exams/rounds/{other['id']}/panels", body, 422)
    assert (problem["type"], problem["units"]) == ("/problems/nobody-to-interview", [])
    unit = await officer.post(f"/exams/rounds/{other['id']}/units", {
        "code": "tax", "job_series": "세무", "grade": "9급", "planned": 1})  # fmt: skip
    failed = "exam_no,name,residence,sat,written\nT-1,김,서울,Y,N\n"
    await officer.post(f"/exams/units/{unit['id']}/candidates/import", {"csv": failed})
    problem = await officer.post(f"/exams/rounds/{other['id']}/panels", body, 422)
    assert (problem["type"], problem["units"]) == ("/problems/nobody-to-interview", ["tax"])
    [person] = await officer.get(f"/exams/units/{unit['id']}/candidates")
    await officer.patch(f"/exams/candidates/{person['id']}", {"written_passed": True})
    await interview_at(officer, unit["id"], 9)
    problem = await officer.post(f"/exams/rounds/{other['id']}/panels", body, 422)
    assert problem["type"] == "/problems/panels-infeasible"
    assert problem["detail"] == ("slot tax-1 (세무 9급, 2021-08-02 09:00): no eligible serving "
                                 "official: 1 excluded for job-series")  # fmt: skip
    # nothing stored for it; typed slots and other rounds' assignments stay apart
    assert await officer.get(f"/exams/rounds/{other['id']}/panels") == []
    async with client.app[DATABASE].unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(PanelAssignment)) == 2


async def test_every_answer_naming_candidates_leaves_one_read_row(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    admin = await Caller.of(client, people[Role.ADMIN].login)
    r = await open_round(officer, codes=("adm",))
    unit = r["units"]["adm"]
    await interview_at(officer, unit, 9)
    for member in POOL:
        await officer.post("/exams/panels/members", member)
    first = await officer.get(f"/exams/units/{unit}/candidates")
    cid = first[0]["id"]
    made = await officer.post(f"/exams/rounds/{r['id']}/panels", {"label": "x"})
    before = len(await reads(client))
    officer_id, admin_id = people[Role.EXAM_OFFICER].id, people[Role.ADMIN].id
    related = {**POOL[0], "relations": ["B-1", "B-2"]}
    routes: list[tuple[Caller, str, str, Any, int, str, int | None]] = [
        (admin, "GET", f"/exams/units/{unit}/candidates", None, 200, f"unit:{unit}", 3),
        (admin, "GET", f"/exams/candidates/{cid}", None, 200, f"candidate:{cid}", 1),
        (admin, "PATCH", f"/exams/candidates/{cid}", {"interviewed": True}, 200,
         f"candidate:{cid}", 1),
        (officer, "GET", "/exams/panels/members", None, 200, "members", 0),
        (officer, "POST", "/exams/panels/members", related, 201, "member:?", 2),
        (admin, "GET", f"/exams/panels/assignments/{made['id']}", None, 200,
         f"assignment:{made['id']}", 3),
        (admin, "POST", f"/exams/rounds/{r['id']}/panels", {"label": "y"}, 201,
         "assignment:?", 3),
        (officer, "GET", f"/exams/rounds/{r['id']}/panels", None, 200,
         f"round-panels:{r['id']}", 3),
        (officer, "POST", "/exams/panels/assignments", {"label": "z", "slots": [
            {"ref": "s", "label": "행정", "job_series": "일반행정",
             "starts_at": "2021-08-03T09:00:00+09:00", "candidates": [{"ref": "Q-1"}]}]},
         201, "assignment:?", 1),
    ]  # fmt: skip
    for caller, method, path, body, status, what, count in routes:
        answer = await caller.call(method, path, status, json=body)
        if "?" in what:
            what = what.replace("?", str(answer["id"]))
        rows = (await reads(client))[before:]
        actor = admin_id if caller is admin else officer_id
        assert rows == [(actor, what, {"count": count})], (method, path)
        before += 1
    # the one read log answers at both paths, newest last
    listed = await officer.get("/exams/reads")
    assert listed == await officer.get("/exams/panels/reads")
    assert (listed[-1]["actor_id"], listed[-1]["what"], listed[-1]["count"]) == (
        officer_id, "assignment", 1)  # fmt: skip
    for role in (Role.OPERATOR, Role.INSTRUCTOR, Role.TRAINEE):
        other = await Caller.of(client, people[role].login)
        await other.get("/exams/reads", 403)
        await other.get(f"/exams/rounds/{r['id']}/panels", 403)
        await other.post(f"/exams/rounds/{r['id']}/panels", {"label": "x"}, 403)
    assert len(await reads(client)) == before  # refused: nothing read, nothing logged


async def test_the_migration_moves_panel_reads_into_the_audit_log_and_back(
    empty_db: Database,
) -> None:
    at = datetime(2020, 10, 5, tzinfo=UTC)
    try:
        await migrate.upgrade(empty_db.engine, "0021")
        async with empty_db.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO exam_panel_reads (at, actor_id, what, ref) VALUES "
                "(:at, NULL, 'members', NULL), (:at, NULL, 'assignment', '7')"),
                {"at": at})  # fmt: skip
            await conn.execute(text(
                "INSERT INTO audit_log (at, action, entity, entity_id) VALUES "
                "(:at, 'read', 'exam_candidates', 'unit:3')"), {"at": at})  # fmt: skip
        await migrate.upgrade(empty_db.engine, "0022")
        async with empty_db.engine.connect() as conn:
            moved = (await conn.execute(text(
                "SELECT entity_id, action, entity FROM audit_log ORDER BY id"))).all()  # fmt: skip
            tables = await conn.run_sync(lambda c: set(inspect_tables(c)))
        assert [tuple(r) for r in moved] == [
            ("unit:3", "read", "exam_candidates"), ("members", "read", "exam_candidates"),
            ("assignment:7", "read", "exam_candidates")]  # fmt: skip
        assert "exam_panel_reads" not in tables
        await migrate.downgrade(empty_db.engine, "0021")
        async with empty_db.engine.connect() as conn:
            back = (await conn.execute(text(
                "SELECT what, ref FROM exam_panel_reads ORDER BY id"))).all()  # fmt: skip
            left = (await conn.execute(text("SELECT entity_id FROM audit_log"))).all()
        assert [tuple(r) for r in back] == [("members", None), ("assignment", "7")]
        assert [tuple(r) for r in left] == [("unit:3",)]
    finally:
        await empty_db.close()


def inspect_tables(conn: Any) -> list[str]:
    from sqlalchemy import inspect

    return list(inspect(conn).get_table_names())
