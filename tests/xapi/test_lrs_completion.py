"""Finalising a cohort's completion tells the LRS (a real ralph) who completed: one
``completed`` statement per newly completed trainee, in the finalising transaction's outbox,
and nobody twice when the cohort is finalised again."""

from __future__ import annotations

from datetime import timedelta

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.xapi import outbox
from server.xapi.sender import LRS_SENDER
from tests.conftest import add_person
from tests.lms.completion.records import Api, attend, make_cohort
from tests.xapi.conftest import LrsNode
from tests.xapi.ralph import Ralph


async def test_finalising_sends_completed_for_the_newly_completed_only(
    lrs_node: LrsNode, ralph: Ralph, clock: ManualClock
) -> None:
    client = await lrs_node(lrs_poll_s=3600)
    app = client.app
    who = {login: await add_person(app, login, [role], clock)
           for login, role in (("kim", Role.TRAINEE), ("lee", Role.TRAINEE),
                               ("park", Role.INSTRUCTOR), ("ops", Role.OPERATOR))}  # fmt: skip
    start = clock.now() + timedelta(hours=1)
    cohort = await make_cohort(app, clock, trainees=[who["kim"].id, who["lee"].id],
                               instructor=who["park"].id,
                               windows=[(start, start + timedelta(hours=1))])  # fmt: skip
    (day,) = cohort.sessions
    await attend(app, day, ("join", start, who["kim"].id, "pc"),
                 ("leave", start + timedelta(hours=1), who["kim"].id, "pc"))  # fmt: skip
    ops = await Api.of(client, who["ops"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80% 출석"}, 201)  # fmt: skip
    clock.set(start + timedelta(days=1))
    path = f"/cohorts/{cohort.cohort_id}/completion/finalise"
    await ops.call("POST", path)
    await ops.call("POST", path)  # again: nobody newly completed

    while await app[LRS_SENDER].flush():
        pass
    completed = [s for s in await ralph.statements() if s["verb"]["id"] == outbox.COMPLETED]
    assert [s["actor"]["account"]["name"] for s in completed] == ["kim"]  # lee did not attend
    assert completed[0]["result"]["completion"] is True
