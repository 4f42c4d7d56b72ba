"""The enrolment-dropouts report against a hand-made year (figures worked out below): applied,
approved, cancelled by reason as of the day, no-shows in ended cohorts with live classes,
not completed, and rates that say no data (never 0%) over an empty base; CSV and XLSX.

2020, as of 2020-09-30 (Seoul):
- E1 cohort 1 (ended 03-06, one live class): p1 completed and joined; p2 approved, never
  joined it (joined a class of cohort 2 instead: still a no-show here); p3 not completed,
  joined; p4 approved then cancelled (work); p5 cancelled (illness) unapproved; p6 waitlisted.
- E1 cohort 2 (ends 12-18, one live class): p1 approved; p2 approved then cancelled
  (no-show); p3 approved, cancelled 10-02 (after the as-of day); p4 applied 10-03 (after);
  p5 cancelled before the workflow (no time, no reason: "not recorded").
- E2 cohort 1 (ended 05-01, in person, no live class): p1 completed, p2 approved, both from
  before the workflow (no approval time).
- E3: a cohort, nobody enrolled. C19: a 2019 course, not counted.

E1: applied 6+4 = 10; approved p1-p4 + p1-p3 = 7; cancelled work, illness, no-show,
unrecorded = 4 (40.0%); no-show base p1, p2, p3 of cohort 1 = 3, no-shows p2 = 1 (33.3%);
completed 1, not completed 1 (50.0%). E2: 2, 2, 0 (0.0%), base 0 (no data), 1, 0 (0.0%).
Total: 12, 9, 4 (33.3%), 3, 1 (33.3%), 2, 1 (33.3%).
As of 12-31 also: p3's cancellation (personal), p4's application, and cohort 2 has ended
(p1 never joined it: base 4, no-shows 2).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import load_workbook

from server.core.auth.roles import Role
from server.core.clock import SEOUL, ManualClock
from server.core.keys import DATABASE
from server.lms.models import (
    ClassSession,
    Cohort,
    CompetencyArea,
    Course,
    Enrolment,
    SubArea,
)
from server.rooms import service as rooms
from server.rooms.models import AttendanceKind
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.reports.test_live_reports import run, table

COLUMNS = (
    "applied", "approved", "cancelled", "cancelled_work", "cancelled_illness",
    "cancelled_personal", "cancelled_duplicate", "cancelled_no_show", "cancelled_other",
    "cancelled_unrecorded", "cancel_rate", "no_show_base", "no_shows", "no_show_rate",
    "completed", "not_completed", "non_completion_rate",
)  # fmt: skip


def kst(month: int, day: int, year: int = 2020) -> datetime:
    return datetime(year, month, day, 10, tzinfo=SEOUL).astimezone(UTC)


async def build(client: AppClient, clock: ManualClock) -> None:
    app = client.app
    p = [(await add_person(app, f"pupil{i}", [Role.TRAINEE], clock)).id for i in range(1, 7)]
    async with app[DATABASE].unit_of_work() as s:
        area = CompetencyArea(code="job", name_ko="직무역량", name_en="Job", sort=1)
        s.add(area)
        await s.flush()
        sub = SubArea(area_id=area.id, code="common", name_ko="공통", name_en="Common")
        s.add(sub)
        await s.flush()

        def course(code: str, year: int = 2020) -> Course:
            return Course(code=code, title=f"과정 {code}", year=year, sub_area_id=sub.id,
                          track="classroom", delivery_mode="live_remote",
                          hours_per_day=7)  # fmt: skip

        e1, e2, e3, c19 = course("E1"), course("E2"), course("E3"), course("C19", 2019)
        s.add_all([e1, e2, e3, c19])
        await s.flush()

        def cohort(c: Course, n: int, ends: date, status: str) -> Cohort:
            return Cohort(course_id=c.id, number=n, name=f"{c.code}-{n}",
                          starts_on=date(2020, 1, 1), ends_on=ends, capacity=30,
                          status=status)  # fmt: skip

        e1c1 = cohort(e1, 1, date(2020, 3, 6), "finished")
        e1c2 = cohort(e1, 2, date(2020, 12, 18), "running")
        e2c1 = cohort(e2, 1, date(2020, 5, 1), "finished")
        e3c1 = cohort(e3, 1, date(2020, 6, 1), "finished")
        old = cohort(c19, 1, date(2019, 6, 1), "finished")
        s.add_all([e1c1, e1c2, e2c1, e3c1, old])
        await s.flush()
        live1 = ClassSession(cohort_id=e1c1.id, title="E1-1", starts_at=kst(3, 5),
                             ends_at=kst(3, 6), live=True, state="ended")  # fmt: skip
        live2 = ClassSession(cohort_id=e1c2.id, title="E1-2", starts_at=kst(9, 1),
                             ends_at=kst(9, 2), live=True, state="ended")  # fmt: skip
        hall = ClassSession(cohort_id=e2c1.id, title="E2-1", starts_at=kst(4, 30),
                            ends_at=kst(5, 1), live=False, state="ended")  # fmt: skip
        s.add_all([live1, live2, hall])
        await s.flush()

        def enrol(c: Cohort, who: int, status: str, **kw: Any) -> Enrolment:
            return Enrolment(cohort_id=c.id, user_id=p[who - 1], status=status,
                             created_at=kw.pop("created_at", kst(2, 1)), **kw)  # fmt: skip

        s.add_all([
            enrol(e1c1, 1, "completed", approved_at=kst(2, 10), completed_at=kst(3, 6)),
            enrol(e1c1, 2, "approved", approved_at=kst(2, 10)),
            enrol(e1c1, 3, "not_completed", approved_at=kst(2, 10)),
            enrol(e1c1, 4, "cancelled", approved_at=kst(2, 10), cancel_reason="work",
                  cancelled_at=kst(2, 25)),
            enrol(e1c1, 5, "cancelled", cancel_reason="illness", cancelled_at=kst(2, 26)),
            enrol(e1c1, 6, "waitlisted", waitlist_position=1),
            enrol(e1c2, 1, "approved", approved_at=kst(9, 1)),
            enrol(e1c2, 2, "cancelled", approved_at=kst(9, 1), cancel_reason="no_show",
                  cancelled_at=kst(9, 10)),
            enrol(e1c2, 3, "cancelled", approved_at=kst(9, 1), cancel_reason="personal",
                  cancelled_at=kst(10, 2)),
            enrol(e1c2, 4, "applied", created_at=kst(10, 3)),
            enrol(e1c2, 5, "cancelled"),
            enrol(e2c1, 1, "completed", completed_at=kst(5, 1)),
            enrol(e2c1, 2, "approved"),
            enrol(old, 1, "cancelled", cancel_reason="work", cancelled_at=kst(5, 1, 2019),
                  created_at=kst(1, 1, 2019)),
        ])  # fmt: skip
        await s.flush()
        for who, class_id in ((1, live1.id), (3, live1.id), (2, live2.id)):
            await rooms.record_attendance(s, class_id, AttendanceKind.JOIN, kst(3, 5),
                                          user_id=p[who - 1], client_id=f"c{who}",
                                          device_class="pc")  # fmt: skip


async def test_enrolment_dropouts_against_hand_counted_figures(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    await build(client, clock)
    token = await api_token(client, people[Role.OPERATOR].login)
    body = await run(client, token, "enrolment-dropouts", year="2020", as_of="2020-09-30")
    rows = table(body, ("course", *COLUMNS))
    assert list(rows) == ["total", "course:E1", "course:E2", "course:E3"]
    #                         app apr can wk ill per dup ns oth unr  rate  base ns  rate  c  nc rate
    assert rows["course:E1"] == ("E1 과정 E1", 10, 7, 4, 1, 1, 0, 0, 1, 0, 1, 40.0, 3, 1, 33.3,
                                 1, 1, 50.0)  # fmt: skip
    assert rows["course:E2"][1:] == (2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0, 0, None, 1, 0, 0.0)
    assert rows["course:E3"][1:] == (0,) * 3 + (0,) * 7 + (None, 0, 0, None, 0, 0, None)
    assert rows["total"] == ("합계", 12, 9, 4, 1, 1, 0, 0, 1, 0, 1, 33.3, 3, 1, 33.3, 2, 1, 33.3)

    later = table(await run(client, token, "enrolment-dropouts", year="2020",
                            as_of="2020-12-31"), COLUMNS)  # fmt: skip
    assert later["course:E1"] == (11, 7, 5, 1, 1, 1, 0, 1, 0, 1, 45.5, 4, 2, 50.0, 1, 1, 50.0)
    assert later["total"][:3] == (13, 9, 5)

    nothing = table(await run(client, token, "enrolment-dropouts", year="2021",
                              as_of="2021-12-31"), COLUMNS)  # fmt: skip
    assert nothing == {"total": (0,) * 10 + (None, 0, 0, None, 0, 0, None)}


async def test_enrolment_dropouts_download_as_csv_and_xlsx_for_staff_only(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    await build(client, clock)
    token = await api_token(client, people[Role.OPERATOR].login)
    url = "/api/v1/reports/enrolment-dropouts"
    params = {"year": "2020", "as_of": "2020-09-30"}
    response = await client.get(url, params={**params, "format": "csv"}, headers=bearer(token))
    assert response.status == 200
    lines = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    e3 = next(line for line in lines if "E3 과정 E3" in line)
    assert "자료 없음" in e3  # the empty rates are words, not 0
    response = await client.get(url, params={**params, "format": "xlsx"}, headers=bearer(token))
    assert response.status == 200
    sheet = load_workbook(io.BytesIO(await response.read())).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    total = next(row for row in values if "합계" in row)
    assert 12 in total
    assert 33.3 in total
    trainee = await api_token(client, people[Role.TRAINEE].login)
    refused = await client.get(url, params=params, headers=bearer(trainee))
    assert refused.status == 403
