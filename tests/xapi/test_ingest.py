"""xAPI ingest through the real HTTP route on a real database: valid statements (one or an
array; ids assigned), progress folded per person and course (never backwards, completion and
the best score kept), duplicates accepted once, conflicts refused whole, invalid statements
refusing the whole post by name, unresolved actors and activities kept and counted, and who
may post."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientResponse
from sqlalchemy import func, select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import Course
from server.xapi.models import XapiStatement
from server.xapi.schemas import CMI5_PROGRESS
from server.xapi.service import elearning_progress
from tests.conftest import AppClient, Person, api_token, bearer
from tests.factories import make_class

BASE = "http://baeum.test/xapi/activities/courses/"  # the default: public URL + this path
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def statement(
    login: str, course_code: str, *, verb: str = PROGRESSED, progress: int | None = None,
    completion: bool | None = None, scaled: float | None = None, sid: str | None = None,
    at: str = "2020-10-05T01:00:00Z",
) -> dict[str, Any]:  # fmt: skip
    result: dict[str, Any] = {}
    if progress is not None:
        result["extensions"] = {CMI5_PROGRESS: progress}
    if completion is not None:
        result["completion"] = completion
    if scaled is not None:
        result["score"] = {"scaled": scaled, "raw": scaled * 100, "min": 0, "max": 100}
    body: dict[str, Any] = {
        "actor": {"objectType": "Agent", "account": {"homePage": "https://elearning.example",
                                                     "name": login}},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": f"{BASE}{course_code}/module-1",
                   "definition": {"name": {"ko": "핵심가치 e러닝"}}},
        "timestamp": at,
    }  # fmt: skip
    if result:
        body["result"] = result
    if sid is not None:
        body["id"] = sid
    return body


async def post(client: AppClient, token: str, body: Any, version: str | None = "1.0.3") -> Any:
    headers = bearer(token)
    if version is not None:
        headers["X-Experience-API-Version"] = version
    return await client.post("/api/v1/xapi/statements", json=body, headers=headers)


async def setup(client: AppClient, clock: ManualClock, people: dict[Role, Person]) -> tuple[
    str, str, int
]:  # fmt: skip
    """The e-learning system's token, a course code, and the course id (one trainee enrolled)."""
    klass = await make_class(client.app, clock, trainees=[people[Role.TRAINEE].id])
    async with client.app[DATABASE].unit_of_work() as session:
        course = await session.get(Course, klass.course_id)
        assert course is not None
        code = course.code
    return await api_token(client, people[Role.ELEARNING].login), code, klass.course_id


async def rows(client: AppClient) -> int:
    async with client.app[DATABASE].unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(XapiStatement)) or 0)


async def progress_of(client: AppClient, course_id: int, user_ids: list[int]) -> dict[int, Any]:
    async with client.app[DATABASE].unit_of_work() as session:
        return dict(await elearning_progress(session, course_id, user_ids))


async def summary(client: AppClient, people: dict[Role, Person]) -> dict[str, Any]:
    token = await api_token(client, people[Role.OPERATOR].login)
    response = await client.get("/api/v1/xapi/summary", headers=bearer(token))
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def problem(response: ClientResponse, status: int, slug: str) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = await response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


