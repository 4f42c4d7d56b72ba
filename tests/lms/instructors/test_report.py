"""The instructor report (``instructors``): approved against taught, hours, fees and
satisfaction per course and instructor, through the report API and its renderers; a survey
still open shows "in progress" with its responses, never a score, and an unknown fee is no
data, not 0."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

from server.core.clock import ManualClock
from tests.conftest import AppClient, bearer
from tests.lms.completion.records import Api
from tests.lms.surveys.test_surveys import T0, satisfaction, setup

RATE = {"grade": "A", "first_hour_won": 300_000, "further_hour_won": 200_000}
STANDARD = {"effective_from": "2020-01-01", "title": "강사료 지급기준", "rates": [RATE]}


def by_key(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r["cells"] for r in report["rows"]}


async def test_satisfaction_in_progress_then_closed_and_fees_unknown_then_known(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys",
                            satisfaction(instructor_id), 201)  # fmt: skip
    about_teacher = survey["items"][2]["id"]
    await ops.call("POST", f"/surveys/{survey['id']}/open")
    for login, score in (("kim", 5), ("lee", 4)):
        await (await Api.of(client, who[login])).call(
            "POST", f"/surveys/{survey['id']}/responses", {"answers": {about_teacher: score}}, 201
        )
    clock.set(T0 + timedelta(days=1))
    path = "/reports/instructors?year=2020&as_of=2020-12-31"

    running = await ops.call("GET", path)
    row = by_key(running)[f"{cohort.course_id}:{instructor_id}"]
    assert (row["instructor"], row["status"], row["sessions"], row["hours"]) == (
        "박강사",
        "미승인 출강",
        1,
        7.0,
    )
    assert (row["satisfaction"], row["survey"]) == (None, "진행 중 (응답 2)")  # not a 0
    assert row["fees_won"] is None  # no fee standard yet: unknown, not 0
    assert any("1" in n["ko"] and "빠졌" in n["ko"] for n in running["notes"])
    total = by_key(running)["total"]
    assert (total["sessions"], total["fees_won"]) == (1, None)
    assert total["status"] == "승인·출강 0 / 승인·미출강 0 / 미승인 출강 1"

    await ops.call("POST", f"/surveys/{survey['id']}/close")
    await ops.call("POST", "/fee-standards", STANDARD, 201)
    closed = await ops.call("GET", path)
    row = by_key(closed)[f"{cohort.course_id}:{instructor_id}"]
    assert (row["satisfaction"], row["survey"], row["response_rate"]) == (
        4.5,
        "종료 (응답 2)",
        66.7,
    )
    assert row["fees_won"] == 300_000 + 6 * 200_000  # 7 hours: the first and six further
    assert by_key(closed)["total"]["fees_won"] == 1_500_000

    sheet = await client.get(f"/api/v1{path}&format=xlsx", headers=bearer(ops.token))
    book = load_workbook(io.BytesIO(await sheet.read()))
    values = [[c.value for c in r] for r in book.worksheets[0].iter_rows()]
    assert any(1_500_000 in line and 4.5 in line for line in values)
    trainee = await Api.of(client, who["kim"])
    await trainee.call("GET", path, status=403)
    await (await Api.of(client, who["park"])).call("GET", path, status=403)
