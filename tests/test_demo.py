"""The demo data: the seed's catalog in the records, classes today, log-ins and a join link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from server.boards.models import Board, BoardPost
from server.config import Settings
from server.core.auth.models import User
from server.core.clock import SEOUL, ManualClock
from server.core.keys import DATABASE
from server.demo import load_demo
from server.lms.models import ClassSession, Course, CoursePlan, Enrolment, SubArea
from server.lms.seed_2020 import PLAN_2020
from tests.conftest import AppClient


@pytest.fixture
def evening_clock(clock: ManualClock) -> ManualClock:
    clock.set(datetime(2020, 10, 5, 11, 30, tzinfo=UTC))  # 20:30 in Seoul
    return clock


async def counts(client: AppClient) -> dict[str, int]:
    async with client.app[DATABASE].unit_of_work() as session:
        return {
            model.__name__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (User, Course, CoursePlan, ClassSession, Enrolment, Board, BoardPost)
        }


async def test_demo_is_idempotent_and_prints_log_ins_and_a_join_link(
    client: AppClient,
    settings: Settings,
    evening_clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = await load_demo(settings, evening_clock)
    after_first = await counts(client)
    second = await load_demo(settings, evening_clock)
    assert await counts(client) == after_first
    assert after_first["Course"] == 279
    assert after_first["CoursePlan"] == 2 * 279
    assert (after_first["Board"], after_first["BoardPost"]) == (2, 4)  # KPT, and SWOT prepared
    assert first.password == second.password
    printed = capsys.readouterr().out
    assert first.password in printed
    assert "/join/" in printed
    for login in ("admin", "operator", "instructor", "assistant", "captioner", "trainee01"):
        assert login in printed


async def test_demo_classes_run_today_in_seoul(
    client: AppClient, settings: Settings, evening_clock: ManualClock
) -> None:
    summary = await load_demo(settings, evening_clock)
    today = evening_clock.now().astimezone(SEOUL).date()
    assert len(summary.classes_today) >= 4
    assert {cs.starts_at.astimezone(SEOUL).date() for cs in summary.classes_today} == {today}
    rehearsal = summary.classes_today[0]
    assert rehearsal.starts_at <= evening_clock.now() < rehearsal.ends_at


async def test_the_printed_join_link_takes_the_trainee_into_todays_class(
    client: AppClient, settings: Settings, evening_clock: ManualClock
) -> None:
    summary = await load_demo(settings, evening_clock)
    token = summary.join_link.rsplit("/join/", 1)[1]
    response = await client.post("/api/v1/join", json={"token": token})
    assert response.status == 200
    body = await response.json()
    assert body["user"]["login"] == "trainee01"
    assert body["class_session"]["id"] == summary.classes_today[0].id


async def test_every_demo_log_in_works_with_the_demo_password(
    client: AppClient, settings: Settings, evening_clock: ManualClock
) -> None:
    summary = await load_demo(settings, evening_clock)
    for login in ("admin", "operator", "instructor", "assistant", "captioner", "trainee30"):
        response = await client.post(
            "/api/v1/auth/login", json={"login": login, "password": summary.password}
        )
        assert response.status == 200, login


async def test_the_catalog_in_the_records_adds_up_to_the_seeds_plan_table(
    client: AppClient, settings: Settings, evening_clock: ManualClock
) -> None:
    """Per track and sub-area: courses, runs and people, original and revised, from SQL."""
    await load_demo(settings, evening_clock)
    async with client.app[DATABASE].unit_of_work() as session:
        rows = await session.execute(
            select(
                Course.track,
                SubArea.code,
                CoursePlan.version,
                func.count().filter(CoursePlan.offered),
                func.sum(CoursePlan.runs),
                func.sum(CoursePlan.people),
            )
            .join(SubArea, SubArea.id == Course.sub_area_id)
            .join(CoursePlan, CoursePlan.course_id == Course.id)
            .group_by(Course.track, SubArea.code, CoursePlan.version)
        )
        got = {(t, s, v): (c, r, p) for t, s, v, c, r, p in rows}
    assert len(got) == 2 * len(PLAN_2020)
    for row in PLAN_2020:
        original = got[(row.track, row.sub_area, "original")]
        revised = got[(row.track, row.sub_area, "revised")]
        assert original == (row.courses_original, row.runs_original, row.people_original), row
        assert revised == (row.courses_revised, row.runs_revised, row.people_revised), row
