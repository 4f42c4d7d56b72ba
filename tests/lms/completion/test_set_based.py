"""A cohort's results cost the same few queries for 3 trainees as for 30 (set-based, never one
query per trainee): what keeps ``cohort_completion_ms`` flat for a 300-person cohort."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from tests.conftest import AppClient, add_person
from tests.lms.completion.records import Api, attend, breakout_round, make_cohort, named_quiz

T0 = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@contextmanager
def counted(client: AppClient) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = client.app[DATABASE].engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


async def test_the_number_of_queries_does_not_grow_with_the_cohort(
    client: AppClient, clock: ManualClock
) -> None:
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock)
    ops = await Api.of(client, await add_person(client.app, "ops", [Role.OPERATOR], clock))
    trainees = [(await add_person(client.app, f"t{n:03d}", [Role.TRAINEE], clock)).id
                for n in range(30)]  # fmt: skip
    windows = [(T0 + d * DAY, T0 + d * DAY + timedelta(hours=7)) for d in range(2)]
    cohorts = []
    for size in (3, 30):
        cohort = await make_cohort(client.app, clock, trainees=trainees[:size],
                                   instructor=park.id, windows=windows)  # fmt: skip
        for cs, (start, end) in zip(cohort.sessions, windows, strict=True):
            marks = [(kind, t, u, "pc") for u in trainees[:size]
                     for kind, t in (("join", start), ("leave", end))]  # fmt: skip
            await attend(client.app, cs, *marks)
            await named_quiz(client.app, cs, start, dict.fromkeys(trainees[:size], 0))
        await breakout_round(client.app, cohort.cohort_id, cohort.sessions[0], T0,
                             members=trainees[:size])  # fmt: skip
        await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules", {
            "min_presence_pct": 80, "required_sessions": [1], "min_breakout_rounds": 1,
            "min_poll_pct": 50, "min_quiz_points": 10, "survey_required": True,
            "reason": "all"}, 201)  # fmt: skip
        survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys", {
            "kind": "satisfaction", "title": "만족도",
            "items": [{"kind": "scale5", "prompt": "만족"}]}, 201)  # fmt: skip
        await ops.call("POST", f"/surveys/{survey['id']}/open")
        cohorts.append(cohort)
    clock.set(T0 + 3 * DAY)
    queries = []
    for cohort, size in zip(cohorts, (3, 30), strict=True):
        with counted(client) as statements:
            results = await ops.call("GET", f"/cohorts/{cohort.cohort_id}/completion")
        # everything met but the survey, which no one has answered yet
        assert results["counts"] == {"completed": 0, "not_completed": size, "undetermined": 0}
        assert results["results"][0]["explanation_en"].endswith("survey ✗; not completed")
        # (the caller's token's last use is written at most once a while: not ours to count)
        queries.append(sum(1 for st in statements if not st.startswith("UPDATE api_tokens")))
    assert queries[0] == queries[1]
    assert queries[1] < 40
