"""The completion report against a hand-made cohort: how enrolments ended by course, cohort,
org unit, grade and device; completions after the as-of day still in progress; a rate only
over decided outcomes (no data, not 0%, when nothing is decided); who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms import service as lms
from server.lms.models import Enrolment, EnrolmentStatus, StaffRole
from server.rooms import service as rooms
from server.rooms.models import AttendanceKind
from tests.conftest import AppClient, add_person, api_token
from tests.factories import make_class
from tests.reports.test_live_reports import run, table

COLUMNS = ("enrolled", "completed", "not_completed", "in_progress", "cancelled", "rate")
FINALISED = datetime(2020, 10, 20, 3, 0, tzinfo=UTC)  # 12:00 in Seoul


async def test_completion_by_cohort_org_unit_grade_and_device(
    client: AppClient, clock: ManualClock
) -> None:
    app = client.app
    trainees = {login: await add_person(app, login, [Role.TRAINEE], clock, org_unit=unit,
                                        grade=grade)
                for login, unit, grade in (("kim", "인사과", "7급"), ("lee", "인사과", "8급"),
                                           ("choi", "재무과", "7급"), ("jung", "재무과", None),
                                           ("kang", None, "9급"))}  # fmt: skip
    park = await add_person(app, "park", [Role.INSTRUCTOR], clock)
    other = await add_person(app, "other", [Role.INSTRUCTOR], clock)
    ops = await add_person(app, "ops", [Role.OPERATOR], clock)
    ids = {k: p.id for k, p in trainees.items()}
    klass = await make_class(app, clock, trainees=list(ids.values()),
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(hours=-2))  # fmt: skip
    start = clock.now() - timedelta(hours=2)
    async with app[DATABASE].unit_of_work() as session:  # as the class socket records them
        for kind, minutes, who, device in (("join", 0, "kim", "phone"), ("drop", 5, "kim", "phone"),
                                           ("resume", 6, "kim", "phone"), ("join", 0, "lee", "pc"),
                                           ("join", 30, "kim", "pc")):  # fmt: skip
            await rooms.record_attendance(
                session, klass.class_session_id, AttendanceKind(kind),
                start + timedelta(minutes=minutes), user_id=ids[who],
                client_id=f"{who}-{device}", device_class=device)  # fmt: skip
    async with app[DATABASE].unit_of_work() as session:
        await lms.set_enrolment_outcomes(session, klass.cohort_id, {
            ids["kim"]: EnrolmentStatus.COMPLETED, ids["lee"]: EnrolmentStatus.COMPLETED,
            ids["choi"]: EnrolmentStatus.NOT_COMPLETED}, FINALISED)  # fmt: skip
        await session.execute(update(Enrolment).where(Enrolment.user_id == ids["kang"])
                              .values(status=EnrolmentStatus.CANCELLED))  # fmt: skip
    # jung: approved, not finalised (in progress); kang: cancelled
    token = await api_token(client, ops.login)

    after = table(await run(client, token, "completion", year="2020", as_of="2020-12-31"),
                  ("value", *COLUMNS))  # fmt: skip
    assert after["total"] == ("", 4, 2, 1, 1, 1, 66.7)
    assert after[f"cohort:{klass.cohort_id}"][1:] == (4, 2, 1, 1, 1, 66.7)
    assert after[f"course:{klass.course_id}"][1:] == (4, 2, 1, 1, 1, 66.7)
    assert after["org_unit:인사과"] == ("인사과", 2, 2, 0, 0, 0, 100.0)
    assert after["org_unit:재무과"] == ("재무과", 2, 0, 1, 1, 0, 0.0)
    assert after["org_unit:(알 수 없음)"] == ("(알 수 없음)", 0, 0, 0, 0, 1, None)  # not 0%
    assert after["grade:7급"] == ("7급", 2, 1, 1, 0, 0, 50.0)
    assert after["device:휴대전화"] == ("휴대전화", 1, 1, 0, 0, 0, 100.0)
    assert after["device:PC"] == ("PC", 1, 1, 0, 0, 0, 100.0)
    assert after["device:(알 수 없음)"][1:] == (2, 0, 1, 1, 1, 0.0)

    # the day before the completions were recorded (Seoul): they were still in progress
    before = table(await run(client, token, "completion", year="2020", as_of="2020-10-19"),
                   COLUMNS)  # fmt: skip
    assert before["total"] == (4, 0, 1, 3, 1, 0.0)
    nothing = table(await run(client, token, "completion", year="2019", as_of="2019-12-31"),
                    COLUMNS)  # fmt: skip
    assert nothing["total"] == (0, 0, 0, 0, 0, None)

    mine = await run(
        client, await api_token(client, "kim"), "completion", year="2020", as_of="2020-12-31"
    )
    assert table(mine, COLUMNS)["total"] == (1, 1, 0, 0, 0, 100.0)  # only herself
    assert mine["parameters"]["scope"] == {"user_id": ids["kim"], "teaches": False}
    taught = await run(
        client, await api_token(client, park.login), "completion", year="2020", as_of="2020-12-31"
    )
    assert table(taught, COLUMNS)["total"] == (4, 2, 1, 1, 1, 66.7)
    elsewhere = await run(
        client, await api_token(client, other.login), "completion", year="2020", as_of="2020-12-31"
    )
    assert table(elsewhere, COLUMNS)["total"] == (0, 0, 0, 0, 0, None)
