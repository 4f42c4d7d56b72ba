"""The dropout and connection-failure reports over hand-written live-class records.

Class A (starts S = 2020-10-05 10:00 Seoul, three hours; reconnect grace 120 s):
- the instructor joins (staff: never counted);
- t1 on a phone drops at S+10 min and resumes at S+11 min (bridged), leaves at S+2 h;
- t2 on a PC drops at S+30 min and never comes back (a dropout);
- t3 on a phone drops at S+20 min and rejoins at S+25 min (too late: a dropout), leaves at S+3 h.
Class B (S+2 h): t1 on a tablet joins and leaves.
So: 4 participations, 2 with a dropout (50.0%), 2 dropouts, 1 bridged; phone 2/1 (50.0%),
PC 1/1 (100.0%), tablet 1/0 (0.0%: measured, so a real zero).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import StaffRole
from server.rooms.models import AttendanceEvent, ConnectionReport
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.factories import make_class

COLUMNS_DROPOUT = ("participants", "dropped", "dropouts", "bridged", "rate")
COLUMNS_FAILURE = ("failures", "people", "media", "socket", "devices", "other", "share")


async def build(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> tuple[int, int, list[int]]:
    app: web.Application = client.app
    t = [people[Role.TRAINEE].id]
    for n in (2, 3):
        t.append((await add_person(app, f"trainee{n}", [Role.TRAINEE], clock)).id)
    teacher = people[Role.INSTRUCTOR].id
    a = await make_class(app, clock, trainees=t, staff={StaffRole.INSTRUCTOR: teacher})
    b = await make_class(app, clock, trainees=t[:1], starts_in=timedelta(hours=3))
    s = clock.now() + timedelta(hours=1)

    def ev(cs: int, user: int, kind: str, minutes: float, device: str, client_id: str) -> Any:
        return AttendanceEvent(class_session_id=cs, user_id=user, kind=kind,
                               at=s + timedelta(minutes=minutes), client_id=client_id,
                               device_class=device)  # fmt: skip

    def rep(
        minutes: float,
        kind: str,
        source: str,
        user: int | None,
        cs: int | None,
        device: str,
        browser: str | None,
        os: str | None,
        net: str | None,
    ) -> Any:
        return ConnectionReport(at=s + timedelta(minutes=minutes), kind=kind, source=source,
                                user_id=user, class_session_id=cs, device_class=device,
                                browser=browser, os=os, network_type=net)  # fmt: skip

    ca, cb = a.class_session_id, b.class_session_id
    async with app[DATABASE].unit_of_work() as session:
        session.add_all([
            ev(ca, teacher, "join", 0, "pc", "i"),
            ev(ca, t[0], "join", 0, "phone", "p1"), ev(ca, t[0], "drop", 10, "phone", "p1"),
            ev(ca, t[0], "resume", 11, "phone", "p1"), ev(ca, t[0], "leave", 120, "phone", "p1"),
            ev(ca, t[1], "join", 0, "pc", "c2"), ev(ca, t[1], "drop", 30, "pc", "c2"),
            ev(ca, t[2], "join", 0, "phone", "c3"), ev(ca, t[2], "drop", 20, "phone", "c3"),
            ev(ca, t[2], "join", 25, "phone", "c3"), ev(ca, t[2], "leave", 180, "phone", "c3"),
            ev(cb, t[0], "join", 121, "tablet", "tb"), ev(cb, t[0], "leave", 150, "tablet", "tb"),
            rep(5, "ice_failed", "client", t[0], ca, "phone", "Chrome Mobile", "Android",
                "cellular"),
            rep(30, "socket_disconnect", "server", t[1], ca, "pc", "Chrome", "Windows", "wifi"),
            rep(60, "getusermedia_denied", "client", t[2], ca, "phone", "Samsung Internet",
                "Android", "cellular"),
            rep(65, "socket_disconnect", "client", t[2], ca, "phone", "Samsung Internet",
                "Android", None),
            rep(70, "quality", "client", t[0], ca, "phone", "Chrome Mobile", "Android", "wifi"),
            rep(120, "other", "client", None, None, "unknown", None, None, None),
        ])  # fmt: skip
    return ca, cb, t


async def run(client: AppClient, token: str, name: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/reports/{name}", params=params, headers=bearer(token))
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


def table(body: dict[str, Any], columns: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    return {r["key"]: tuple(r["cells"][c] for c in columns) for r in body["rows"]}


async def test_dropouts_by_device_and_class(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    a, b, _ = await build(client, clock, people)
    token = await api_token(client, people[Role.OPERATOR].login)
    body = await run(client, token, "dropouts", year="2020", as_of="2020-10-05")
    assert table(body, COLUMNS_DROPOUT) == {
        "all": (4, 2, 2, 1, 50.0),
        "device/phone": (2, 1, 1, None, 50.0),
        "device/tablet": (1, 0, 0, None, 0.0),
        "device/pc": (1, 1, 1, None, 100.0),
        f"class/{a}": (3, 2, 2, 1, 66.7),
        f"class/{b}": (1, 0, 0, 0, 0.0),
    }
    before = await run(client, token, "dropouts", year="2020", as_of="2020-10-04")
    assert table(before, COLUMNS_DROPOUT) == {"all": (None,) * 5}  # no class yet: no data


async def test_connection_failures_by_device_network_class_and_hour(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    a, _, _ = await build(client, clock, people)
    token = await api_token(client, people[Role.ADMIN].login)
    body = await run(client, token, "connection-failures", year="2020", as_of="2020-10-05")
    got = table(body, COLUMNS_FAILURE)
    assert got["all"] == (5, 3, 1, 2, 1, 1, 100.0)  # the quality sample is not a failure
    assert got["device/phone"] == (3, 2, 1, 1, 1, 0, 60.0)
    assert got["device/pc"] == (1, 1, 0, 1, 0, 0, 20.0)
    assert got["device/unknown"] == (1, 0, 0, 0, 0, 1, 20.0)
    assert got["browser/Samsung Internet"] == (2, 1, 0, 1, 1, 0, 40.0)
    assert got["browser/unknown"][0] == 1
    assert got["os/Android"][0] == 3
    assert (got["network/cellular"][0], got["network/wifi"][0], got["network/unknown"][0]) == (
        2, 1, 2,
    )  # fmt: skip
    assert got[f"class/{a}"][0] == 4
    assert got["class/unknown"][0] == 1
    assert (got["hour/10"][0], got["hour/11"][0], got["hour/12"][0]) == (2, 2, 1)
    labels = {r["key"]: r["cells"]["value"] for r in body["rows"]}
    assert labels["hour/10"] == "10시"
    assert labels["device/phone"] == "휴대전화"
    assert labels[f"class/{a}"].endswith("(2020-10-05)")
    nothing = await run(client, token, "connection-failures", year="2019")
    assert table(nothing, COLUMNS_FAILURE) == {"all": (None,) * 7}


async def test_instructors_see_their_classes_and_trainees_themselves(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    a, b, _ = await build(client, clock, people)
    params = {"year": "2020", "as_of": "2020-10-05"}

    trainee = await api_token(client, people[Role.TRAINEE].login)  # t1: class A and class B
    own = await run(client, trainee, "dropouts", **params)
    assert table(own, COLUMNS_DROPOUT) == {
        "all": (2, 0, 0, 1, 0.0),
        "device/phone": (1, 0, 0, None, 0.0),
        "device/tablet": (1, 0, 0, None, 0.0),
        f"class/{a}": (1, 0, 0, 1, 0.0),
        f"class/{b}": (1, 0, 0, 0, 0.0),
    }
    assert own["parameters"]["scope"] == {"user_id": people[Role.TRAINEE].id, "teaches": False}

    teacher = await api_token(client, people[Role.INSTRUCTOR].login)  # staff of class A only
    taught = table(await run(client, teacher, "dropouts", **params), COLUMNS_DROPOUT)
    assert taught["all"] == (3, 2, 2, 1, 66.7)
    assert f"class/{a}" in taught
    assert f"class/{b}" not in taught

    captioner = await api_token(client, people[Role.CAPTIONER].login)
    response = await client.get("/api/v1/reports/dropouts", params=params,
                                headers=bearer(captioner))  # fmt: skip
    assert response.status == 403

    for token in (trainee, teacher):  # institute-wide failures and freezing stay with staff
        failures = await client.get("/api/v1/reports/connection-failures", params=params,
                                    headers=bearer(token))  # fmt: skip
        assert failures.status == 403
        frozen = await client.post("/api/v1/reports/dropouts/freeze",
                                   json={"year": 2020}, headers=bearer(token))  # fmt: skip
        assert frozen.status == 403


async def test_a_frozen_dropout_report_diffs_clean(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    await build(client, clock, people)
    token = await api_token(client, people[Role.OPERATOR].login)
    frozen = await client.post("/api/v1/reports/dropouts/freeze",
                               json={"year": 2020, "as_of": "2020-10-05"},
                               headers=bearer(token))  # fmt: skip
    assert frozen.status == 201
    body = await frozen.json()
    assert "scope" not in body["parameters"]
    diff = await client.get(f"/api/v1/frozen-reports/{body['id']}/diff", headers=bearer(token))
    assert (await diff.json())["identical"] is True
