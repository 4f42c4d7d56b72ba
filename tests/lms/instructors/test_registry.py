"""The instructor registry over HTTP: operators add, search and change entries (audited);
contact data reaches operators and the instructor themself only; an instructor sees only
their own entry; trainees nothing; bad input changes nothing."""

from __future__ import annotations

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller

PARK = {
    "name": "박소연",
    "affiliation": "한국행정연구원",
    "specialty": "보고서 작성·기획",
    "grade": "1급",
    "email": "park@example.org",
    "phone": "010-1234-5678",
}


async def test_operators_keep_the_registry_and_every_change_is_audited(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    park = await operator.post("/instructors", dict(PARK, user_id=people[Role.INSTRUCTOR].id))
    assert park["grade"] == "1급"
    assert park["internal"] is False
    assert park["contact"] == {"email": "park@example.org", "phone": "010-1234-5678"}
    kim = await operator.post(
        "/instructors",
        {
            "name": "김정훈",
            "affiliation": "인재개발원",
            "grade": "내부",
            "internal": True,
            "specialty": "공직가치",
        },
    )
    assert kim["contact"] == {"email": None, "phone": None}

    found = await operator.get("/instructors", q="보고서")
    assert [i["id"] for i in found["items"]] == [park["id"]]
    internal = await operator.get("/instructors", internal="true")
    assert [i["id"] for i in internal["items"]] == [kim["id"]]
    by_grade = await operator.get("/instructors", grade="1급")
    assert [i["id"] for i in by_grade["items"]] == [park["id"]]
    page = await operator.get("/instructors", limit="1")
    assert len(page["items"]) == 1
    assert page["next_cursor"] is not None

    changed = await operator.patch(f"/instructors/{park['id']}", {"grade": "특급", "phone": None})
    assert changed["grade"] == "특급"
    assert changed["contact"] == {"email": "park@example.org", "phone": None}
    admin = await Caller.of(client, people[Role.ADMIN].login)
    log = await admin.get("/audit", entity="instructors", entity_id=str(park["id"]))
    updates = [e for e in log["items"] if e["action"] == "update"]
    assert updates[-1]["before"]["grade"] == "1급"
    assert updates[-1]["after"]["grade"] == "특급"
    assert updates[-1]["actor_id"] == people[Role.OPERATOR].id


async def test_contact_data_stays_with_operators_and_the_instructor_sees_only_themself(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    own = await operator.post("/instructors", dict(PARK, user_id=people[Role.INSTRUCTOR].id))
    other = await operator.post(
        "/instructors", {"name": "최미경", "grade": "특급", "phone": "02-123-4567"}
    )
    instructor = await Caller.of(client, people[Role.INSTRUCTOR].login)
    listed = await instructor.get("/instructors")
    assert [i["id"] for i in listed["items"]] == [own["id"]]
    assert listed["items"][0]["contact"]["email"] == "park@example.org"
    assert (await instructor.get(f"/instructors/{own['id']}"))["name"] == "박소연"
    hidden = await instructor.get(f"/instructors/{other['id']}", 404)
    assert hidden["type"] == "/problems/not-found"
    await instructor.patch(f"/instructors/{own['id']}", {"grade": "특급"}, 403)
    await instructor.post("/instructors", {"name": "나", "grade": "특급"}, 403)
    for role in (Role.TRAINEE, Role.ASSISTANT, Role.CAPTIONER):
        caller = await Caller.of(client, people[role].login)
        await caller.get("/instructors", 403)
        await caller.get(f"/instructors/{other['id']}", 403)
    admin = await Caller.of(client, people[Role.ADMIN].login)
    assert (await admin.get(f"/instructors/{other['id']}"))["contact"]["phone"] == "02-123-4567"
    assert (await admin.get("/instructors", q="최미경"))["items"][0]["id"] == other["id"]


async def test_bad_registry_input_is_refused_and_changes_nothing(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    bad = await operator.post("/instructors", dict(PARK, email="not-an-address"), 422)
    assert bad["type"] == "/problems/validation-error"
    await operator.post("/instructors", dict(PARK, grade=""), 422)
    await operator.post("/instructors", dict(PARK, salary=1), 422)
    ghost = await operator.post("/instructors", dict(PARK, user_id=999_999), 404)
    assert ghost["type"] == "/problems/not-found"
    first = await operator.post("/instructors", dict(PARK, user_id=people[Role.INSTRUCTOR].id))
    taken = await operator.post(
        "/instructors", {"name": "둘째", "grade": "2급", "user_id": people[Role.INSTRUCTOR].id}, 409
    )
    assert taken["type"] == "/problems/conflict"
    await operator.patch(f"/instructors/{first['id']}", {"grade": None}, 422)
    await operator.patch("/instructors/999999", {"grade": "2급"}, 404)
    listed = await operator.get("/instructors")
    assert [(i["name"], i["grade"]) for i in listed["items"]] == [("박소연", "1급")]
