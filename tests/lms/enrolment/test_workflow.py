"""The enrolment workflow over HTTP: approval to capacity, the waitlist and its promotion on a
cancellation, reasons required, terminal states refused, bulk enrolment, and who sees what.
Every refused action is checked to have changed nothing."""

from __future__ import annotations

from typing import Any

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms import service as lms
from server.lms.models import EnrolmentStatus
from tests.conftest import AppClient, Person
from tests.lms.enrolment.helpers import open_cohort, trainees
from tests.lms.instructors.helpers import Caller, add_session, kst


def by_login(listing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["login"]: row for row in listing["items"]}


async def test_approval_fills_the_places_then_the_waitlist_and_a_cancellation_promotes(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    run = await open_cohort(client.app, capacity=2)
    ts = await trainees(client, clock, ["kim", "lee", "park", "choi"])
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    ids = {}
    for login, t in ts.items():
        applied = await t.caller.post(f"/cohorts/{run.cohort_id}/applications", None)
        assert applied["status"] == "applied"
        assert applied["user_id"] == t.id
        ids[login] = applied["id"]

    decided = [
        await operator.post(f"/enrolments/{ids[login]}/approve", None, 200)
        for login in ("kim", "lee", "park", "choi")
    ]
    assert [(d["status"], d["waitlist_position"]) for d in decided] == [
        ("approved", None), ("approved", None), ("waitlisted", 1), ("waitlisted", 2),
    ]  # fmt: skip

    change = await operator.post(
        f"/enrolments/{ids['kim']}/cancel", {"reason": "illness", "note": "입원"}, 200
    )
    assert change["enrolment"]["status"] == "cancelled"
    assert change["enrolment"]["cancel_reason"] == "illness"
    assert change["enrolment"]["cancel_note"] == "입원"
    assert change["enrolment"]["cancelled_by"] == people[Role.OPERATOR].id
    assert change["enrolment"]["cancelled_at"] is not None
    assert change["promoted"]["login"] == "park"
    assert change["promoted"]["status"] == "approved"

    listing = await operator.get(f"/cohorts/{run.cohort_id}/enrolments")
    rows = by_login(listing)
    assert (listing["capacity"], listing["approved"], listing["waitlisted"]) == (2, 2, 1)
    assert rows["choi"]["status"] == "waitlisted"
    assert rows["choi"]["waitlist_position"] == 1  # moved up when park left the queue
    assert rows["park"]["waitlist_position"] is None
    assert rows["kim"]["name"] == "Kim"
    waiting = await operator.get(f"/cohorts/{run.cohort_id}/enrolments?status=waitlisted")
    assert [r["login"] for r in waiting["items"]] == ["choi"]

    # cancelling a waitlisted one frees no place: nobody is promoted
    change = await operator.post(f"/enrolments/{ids['choi']}/cancel", {"reason": "work"}, 200)
    assert change["promoted"] is None

    admin = await Caller.of(client, people[Role.ADMIN].login)
    log = await admin.get("/audit", entity="enrolments", entity_id=str(ids["kim"]))
    cancel_entry = [e for e in log["items"] if e["after"] and e["after"].get("cancel_reason")]
    assert cancel_entry
    assert cancel_entry[-1]["actor_id"] == people[Role.OPERATOR].id


async def test_a_cancellation_needs_a_reason_and_terminal_states_are_refused(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    run = await open_cohort(client.app, capacity=5)
    ts = await trainees(client, clock, ["kim", "lee"])
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    kim = await ts["kim"].caller.post(f"/cohorts/{run.cohort_id}/applications", None)
    lee = await ts["lee"].caller.post(f"/cohorts/{run.cohort_id}/applications", None)
    for enrolment in (kim, lee):
        await operator.post(f"/enrolments/{enrolment['id']}/approve", None, 200)

    cancel = f"/enrolments/{kim['id']}/cancel"
    for body in ({}, {"reason": "bored"}, {"reason": "other"}, {"reason": "other", "note": ""}):
        problem = await operator.post(cancel, body, 422)
        assert problem["type"] == "/problems/validation-error"
    assert await operator.post(cancel, {"reason": "other", "note": "전보"}, 200)

    # finalising sets completed / not completed; neither can then be cancelled or approved
    async with client.app[DATABASE].unit_of_work() as session:
        await lms.set_enrolment_outcomes(
            session, run.cohort_id, {ts["lee"].id: EnrolmentStatus.COMPLETED}, clock.now()
        )
    refused = await operator.post(f"/enrolments/{lee['id']}/cancel", {"reason": "work"}, 409)
    assert refused["type"] == "/problems/enrolment-state"
    assert refused["enrolment_status"] == "completed"
    again = await operator.post(cancel, {"reason": "work"}, 409)
    assert again["enrolment_status"] == "cancelled"
    await operator.post(f"/enrolments/{kim['id']}/approve", None, 409)

    rows = by_login(await operator.get(f"/cohorts/{run.cohort_id}/enrolments"))
    assert rows["lee"]["status"] == "completed"
    assert rows["lee"]["cancel_reason"] is None
    assert (rows["kim"]["status"], rows["kim"]["cancel_reason"]) == ("cancelled", "other")
    assert rows["kim"]["cancel_note"] == "전보"  # the refused second cancel changed nothing


async def test_applications_only_to_open_cohorts_and_only_once(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    run = await open_cohort(client.app, capacity=5)
    closed = await open_cohort(client.app, capacity=5, status="running")
    kim = (await trainees(client, clock, ["kim"]))["kim"]
    first = await kim.caller.post(f"/cohorts/{run.cohort_id}/applications", None)
    twice = await kim.caller.post(f"/cohorts/{run.cohort_id}/applications", None, 409)
    assert twice["type"] == "/problems/already-enrolled"
    assert twice["enrolment_id"] == first["id"]
    refused = await kim.caller.post(f"/cohorts/{closed.cohort_id}/applications", None, 409)
    assert refused["type"] == "/problems/cohort-not-open"
    await kim.caller.post("/cohorts/999999/applications", None, 404)
    mine = await kim.caller.get(f"/users/{kim.id}/enrolments")
    assert [e["cohort_id"] for e in mine] == [run.cohort_id]


async def test_trainees_see_and_cancel_only_their_own_and_instructors_read_their_cohorts(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    run = await open_cohort(client.app, capacity=5)
    instructor = people[Role.INSTRUCTOR]
    await add_session(client.app, run, kst(2020, 3, 2, 9), minutes=420,
                      instructors=(instructor.id,))  # fmt: skip
    ts = await trainees(client, clock, ["kim", "lee"])
    kim = await ts["kim"].caller.post(f"/cohorts/{run.cohort_id}/applications", None)
    lee = await ts["lee"].caller.post(f"/cohorts/{run.cohort_id}/applications", None)

    own = await ts["kim"].caller.get(f"/cohorts/{run.cohort_id}/enrolments")
    assert [r["login"] for r in own["items"]] == ["kim"]
    refused = await ts["kim"].caller.post(f"/enrolments/{lee['id']}/cancel",
                                          {"reason": "work"}, 403)  # fmt: skip
    assert refused["type"] == "/problems/forbidden"
    await ts["kim"].caller.post(f"/enrolments/{kim['id']}/approve", None, 403)
    await ts["kim"].caller.post(f"/cohorts/{run.cohort_id}/enrolments", {"logins": ["lee"]}, 403)

    teacher = await Caller.of(client, instructor.login)
    seen = await teacher.get(f"/cohorts/{run.cohort_id}/enrolments")
    assert sorted(r["login"] for r in seen["items"]) == ["kim", "lee"]
    await teacher.post(f"/enrolments/{lee['id']}/cancel", {"reason": "work"}, 403)
    stranger = await Caller.of(client, people[Role.ASSISTANT].login)
    assert (await stranger.get(f"/cohorts/{run.cohort_id}/enrolments"))["items"] == []

    mine = await ts["kim"].caller.post(f"/enrolments/{kim['id']}/cancel",
                                       {"reason": "personal"}, 200)  # fmt: skip
    assert mine["enrolment"]["cancelled_by"] == ts["kim"].id
    rows = by_login(await teacher.get(f"/cohorts/{run.cohort_id}/enrolments"))
    assert rows["lee"]["status"] == "applied"  # the refused cancellations changed nothing


async def test_bulk_enrolment_respects_capacity_and_refuses_unknown_names_whole(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    run = await open_cohort(client.app, capacity=3, status="planned")
    ts = await trainees(client, clock, ["ahn", "bae", "cho", "doh", "eom"])
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    bulk = f"/cohorts/{run.cohort_id}/enrolments"

    refused = await operator.post(bulk, {"logins": ["ahn", "nobody", "bae"]}, 422)
    assert refused["type"] == "/problems/unknown-logins"
    assert refused["logins"] == ["nobody"]
    assert (await operator.get(bulk))["items"] == []
    await operator.post(bulk, {"logins": ["ahn", "ahn"]}, 422)

    first = await operator.post(bulk, {"logins": ["ahn"]}, 200)
    assert first["approved"] == ["ahn"]
    result = await operator.post(bulk, {"logins": ["bae", "ahn", "cho", "doh", "eom"]}, 200)
    assert result["approved"] == ["bae", "cho"]
    assert result["waitlisted"] == ["doh", "eom"]
    assert result["unchanged"] == ["ahn"]
    rows = by_login(await operator.get(bulk))
    assert [rows[x]["waitlist_position"] for x in ("doh", "eom")] == [1, 2]
    assert sum(r["status"] == "approved" for r in rows.values()) == 3
    assert ts["ahn"].id == rows["ahn"]["user_id"]


async def test_accommodations_are_asked_for_by_the_trainee_and_arranged_by_staff(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    run = await open_cohort(client.app, capacity=5)
    ts = await trainees(client, clock, ["kim", "lee"])
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    kim = await ts["kim"].caller.post(f"/cohorts/{run.cohort_id}/applications", None)
    lee = await ts["lee"].caller.post(f"/cohorts/{run.cohort_id}/applications", None)

    aid = await ts["kim"].caller.post(f"/enrolments/{kim['id']}/accommodations",
                                      {"kind": "stenographer", "note": "실시간 자막"})  # fmt: skip
    assert (aid["kind"], aid["status"]) == ("stenographer", "requested")
    twice = await ts["kim"].caller.post(f"/enrolments/{kim['id']}/accommodations",
                                        {"kind": "stenographer"}, 409)  # fmt: skip
    assert twice["accommodation_id"] == aid["id"]
    await ts["kim"].caller.post(f"/enrolments/{lee['id']}/accommodations",
                                {"kind": "dormitory"}, 403)  # fmt: skip
    await ts["kim"].caller.post(f"/enrolments/{kim['id']}/accommodations", {"kind": "pony"}, 422)
    await ts["kim"].caller.patch(f"/accommodations/{aid['id']}", {"status": "arranged"}, 403)
    await operator.patch(f"/accommodations/{aid['id']}", {}, 422)
    await operator.post(f"/enrolments/{lee['id']}/accommodations", {"kind": "dormitory"})

    arranged = await operator.patch(f"/accommodations/{aid['id']}",
                                    {"status": "arranged", "note": "속기사 배정"})  # fmt: skip
    assert (arranged["status"], arranged["note"]) == ("arranged", "속기사 배정")
    rows = by_login(await operator.get(f"/cohorts/{run.cohort_id}/enrolments"))
    assert [(a["kind"], a["status"]) for a in rows["kim"]["accommodations"]] == [
        ("stenographer", "arranged")
    ]
    assert [a["kind"] for a in rows["lee"]["accommodations"]] == ["dormitory"]
    own = await ts["lee"].caller.get(f"/cohorts/{run.cohort_id}/enrolments")
    assert [r["login"] for r in own["items"]] == ["lee"]  # kim's aids are not shown to lee
