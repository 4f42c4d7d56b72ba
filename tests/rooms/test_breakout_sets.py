"""Preparing breakout groups over HTTP: sets for a cohort (reused by its sessions) or one
session, placed by hand, at random, balanced by an attribute, from a spreadsheet, or by the
trainees' own choice; bad input changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.factories import ClassFixture, make_class

UNITS = ["인사과", "인사과", "인사과", "재무과", "재무과", "재무과", "정보과", "정보과"]


@dataclass
class Setting:
    client: AppClient
    klass: ClassFixture
    trainees: list[Person]
    unit_of: dict[int, str]
    park: str  # the instructor's API token
    outsider: Person

    async def call(self, method: str, path: str, body: Any = None, token: str | None = None,
                   status: int = 200) -> Any:  # fmt: skip
        response = await self.client.request(
            method, f"/api/v1{path}", json=body, headers=bearer(token or self.park)
        )
        assert response.status == status, await response.text()
        return None if status == 204 else await response.json()


@pytest.fixture
async def setting(client: AppClient, clock: ManualClock) -> Setting:
    trainees = [
        await add_person(
            client.app, f"trainee{n}", [Role.TRAINEE], clock, name=f"교육생{n}", org_unit=unit
        )
        for n, unit in enumerate(UNITS)
    ]
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    outsider = await add_person(client.app, "outsider", [Role.TRAINEE], clock)
    klass = await make_class(client.app, clock, trainees=[t.id for t in trainees],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    unit_of = {t.id: unit for t, unit in zip(trainees, UNITS, strict=True)}
    return Setting(client, klass, trainees, unit_of, await api_token(client, "park"), outsider)


def sizes(group_set: dict[str, Any]) -> list[int]:
    return [len(g["members"]) for g in group_set["groups"]]


async def test_a_session_set_placed_by_hand(setting: Setting) -> None:
    s = setting
    made = await s.call("POST", f"/class-sessions/{s.klass.class_session_id}/breakout-sets",
                        {"name": "토의", "groups": 3}, status=201)  # fmt: skip
    assert [g["name"] for g in made["groups"]] == ["1조", "2조", "3조"]
    assert sorted(made["unassigned"]) == sorted(t.id for t in s.trainees)
    first, second = made["groups"][0]["id"], made["groups"][1]["id"]
    a, b = s.trainees[0].id, s.trainees[1].id
    placed = await s.call("PUT", f"/breakout-sets/{made['id']}/members", {"assignments": [
        {"user_id": a, "group_id": first}, {"user_id": b, "group_id": second}]})  # fmt: skip
    assert placed["groups"][0]["members"] == [a]
    assert placed["groups"][1]["members"] == [b]
    moved = await s.call("PUT", f"/breakout-sets/{made['id']}/members", {"assignments": [
        {"user_id": a, "group_id": second}, {"user_id": b, "group_id": None}]})  # fmt: skip
    assert moved["groups"][1]["members"] == [a]
    assert b in moved["unassigned"]
    # an outsider or another set's group: refused, and nothing changes
    refused = await s.client.put(
        f"/api/v1/breakout-sets/{made['id']}/members", headers=bearer(s.park),
        json={"assignments": [{"user_id": b, "group_id": first},
                              {"user_id": s.outsider.id, "group_id": first},
                              {"user_id": a, "group_id": 999_999}]},
    )  # fmt: skip
    assert refused.status == 422
    assert [e["loc"] for e in (await refused.json())["errors"]] == [
        ["assignments", 1], ["assignments", 2]]  # fmt: skip
    assert await s.call("GET", f"/breakout-sets/{made['id']}") == moved


async def test_random_and_balanced_fills(setting: Setting) -> None:
    s = setting
    made = await s.call("POST", f"/class-sessions/{s.klass.class_session_id}/breakout-sets",
                        {"name": "분임", "groups": ["가", "나", "다"]}, status=201)  # fmt: skip
    path = f"/breakout-sets/{made['id']}/fill"
    first = await s.call("POST", path, {"mode": "random", "seed": 7})
    assert sorted(sizes(first["set"])) == [2, 3, 3]
    assert first["set"]["unassigned"] == []
    again = await s.call("POST", path, {"mode": "random", "seed": first["seed"]})
    assert again["set"] == first["set"]  # the same seed, the same groups

    spread = (await s.call("POST", path, {"mode": "balanced", "attribute": "org_unit"}))["set"]
    for unit in set(UNITS):
        per_group = [sum(s.unit_of[u] == unit for u in g["members"]) for g in spread["groups"]]
        assert max(per_group) - min(per_group) <= 1, (unit, per_group)

    body = {"mode": "balanced", "attribute": "org_unit", "together": True}
    together = (await s.call("POST", path, body))["set"]
    groups_per_unit = Counter(
        s.unit_of[u]
        for g in together["groups"]
        for u in {s.unit_of[m]: m for m in g["members"]}.values()
    )
    assert groups_per_unit["인사과"] == 1
    assert groups_per_unit["재무과"] == 1
    bad = await s.client.post(f"/api/v1{path}", headers=bearer(s.park), json={"mode": "balanced"})
    assert bad.status == 422


async def test_a_spreadsheet_is_all_or_nothing(setting: Setting) -> None:
    s = setting
    made = await s.call("POST", f"/class-sessions/{s.klass.class_session_id}/breakout-sets",
                        {"name": "엑셀", "groups": ["1조", "2조"]}, status=201)  # fmt: skip
    path = f"/breakout-sets/{made['id']}/import"
    good = "\ufeff아이디\t분임\ntrainee0\t1조\ntrainee1\t2조\n\ntrainee2\t2조\n"
    placed = await s.call("POST", path, {"csv": good})
    assert [g["members"] for g in placed["groups"]] == [
        [s.trainees[0].id], [s.trainees[1].id, s.trainees[2].id]]  # fmt: skip
    bad = "login,group\ntrainee3,1조\ntrainee4,9조\noutsider,1조\nnobody,2조\n"
    refused = await s.client.post(f"/api/v1{path}", headers=bearer(s.park), json={"csv": bad})
    assert refused.status == 422
    problems = [e["msg"] for e in (await refused.json())["errors"]]
    assert any("9조" in p for p in problems)
    assert any("outsider" in p for p in problems)
    assert any("nobody" in p for p in problems)
    assert await s.call("GET", f"/breakout-sets/{made['id']}") == placed


async def test_trainees_choose_within_the_caps(setting: Setting) -> None:
    s = setting
    made = await s.call("POST", f"/class-sessions/{s.klass.class_session_id}/breakout-sets",
                        {"name": "골라요", "groups": 2, "capacity": 1, "self_select": True},
                        status=201)  # fmt: skip
    group = made["groups"][0]["id"]
    t0, t1 = await api_token(s.client, "trainee0"), await api_token(s.client, "trainee1")
    chosen = await s.call("POST", f"/breakout-sets/{made['id']}/choice", {"group_id": group},
                          token=t0)  # fmt: skip
    assert [(c["set_id"], c["my_group"]) for c in chosen] == [(made["id"], group)]
    assert [g["count"] for g in chosen[0]["groups"]] == [1, 0]
    seen = await s.call("GET", f"/class-sessions/{s.klass.class_session_id}/breakout-choices",
                        token=t1)  # fmt: skip
    assert seen[0]["my_group"] is None  # t1 has not chosen; t0's choice counts
    assert seen[0]["groups"][0]["count"] == 1
    placed = await s.call("GET", f"/breakout-sets/{made['id']}")
    assert placed["groups"][0]["members"] == [s.trainees[0].id]
    full = await s.client.post(f"/api/v1/breakout-sets/{made['id']}/choice",
                               headers=bearer(t1), json={"group_id": group})  # fmt: skip
    assert full.status == 409
    fixed = await s.call("POST", f"/class-sessions/{s.klass.class_session_id}/breakout-sets",
                         {"name": "고정", "groups": 2}, status=201)  # fmt: skip
    no = await s.client.post(f"/api/v1/breakout-sets/{fixed['id']}/choice", headers=bearer(t1),
                             json={"group_id": fixed["groups"][0]["id"]})  # fmt: skip
    assert no.status == 403


async def test_a_cohort_set_is_reused_by_its_sessions(setting: Setting, clock: ManualClock) -> None:
    s = setting
    made = await s.call("POST", f"/cohorts/{s.klass.cohort_id}/breakout-sets",
                        {"name": "6개월 분임", "groups": 2}, status=201)  # fmt: skip
    assert made["cohort_id"] == s.klass.cohort_id
    listed = await s.call("GET", f"/class-sessions/{s.klass.class_session_id}/breakout-sets")
    assert [x["id"] for x in listed] == [made["id"]]
    trainee = await api_token(s.client, "trainee0")
    for method, path, body in (
        ("POST", f"/cohorts/{s.klass.cohort_id}/breakout-sets", {"name": "x", "groups": 2}),
        ("GET", f"/breakout-sets/{made['id']}", None),
        ("POST", f"/breakout-sets/{made['id']}/fill", {"mode": "random"}),
    ):
        response = await s.client.request(method, f"/api/v1{path}", json=body,
                                          headers=bearer(trainee))  # fmt: skip
        assert response.status == 403, path
    await s.call("DELETE", f"/breakout-sets/{made['id']}", status=204)
    assert await s.call("GET", f"/class-sessions/{s.klass.class_session_id}/breakout-sets") == []
