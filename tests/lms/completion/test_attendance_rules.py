"""Completion from attendance, on the edge cases: drops exactly at and just past the reconnect
grace, two devices at once, a session across midnight in Asia/Seoul; and the explanation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.core.auth.roles import Role
from server.core.clock import SEOUL, ManualClock
from server.core.keys import SETTINGS
from tests.conftest import AppClient, Person, add_person
from tests.lms.completion.records import Api, attend, make_cohort

T0 = datetime(2020, 10, 5, 10, 0, tzinfo=UTC)  # the clock starts at 00:00 UTC that day


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def people_of(client: AppClient, clock: ManualClock) -> dict[str, Person]:
    names = {"kim": (Role.TRAINEE, "김민지"), "lee": (Role.TRAINEE, "이서준"),
             "choi": (Role.TRAINEE, "최유나"), "park": (Role.INSTRUCTOR, "박강사"),
             "ops": (Role.OPERATOR, "오운영")}  # fmt: skip
    return {k: await add_person(client.app, k, [r], clock, name=n) for k, (r, n) in names.items()}


def by_user(results: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["user_id"]: r for r in results["results"]}


async def test_a_drop_resumed_exactly_at_the_grace_is_bridged_and_a_second_later_is_not(
    client: AppClient, clock: ManualClock
) -> None:
    who = await people_of(client, clock)
    kim, lee, choi = who["kim"].id, who["lee"].id, who["choi"].id
    cohort = await make_cohort(client.app, clock, trainees=[kim, lee, choi],
                               instructor=who["park"].id, windows=[(at(0), at(60))])  # fmt: skip
    cs = cohort.sessions[0]
    assert client.app[SETTINGS].reconnect_grace_s == 120
    await attend(
        client.app, cs,
        ("class_open", at(0), None, ""),
        ("join", at(0), kim, "phone"), ("drop", at(20), kim, "phone"),
        ("resume", at(22), kim, "phone"),  # 120 s: exactly the grace
        ("join", at(0), lee, "phone"), ("drop", at(20), lee, "phone"),
        ("join", at(22) + timedelta(seconds=1), lee, "phone"),  # 121 s: one past it
        ("join", at(0), choi, "phone"), ("drop", at(59), choi, "phone"),  # never back
        ("class_end", at(60), None, ""),
    )  # fmt: skip
    operator = await Api.of(client, who["ops"])
    await operator.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                        {"min_presence_pct": 97, "reason": "97% 출석"}, 201)  # fmt: skip
    clock.set(at(61))
    results = by_user(await operator.call("GET", f"/cohorts/{cohort.cohort_id}/completion"))

    assert results[kim]["criteria"] == [
        {"criterion": "presence", "required": 97, "actual": 60, "of": 60, "met": True}
    ]
    assert results[kim]["explanation_en"] == "present 60 of 60 min (100%) ✓; completed"
    assert results[kim]["explanation_ko"] == "출석 60분 중 60분 (100%) ✓; 수료"
    # 20 min + 37 min 59 s = 3479 s: 57 whole minutes, 96.6% (shown rounded down)
    assert results[lee]["criteria"][0]["actual"] == 57
    assert results[lee]["explanation_en"] == "present 57 of 60 min (96%) ✗; not completed"
    assert results[lee]["outcome"] == "not_completed"
    # a drop one minute before the end with no return: 59 of 60 min = 98.3% >= 97%
    assert results[choi]["explanation_en"] == "present 59 of 60 min (98%) ✓; completed"


async def test_two_devices_at_once_are_counted_once(client: AppClient, clock: ManualClock) -> None:
    who = await people_of(client, clock)
    kim, lee = who["kim"].id, who["lee"].id
    cohort = await make_cohort(client.app, clock, trainees=[kim, lee],
                               instructor=who["park"].id, windows=[(at(0), at(60))])  # fmt: skip
    await attend(
        client.app, cohort.sessions[0],
        ("join", at(0), kim, "phone"), ("join", at(30), kim, "pc"),  # overlap 30-40
        ("leave", at(40), kim, "phone"), ("leave", at(60), kim, "pc"),
        ("join", at(0), lee, "phone"), ("leave", at(20), lee, "phone"),  # left on purpose:
        ("join", at(25), lee, "pc"), ("leave", at(60), lee, "pc"),  # no grace to bridge
    )  # fmt: skip
    operator = await Api.of(client, who["ops"])
    await operator.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                        {"min_presence_pct": 90, "reason": "90%"}, 201)  # fmt: skip
    clock.set(at(90))
    results = by_user(await operator.call("GET", f"/cohorts/{cohort.cohort_id}/completion"))
    assert results[kim]["criteria"][0] | {} == {
        "criterion": "presence",
        "required": 90,
        "actual": 60,
        "of": 60,
        "met": True,
    }
    assert results[lee]["criteria"][0]["actual"] == 55
    assert results[lee]["explanation_en"] == "present 55 of 60 min (91%) ✓; completed"


async def test_a_session_across_midnight_in_seoul_counts_its_whole_window(
    client: AppClient, clock: ManualClock
) -> None:
    who = await people_of(client, clock)
    kim, lee = who["kim"].id, who["lee"].id
    start = datetime(2020, 10, 5, 23, 0, tzinfo=SEOUL).astimezone(UTC)  # 14:00 UTC
    midnight = datetime(2020, 10, 6, 0, 0, tzinfo=SEOUL).astimezone(UTC)
    end = start + timedelta(hours=2)  # 01:00 the next day in Seoul
    cohort = await make_cohort(client.app, clock, trainees=[kim, lee],
                               instructor=who["park"].id, windows=[(start, end)])  # fmt: skip
    await attend(
        client.app, cohort.sessions[0],
        ("join", start, kim, "pc"), ("leave", midnight + timedelta(minutes=30), kim, "pc"),
        ("join", midnight, lee, "phone"),  # from midnight on, until the class ends
        ("class_end", end, None, ""),
    )  # fmt: skip
    operator = await Api.of(client, who["ops"])
    await operator.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                        {"min_presence_pct": 75, "reason": "75%"}, 201)  # fmt: skip
    clock.set(end + timedelta(minutes=5))
    results = by_user(await operator.call("GET", f"/cohorts/{cohort.cohort_id}/completion"))
    assert results[kim]["explanation_en"] == "present 90 of 120 min (75%) ✓; completed"
    assert results[lee]["explanation_en"] == "present 60 of 120 min (50%) ✗; not completed"


async def test_a_class_in_progress_counts_only_the_time_so_far(
    client: AppClient, clock: ManualClock
) -> None:
    who = await people_of(client, clock)
    kim = who["kim"].id
    cohort = await make_cohort(client.app, clock, trainees=[kim], instructor=who["park"].id,
                               windows=[(at(0), at(60)), (at(24 * 60), at(25 * 60))])  # fmt: skip
    await attend(client.app, cohort.sessions[0], ("join", at(0), kim, "pc"))
    operator = await Api.of(client, who["ops"])
    await operator.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                        {"min_presence_pct": 80, "required_sessions": [1, 2], "reason": "r"},
                        201)  # fmt: skip
    clock.set(at(30))
    result = await operator.call("GET", f"/cohorts/{cohort.cohort_id}/completion/{kim}")
    # half an hour in: 30 of 30 min so far; the required sessions are not over: unknown
    assert result["criteria"] == [
        {"criterion": "presence", "required": 80, "actual": 30, "of": 30, "met": True},
        {"criterion": "required_sessions", "required": 2, "actual": 0, "of": 2, "met": None},
    ]
    assert result["outcome"] == "undetermined"
    assert result["explanation_en"].endswith("required sessions 0 of 2 ?; undetermined")
