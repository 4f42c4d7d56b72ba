"""A small area → sub-area tree for the catalog tests, and an HTTP caller with a token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse, web
from sqlalchemy import func, select

from server.core.keys import DATABASE
from server.lms.catalog.models import PlanRevision
from server.lms.models import CompetencyArea, Course, CoursePlan, SubArea
from tests.conftest import AppClient, api_token, bearer


@dataclass(frozen=True)
class Tree:
    area_id: int
    core_id: int  # 기본역량 / 핵심가치
    it_id: int  # 직무역량 / IT


async def make_tree(app: web.Application) -> Tree:
    tag = secrets.token_hex(3)
    async with app[DATABASE].unit_of_work() as session:
        basic = CompetencyArea(code=f"basic{tag}", name_ko="기본역량", name_en="Basic", sort=1)
        job = CompetencyArea(code=f"job{tag}", name_ko="직무역량", name_en="Job", sort=2)
        session.add_all([basic, job])
        await session.flush()
        core = SubArea(area_id=basic.id, code=f"core{tag}", name_ko="핵심가치",
                       name_en="Core values", sort=101)  # fmt: skip
        it = SubArea(area_id=job.id, code=f"it{tag}", name_ko="IT", name_en="IT", sort=201)
        session.add_all([core, it])
        await session.flush()
        return Tree(basic.id, core.id, it.id)


def course_body(tree: Tree, **fields: Any) -> dict[str, Any]:
    return {
        "code": "2021-C-core-01", "title": "공직가치와 청렴", "year": 2021,
        "sub_area_id": tree.core_id, "track": "classroom", "delivery_mode": "live_remote",
        "always_open": False, "hours_per_day": 7, **fields,
    }  # fmt: skip


@dataclass
class Caller:
    client: AppClient
    token: str

    @classmethod
    async def of(cls, client: AppClient, login: str) -> Caller:
        return cls(client, await api_token(client, login))

    async def call(self, method: str, path: str, body: Any = None) -> ClientResponse:
        return await self.client.request(
            method, f"/api/v1{path}", json=body, headers=bearer(self.token)
        )

    async def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = await self.call(method, path, body)
        assert response.status == status, await response.text()
        return await response.json()

    async def problem(self, method: str, path: str, body: Any, status: int) -> dict[str, Any]:
        response = await self.call(method, path, body)
        assert response.status == status, await response.text()
        assert response.content_type == "application/problem+json"
        problem: dict[str, Any] = await response.json()
        return problem


async def snapshot(app: web.Application) -> tuple[Any, ...]:
    """Everything a catalog write could change: courses, plans and the plan history."""
    async with app[DATABASE].unit_of_work() as session:
        courses = (await session.execute(
            select(Course.id, Course.code, Course.title, Course.sub_area_id, Course.track,
                   Course.delivery_mode, Course.always_open, Course.hours_per_day)
            .order_by(Course.id)
        )).all()  # fmt: skip
        plans = (await session.execute(
            select(CoursePlan.course_id, CoursePlan.version, CoursePlan.offered,
                   CoursePlan.runs, CoursePlan.people).order_by(CoursePlan.id)
        )).all()  # fmt: skip
        revisions = await session.scalar(select(func.count(PlanRevision.id)))
    return tuple(courses), tuple(plans), revisions
