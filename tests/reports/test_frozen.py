"""Frozen reports: stored with their hash and never changed; a diff against a later run names
exactly the rows and cells that changed and the record behind them (from the audit log)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from server.core.auth.roles import Role
from server.core.keys import CLOCK, DATABASE
from server.lms import service as lms
from server.lms.models import PlanVersion
from server.reports.models import FrozenReport, FrozenReportImmutable
from tests.conftest import AppClient, Person, api_token, bearer
from tests.reports import catalog

PARAMS = {"year": 2020, "as_of": "2020-09-30"}


async def freeze(client: AppClient, token: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/reports/plan-vs-actual/freeze", json=PARAMS, headers=bearer(token)
    )
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def get(client: AppClient, token: str, path: str) -> Any:
    response = await client.get(path, headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_freeze_keeps_content_parameters_author_and_hash(
    client: AppClient, people: dict[Role, Person]
) -> None:
    await catalog.build(client.app, [p.id for p in people.values()])
    token = await api_token(client, people[Role.OPERATOR].login)
    frozen = await freeze(client, token)
    live = await get(client, token, "/api/v1/reports/plan-vs-actual?year=2020&as_of=2020-09-30")
    assert frozen["content"] == live
    assert frozen["author_id"] == people[Role.OPERATOR].id
    assert frozen["parameters"] == PARAMS
    assert frozen["as_of"] == "2020-09-30"
    assert frozen["content_intact"] is True
    canonical = json.dumps(live, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert frozen["content_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()

    again = await get(client, token, f"/api/v1/frozen-reports/{frozen['id']}")
    assert again == frozen
    listed = await get(client, token, "/api/v1/frozen-reports?name=plan-vs-actual")
    assert [item["id"] for item in listed["items"]] == [frozen["id"]]

    unchanged = await get(client, token, f"/api/v1/frozen-reports/{frozen['id']}/diff")
    assert unchanged["identical"] is True
    assert unchanged["rows_changed"] == []
    assert unchanged["changed_records"] == []


async def test_the_diff_names_the_changed_plan_and_exactly_its_cells(
    client: AppClient, people: dict[Role, Person]
) -> None:
    built = await catalog.build(client.app, [p.id for p in people.values()])
    token = await api_token(client, people[Role.OPERATOR].login)
    frozen = await freeze(client, token)

    admin = people[Role.ADMIN].id
    async with client.app[DATABASE].unit_of_work(actor_id=admin) as session:
        await lms.revise_plan(session, built.c1, PlanVersion.REVISED, offered=True, runs=2,
                              people=50, reason="교육장 사정으로 인원 축소", author_id=admin,
                              at=client.app[CLOCK].now())  # fmt: skip

    diff = await get(client, token, f"/api/v1/frozen-reports/{frozen['id']}/diff")
    assert diff["identical"] is False
    assert diff["rows_added"] == []
    assert diff["rows_removed"] == []
    changed = {row["key"]: {c["column"]: (c["old"], c["new"]) for c in row["cells"]}
               for row in diff["rows_changed"]}  # fmt: skip
    # C1 feeds its sub-area row, its area and track subtotals, the total and its mode row
    assert changed == {
        "all": {"people_revised": (130, 120), "rate": (6.9, 7.5)},  # 9/120 = 7.5
        "classroom": {"people_revised": (80, 70), "rate": (6.3, 7.1)},  # 5/70 = 7.14
        "classroom/basic": {"people_revised": (60, 50), "rate": (8.3, 10.0)},
        "classroom/basic/core_values": {"people_revised": (60, 50), "rate": (8.3, 10.0)},
        "mode/live_remote": {"people_revised": (60, 50), "rate": (8.3, 10.0)},
    }
    assert diff["changed_records_total"] == 1
    [record] = diff["changed_records"]
    assert (record["entity"], record["entity_id"], record["action"]) == (
        "course_plans", str(built.c1_revised_plan), "update",
    )  # fmt: skip
    assert record["actor_id"] == admin
    assert record["before"] == {"people": 60}
    assert record["after"] == {"people": 50}
    assert "C1" in record["label"]
    assert "revised" in record["label"]
    assert "classroom/basic/core_values" in record["row_keys"]

    # the frozen copy itself did not move
    kept = await get(client, token, f"/api/v1/frozen-reports/{frozen['id']}")
    assert kept["content"] == frozen["content"]
    assert kept["content_sha256"] == frozen["content_sha256"]
    assert kept["content_intact"] is True


async def test_a_completion_recorded_after_the_freeze_is_explained(
    client: AppClient, people: dict[Role, Person]
) -> None:
    built = await catalog.build(client.app, [p.id for p in people.values()])
    token = await api_token(client, people[Role.OPERATOR].login)
    frozen = await freeze(client, token)
    async with client.app[DATABASE].unit_of_work(actor_id=None) as session:
        enrolments = await lms.enrolments_of(session, people[Role.CAPTIONER].id)  # the 5th
        approved = next(e for e in enrolments if e.status == "approved")
        await lms.record_completion(session, approved.id, catalog.seoul(2020, 9, 1, 18))
    diff = await get(client, token, f"/api/v1/frozen-reports/{frozen['id']}/diff")
    changed = {row["key"]: {c["column"]: (c["old"], c["new"]) for c in row["cells"]}
               for row in diff["rows_changed"]}  # fmt: skip
    assert changed["classroom/basic/core_values"] == {"actual_people": (5, 6), "rate": (8.3, 10.0)}
    [record] = diff["changed_records"]
    assert (record["entity"], record["entity_id"]) == ("enrolments", str(approved.id))
    assert record["after"]["status"] == "completed"
    assert "C1" in record["label"]
    assert built.c1_cohort1 == approved.cohort_id


async def test_frozen_reports_can_never_be_changed_or_removed(
    client: AppClient, people: dict[Role, Person]
) -> None:
    await catalog.build(client.app, [p.id for p in people.values()])
    token = await api_token(client, people[Role.ADMIN].login)
    frozen = await freeze(client, token)
    fid = frozen["id"]
    for method in ("PUT", "PATCH", "DELETE"):
        response = await client.request(method, f"/api/v1/frozen-reports/{fid}",
                                         json={}, headers=bearer(token))  # fmt: skip
        assert response.status == 405

    db = client.app[DATABASE]

    async def edit() -> None:
        async with db.unit_of_work(actor_id=None) as session:
            row = await session.get(FrozenReport, fid)
            assert row is not None
            row.content = "{}"

    async def remove() -> None:
        async with db.unit_of_work(actor_id=None) as session:
            await session.delete(await session.get(FrozenReport, fid))

    with pytest.raises(FrozenReportImmutable):  # through the ORM: an edit
        await edit()
    with pytest.raises(FrozenReportImmutable):  # through the ORM: a removal
        await remove()
    with pytest.raises(FrozenReportImmutable):  # an UPDATE statement through a session
        async with db.unit_of_work(actor_id=None) as session:
            await session.execute(update(FrozenReport).values(content_sha256="0" * 64))
    with pytest.raises(FrozenReportImmutable):
        async with db.unit_of_work(actor_id=None) as session:
            await session.execute(delete(FrozenReport))
    for sql in (  # below the ORM, the database's own triggers refuse
        "UPDATE frozen_reports SET content = '{}'",
        "DELETE FROM frozen_reports",
    ):
        with pytest.raises(DBAPIError, match="frozen reports never change"):
            async with db.engine.begin() as conn:
                await conn.execute(text(sql))

    async with db.unit_of_work(actor_id=None) as session:
        kept = (await session.scalars(select(FrozenReport))).one()
        assert kept.content_sha256 == frozen["content_sha256"]
    again = await get(client, token, f"/api/v1/frozen-reports/{fid}")
    assert again["content"] == frozen["content"]
    assert again["content_intact"] is True


async def test_freezing_is_for_staff_and_for_known_reports(
    client: AppClient, people: dict[Role, Person]
) -> None:
    trainee = await api_token(client, people[Role.TRAINEE].login)
    response = await client.post("/api/v1/reports/plan-vs-actual/freeze", json=PARAMS,
                                 headers=bearer(trainee))  # fmt: skip
    assert response.status == 403
    operator = await api_token(client, people[Role.OPERATOR].login)
    response = await client.post("/api/v1/reports/nothing/freeze", json=PARAMS,
                                 headers=bearer(operator))  # fmt: skip
    assert response.status == 404
    missing = await client.get("/api/v1/frozen-reports/999/diff", headers=bearer(operator))
    assert missing.status == 404