async def test_a_statement_without_an_id_is_stored_with_one_and_progress_is_known(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, course_id = await setup(client, clock, people)
    kim, other = people[Role.TRAINEE], people[Role.INSTRUCTOR]
    response = await post(client, token, statement(kim.login, code, progress=40))
    assert response.status == 200, await response.text()
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    ids = await response.json()
    assert len(ids) == 1
    assert uuid.UUID(ids[0]).version == 4
    assert await rows(client) == 1
    figures = await progress_of(client, course_id, [kim.id, other.id])
    assert set(figures) == {kim.id}  # no statements: absent (unknown), not zero
    assert figures[kim.id].progress == 0.4
    assert figures[kim.id].completed is False
    assert figures[kim.id].score_scaled is None
    assert figures[kim.id].completed_at is None


async def test_progress_never_goes_backwards_and_completion_and_best_score_are_kept(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, course_id = await setup(client, clock, people)
    kim = people[Role.TRAINEE]
    batch = [
        statement(kim.login, code, progress=30),
        statement(kim.login, code, progress=70),
        statement(kim.login, code, progress=50),
    ]
    response = await post(client, token, batch)
    assert response.status == 200, await response.text()
    assert len(set(await response.json())) == 3
    assert (await progress_of(client, course_id, [kim.id]))[kim.id].progress == 0.7
    done = statement(kim.login, code, verb=COMPLETED, completion=True, scaled=0.9,
                     at="2020-10-06T02:00:00Z")  # fmt: skip
    assert (await post(client, token, done)).status == 200
    later = [
        statement(kim.login, code, progress=20, scaled=0.5, at="2020-10-07T02:00:00Z"),
        statement(kim.login, code, verb=COMPLETED, completion=True, at="2020-10-08T02:00:00Z"),
    ]
    assert (await post(client, token, later)).status == 200
    figures = (await progress_of(client, course_id, [kim.id]))[kim.id]
    assert figures.progress == 1.0
    assert figures.completed is True
    assert figures.score_scaled == 0.9
    assert figures.completed_at == datetime(2020, 10, 6, 2, 0, tzinfo=UTC)  # the first one
    assert await rows(client) == 6


async def test_the_same_statement_twice_is_accepted_once(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, _ = await setup(client, clock, people)
    sid = str(uuid.uuid4())
    body = statement(people[Role.TRAINEE].login, code, progress=10, sid=sid)
    first = await post(client, token, body)
    again = await post(client, token, [body, body])  # and twice within one post
    assert first.status == 200, await first.text()
    assert again.status == 200, await again.text()
    assert await first.json() == [sid]
    assert await again.json() == [sid, sid]
    assert await rows(client) == 1
    assert (await summary(client, people))["statements"] == 1


async def test_the_same_id_with_other_content_is_a_conflict_and_stores_nothing(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, course_id = await setup(client, clock, people)
    kim = people[Role.TRAINEE]
    sid = str(uuid.uuid4())
    assert (
        await post(client, token, statement(kim.login, code, progress=10, sid=sid))
    ).status == 200
    fresh = statement(kim.login, code, progress=90)
    changed = statement(kim.login, code, progress=20, sid=sid)
    body = await problem(
        await post(client, token, [fresh, changed]), 409, "xapi-statement-conflict"
    )
    assert body["statement_id"] == sid
    assert await rows(client) == 1  # the fresh statement of the refused post is not kept
    assert (await progress_of(client, course_id, [kim.id]))[kim.id].progress == 0.1
    twice = [statement(kim.login, code, progress=1, sid=(s := str(uuid.uuid4()))),
             statement(kim.login, code, progress=2, sid=s)]  # fmt: skip
    await problem(await post(client, token, twice), 409, "xapi-statement-conflict")
    assert await rows(client) == 1


async def test_one_invalid_statement_refuses_the_whole_batch_naming_it(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, _ = await setup(client, clock, people)
    kim = people[Role.TRAINEE].login
    bad_id = str(uuid.uuid4())
    broken = statement(kim, code, sid=bad_id)
    broken["verb"] = {"id": "not an IRI"}
    batch = [statement(kim, code, progress=10), broken, statement(kim, code, progress=20)]
    body = await problem(await post(client, token, batch), 400, "xapi-invalid-statement")
    assert body["statement"] == 1
    assert body["statement_id"] == bad_id
    assert body["errors"][0]["loc"][:3] == [1, "verb", "id"]
    assert await rows(client) == 0
    for wrong in (
        {**statement(kim, code), "actor": {"name": "nobody"}},  # no identifier
        {**statement(kim, code), "object": {"id": "https://x.example/a"}, "extra": 1},
        statement(kim, code, progress=120),  # cmi5 progress is 0..100
        {**statement(kim, code), "timestamp": "2020-10-05T01:00:00"},  # no time zone
        "a string",
    ):
        await problem(await post(client, token, [wrong]), 400, "xapi-invalid-statement")
    await problem(await post(client, token, []), 400, "xapi-invalid-statement")
    assert await rows(client) == 0


async def test_unresolved_actors_and_activities_are_kept_and_counted(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, course_id = await setup(client, clock, people)
    kim = people[Role.TRAINEE]
    mbox = statement(kim.login, code, progress=50)
    mbox["actor"] = {"mbox": "mailto:someone@elearning.example"}
    batch = [
        statement("no-such-login", code, progress=50),
        statement(kim.login, "NO-SUCH-COURSE", progress=50),
        {**statement(kim.login, code), "object": {"id": "https://elsewhere.example/x"}},
        mbox,
    ]
    response = await post(client, token, batch)
    assert response.status == 200, await response.text()
    assert await rows(client) == 4
    assert await summary(client, people) == {
        "statements": 4, "unresolved_actors": 2, "unresolved_activities": 2, "progress_rows": 0,
    }  # fmt: skip
    assert await progress_of(client, course_id, [kim.id]) == {}


async def test_the_version_header_is_required(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, _ = await setup(client, clock, people)
    body = statement(people[Role.TRAINEE].login, code)
    await problem(await post(client, token, body, version=None), 400, "xapi-version")
    await problem(await post(client, token, body, version="0.95"), 400, "xapi-version")
    assert (await post(client, token, body, version="1.0.1")).status == 200


async def test_only_the_elearning_system_and_admins_may_post(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    _, code, _ = await setup(client, clock, people)
    body = statement(people[Role.TRAINEE].login, code)
    for role, status in ((Role.TRAINEE, 403), (Role.OPERATOR, 403), (Role.ADMIN, 200)):
        token = await api_token(client, people[role].login)
        assert (await post(client, token, body)).status == status, role


async def test_the_same_new_statement_posted_twice_at_once_is_one_row(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, course_id = await setup(client, clock, people)
    kim = people[Role.TRAINEE]
    batch = [statement(kim.login, code, progress=n, sid=str(uuid.uuid4())) for n in range(50)]
    first, second = await asyncio.gather(post(client, token, batch), post(client, token, batch))
    assert (first.status, second.status) == (200, 200)
    assert await first.json() == await second.json() == [s["id"] for s in batch]
    assert await rows(client) == 50
    assert (await progress_of(client, course_id, [kim.id]))[kim.id].progress == 0.49
