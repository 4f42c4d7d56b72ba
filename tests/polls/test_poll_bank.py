"""The poll bank over HTTP: a course's prepared polls reach every cohort's class; who may
prepare them; bad items are refused; launched polls stay on record; and the participation
figures completion rules read."""

from __future__ import annotations

from datetime import timedelta

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.conftest import AppClient, add_person, api_token, bearer
from tests.factories import make_class
from tests.rooms.classroom import Participant

QUIZ = {"title": "이수 퀴즈", "anonymous": False, "items": [
    {"kind": "quiz", "prompt": "청렴의 뜻은?", "options": ["맑고 깨끗함", "빠름"],
     "correct": [0], "points": 10}]}  # fmt: skip


async def test_a_course_bank_reaches_its_classes_and_feeds_completion(
    client: AppClient, clock: ManualClock
) -> None:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    await add_person(client.app, "stranger", [Role.INSTRUCTOR], clock)  # teaches elsewhere
    klass = await make_class(client.app, clock, trainees=[kim.id],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    teacher = await api_token(client, "park")
    made = await client.post(f"/api/v1/courses/{klass.course_id}/polls", json=QUIZ,
                             headers=bearer(teacher))  # fmt: skip
    assert made.status == 201, await made.text()
    poll = await made.json()
    assert poll["course_id"] == klass.course_id
    assert "correct" not in poll["items"][0]  # never sent out, even to staff lists
    outsider = await client.post(f"/api/v1/courses/{klass.course_id}/polls", json=QUIZ,
                                 headers=bearer(await api_token(client, "stranger")))  # fmt: skip
    assert outsider.status == 403
    bad = dict(QUIZ, items=[{"kind": "quiz", "prompt": "?", "options": ["a", "b"], "correct": [5]}])
    refused = await client.post(f"/api/v1/courses/{klass.course_id}/polls", json=bad,
                                headers=bearer(teacher))  # fmt: skip
    assert refused.status == 422
    listed = await client.get(f"/api/v1/class-sessions/{klass.class_session_id}/polls",
                              headers=bearer(teacher))  # fmt: skip
    assert [p["id"] for p in await listed.json()] == [poll["id"]]

    sockets = []
    for login in ("park", "kim"):
        p = Participant()
        await p.connect(client, {"api_token": await api_token(client, login),
                                 "class_session_id": klass.class_session_id})  # fmt: skip
        await p.ok("join")
        sockets.append(p)
    instructor, trainee = sockets
    run = await instructor.ok("poll_launch", {"poll_id": poll["id"]})
    await trainee.ok("poll_answer", {"run_id": run["run_id"], "item_id": poll["items"][0]["id"],
                                     "value": {"choice": 0}})  # fmt: skip
    figures = await client.get(
        f"/api/v1/class-sessions/{klass.class_session_id}/poll-participation",
        headers=bearer(teacher),
    )
    assert await figures.json() == [{"user_id": kim.id, "answered": 1, "of": 1, "score": 10}]
    await add_person(client.app, "admin1", [Role.ADMIN], clock)
    gone = await client.delete(f"/api/v1/polls/{poll['id']}",
                               headers=bearer(await api_token(client, "admin1")))  # fmt: skip
    assert gone.status == 409  # launched: its results are on record
    for p in sockets:
        await p.close()
