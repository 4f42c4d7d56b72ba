"""The demo's 2020 records reproduce the seed's plan-versus-actual table: every row, every rate.

The whole demo is loaded (people, catalog, the 2020 actuals, today's classes) into the test's
database, then the report is run over HTTP as of the end of September 2020 and compared with
``seed_2020.PLAN_2020`` and ``TOTALS_2020`` cell by cell, "no data" cells included.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from decimal import Decimal
from typing import Any

from server.config import Settings
from server.core.auth.passwords import Passwords
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.demo import demo_password, seed_demo
from server.lms import demo_2020
from server.lms.seed_2020 import (
    AREA_COURSE_COUNTS_2020,
    CLASSROOM_REVISED_MODE_COUNTS_2020,
    PLAN_2020,
    TOTALS_2020,
    completion_rate,
)
from server.reports.base import Marker
from tests.conftest import AppClient, Person, api_token, bearer

ALWAYS = Marker.ALWAYS_OPEN.value


def expected_cells(
    courses: tuple[int, int],
    runs: tuple[int | None, int | None],
    people: tuple[int, int],
    actual: tuple[int | None, int | None, int | None],
    rate: Decimal | None,
) -> dict[str, Any]:
    """The seed's figures in the report's JSON form: 상시 for always-open runs, null for blanks."""
    a_courses, a_runs, a_people = actual

    def runs_cell(value: int | None) -> Any:
        return ALWAYS if value is None else value

    return {
        "courses_original": courses[0],
        "courses_revised": courses[1],
        "runs_original": runs_cell(runs[0]),
        "runs_revised": runs_cell(runs[1]),
        "people_original": people[0],
        "people_revised": people[1],
        "actual_courses": a_courses,
        "actual_runs": (ALWAYS if a_courses is not None and a_runs is None else a_runs),
        "actual_people": a_people,
        "rate": None if rate is None else float(rate),
    }


async def load_demo(client: AppClient, settings: Settings, clock: ManualClock) -> None:
    async with client.app[DATABASE].unit_of_work(actor_id=None) as session:
        await seed_demo(session, settings, demo_password(settings), Passwords("cheapest"),
                        clock.now())  # fmt: skip


async def report_json(client: AppClient, token: str) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/reports/plan-vs-actual",
        params={"year": "2020", "as_of": "2020-09-30"},
        headers=bearer(token),
    )
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_demo_records_reproduce_the_seed_table(
    client: AppClient, settings: Settings, clock: ManualClock, people: dict[Role, Person]
) -> None:
    await load_demo(client, settings, clock)
    token = await api_token(client, people[Role.OPERATOR].login)
    body = await report_json(client, token)
    rows = {row["key"]: row["cells"] for row in body["rows"]}

    checked = 0
    for seed in PLAN_2020:
        cells = rows[f"{seed.track}/{seed.area}/{seed.sub_area}"]
        want = expected_cells(
            (seed.courses_original, seed.courses_revised),
            (seed.runs_original, seed.runs_revised),
            (seed.people_original, seed.people_revised),
            (seed.actual_courses, seed.actual_runs, seed.actual_people),
            completion_rate(seed.actual_people, seed.people_revised),
        )
        assert {k: cells[k] for k in want} == want, f"{seed.track}/{seed.sub_area}"
        checked += 1
    for key, total in TOTALS_2020.items():
        want = expected_cells(
            (total.courses_original, total.courses_revised),
            (total.runs_original, total.runs_revised),
            (total.people_original, total.people_revised),
            (total.actual_courses, total.actual_runs, total.actual_people),
            total.rate_percent,
        )
        assert {k: rows[key][k] for k in want} == want, key
        checked += 1
    assert checked == len(PLAN_2020) + 3 == 21

    # the printed rates themselves, and the blanks that must stay blanks
    assert rows["all"]["rate"] == 164.3
    assert rows["classroom/basic/core_values"]["rate"] == 40.7
    for blank in ("classroom/public/practical_officers", "classroom/public/agencies"):
        assert rows[blank]["actual_people"] is None
        assert rows[blank]["rate"] is None
    # area course counts printed under each area label, and the classroom delivery split
    for (track, area), count in AREA_COURSE_COUNTS_2020.items():
        assert rows[f"{track}/{area}"]["courses_original"] == count
    for mode, count in CLASSROOM_REVISED_MODE_COUNTS_2020.items():
        assert rows[f"mode/{mode}"]["courses_revised"] == count

    # the CSV download says the same, and 자료 없음 where JSON says null
    response = await client.get(
        "/api/v1/reports/plan-vs-actual",
        params={"year": "2020", "as_of": "2020-09-30", "format": "csv"},
        headers=bearer(token),
    )
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = {r[0]: r for r in csv.reader(io.StringIO(raw.decode("utf-8-sig")))}
    assert lines["all"][-4:] == ["202", "117", "316520", "164.3"]
    assert lines["classroom/public/agencies"][-4:] == ["자료 없음"] * 4
    assert lines["elearning"][-3] == "상시"

    await check_command_line(settings)


async def test_loading_again_adds_nothing_and_changes_no_figure(
    client: AppClient, settings: Settings, clock: ManualClock, people: dict[Role, Person]
) -> None:
    await load_demo(client, settings, clock)
    token = await api_token(client, people[Role.OPERATOR].login)
    first = await report_json(client, token)
    await load_demo(client, settings, clock)
    async with client.app[DATABASE].unit_of_work(actor_id=None) as session:
        assert await demo_2020.load_2020_actuals(session, clock.now()) == 0
    assert await report_json(client, token) == first


async def check_command_line(settings: Settings) -> None:
    """``python -m server report`` on the same database prints the same figures."""
    env = {**os.environ, "BAEUM_DATABASE_URL": settings.database_url or "",
           "BAEUM_VAR_DIR": str(settings.var_dir)}  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "report", "plan-vs-actual", "--year", "2020",
        "--as-of", "2020-09-30", "--format", "csv", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    lines = {r[0]: r for r in csv.reader(io.StringIO(out.decode("utf-8-sig")))}
    assert lines["classroom"][-4:] == ["54", "117", "6177", "49.3"]
    assert lines["elearning"][-4:] == ["148", "상시", "310343", "172.4"]

    table = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "report", "plan-vs-actual", "--year", "2020",
        "--as-of", "2020-09-30", env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    text = (await table.communicate())[0].decode()
    assert "316,520" in text
    assert "164.3%" in text
    assert "자료 없음" in text
