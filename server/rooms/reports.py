"""Reports over live-class records: dropouts, and connection failures by device and network.

The 2020 review found phone users dropped when a call came in and the commercial platform
unstable; these reports make such failures visible per device class, browser, OS, network,
class and time of day, so the institute can see who failed where and why.

- **connection-failures**: every connection report in the period except quality samples
  (getUserMedia denied or failed, ICE or DTLS failed, socket lost or not connected, other), as
  reported by browsers and by the server. ``people`` = distinct people affected; ``share`` =
  the row's failures ÷ all failures. Rows: total; by device class, browser, OS, network type,
  class session and hour of day (Asia/Seoul).
- **dropouts**: in class sessions that started in the period, a *dropout* is a lost connection
  not resumed within the reconnect grace (``rooms.attendance``: the default
  ``BAEUM_RECONNECT_GRACE_S``); staff of the class are left out. Counted per participation (a
  person in a class): ``participants``, ``dropped`` (participations with at least one dropout),
  ``dropouts``, ``bridged`` (drops resumed in time) and ``rate`` = dropped ÷ participants.
  By device class (of the joins, and of the drop that ended the interval) and by class.
  Admins and operators see every class; instructors and assistants the classes they are staff
  of; trainees their own participations.

With no class session in the period, every figure is no data: nothing was measured.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.config import Settings
from server.core.auth.roles import STAFF, Role
from server.core.clock import SEOUL
from server.reports.base import (
    Cell,
    Column,
    Kind,
    Level,
    Note,
    Parameters,
    Report,
    ReportSpec,
    Row,
    Viewer,
    period,
)
from server.rooms import service
from server.rooms.attendance import intervals
from server.rooms.models import AttendanceKind, DeviceClass
from server.rooms.service import ClassAttendance, FailureRecord

UNKNOWN = "(알 수 없음)"
DEVICE_LABELS = {DeviceClass.PHONE: "휴대전화", DeviceClass.TABLET: "태블릿", DeviceClass.PC: "PC",
                 DeviceClass.UNKNOWN: UNKNOWN}  # fmt: skip
FAILURE_GROUPS = {
    "media": ("ice_failed", "dtls_failed"),
    "socket": ("socket_disconnect", "socket_connect_failed"),
    "devices": ("getusermedia_denied", "getusermedia_failed"),
}
GRACE = timedelta(seconds=Settings.model_fields["reconnect_grace_s"].default)


def percent(part: int, whole: int) -> Decimal | None:
    """One decimal, half up; no data (not 0%) when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _labels(section: str, value: str) -> dict[str, Cell]:
    return {"section": section, "value": value}


# ---- connection failures ----------------------------------------------------------------------

FAILURE_COLUMNS = (
    Column("section", "구분", "Breakdown", Kind.TEXT),
    Column("value", "항목", "Value", Kind.TEXT),
    Column("failures", "장애 건수", "Failures", Kind.INT),
    Column("people", "영향 인원", "People affected", Kind.INT),
    Column("media", "미디어(ICE/DTLS)", "Media (ICE/DTLS)", Kind.INT),
    Column("socket", "연결 끊김", "Connection lost", Kind.INT),
    Column("devices", "카메라·마이크", "Camera/microphone", Kind.INT),
    Column("other", "기타", "Other", Kind.INT),
    Column("share", "비율(%)", "Share (%)", Kind.PERCENT),
)


def _failure_cells(records: list[FailureRecord], total: int) -> dict[str, Cell]:
    kinds = Counter(r.kind for r in records)
    grouped = {name: sum(kinds[k] for k in members) for name, members in FAILURE_GROUPS.items()}
    return {
        "failures": len(records),
        "people": len({r.user_id for r in records if r.user_id is not None}),
        **grouped,
        "other": len(records) - sum(grouped.values()),
        "share": percent(len(records), total),
    }


def _class_label(title: str | None, starts_at: object) -> str:
    if title is None:
        return UNKNOWN
    when = getattr(starts_at, "astimezone", None)
    return f"{title} ({when(SEOUL).date().isoformat()})" if when else title


def failure_rows(records: list[FailureRecord], measured: bool) -> tuple[Row, ...]:
    """Total, then one section per way of looking at the failures."""
    if not measured:
        empty: dict[str, Cell] = {c.key: None for c in FAILURE_COLUMNS[2:]}
        return (Row("all", Level.TOTAL, {**_labels("전체", ""), **empty}),)
    total = len(records)
    rows = [Row("all", Level.TOTAL, {**_labels("전체", ""), **_failure_cells(records, total)})]
    sections: list[tuple[str, str, Callable[[FailureRecord], str], Callable[[str], str]]] = [
        ("device", "기기", lambda r: r.device_class,
         lambda v: DEVICE_LABELS.get(DeviceClass(v), v) if v in set(DeviceClass) else v),
        ("browser", "브라우저", lambda r: r.browser or "", lambda v: v or UNKNOWN),
        ("os", "운영체제", lambda r: r.os or "", lambda v: v or UNKNOWN),
        ("network", "네트워크", lambda r: r.network_type or "", lambda v: v or UNKNOWN),
        ("class", "수업", lambda r: str(r.class_session_id or ""), lambda v: v),
        ("hour", "시간대", lambda r: f"{r.at.astimezone(SEOUL).hour:02d}", lambda v: f"{v}시"),
    ]  # fmt: skip
    titles = {str(r.class_session_id): _class_label(r.class_title, r.class_starts_at)
              for r in records if r.class_session_id is not None}  # fmt: skip
    for key, label, value_of, show in sections:
        groups: dict[str, list[FailureRecord]] = defaultdict(list)
        for record in records:
            groups[value_of(record)].append(record)
        for value in sorted(groups):
            shown = titles.get(value, UNKNOWN) if key == "class" else show(value)
            cells = {**_labels(label, shown), **_failure_cells(groups[value], total)}
            rows.append(Row(f"{key}/{value or 'unknown'}", Level.ROW, cells))
    return tuple(rows)


async def connection_failures(session: AsyncSession, parameters: Parameters) -> Report:
    """Connection failures in the year up to the as-of date, by device, browser, OS, network,
    class and hour of day."""
    start, end = period(parameters)
    records = await service.connection_failures(session, start, end)
    measured = bool(records) or bool(await service.attendance_between(session, start, end))
    return Report(
        name="connection-failures", title_ko="접속 장애 현황", title_en="Connection failures",
        parameters=parameters, columns=FAILURE_COLUMNS, rows=failure_rows(records, measured),
        notes=(Note("품질 측정값은 제외; 브라우저와 서버가 각각 보고한 장애를 모두 셈",
                    "Quality samples excluded; failures reported by browsers and by the server "
                    "are both counted"),),
    )  # fmt: skip


# ---- dropouts -------------------------------------------------------------------------------

DROPOUT_COLUMNS = (
    Column("section", "구분", "Breakdown", Kind.TEXT),
    Column("value", "항목", "Value", Kind.TEXT),
    Column("participants", "참여(명·회)", "Participations", Kind.INT),
    Column("dropped", "이탈 참여", "Participations with a dropout", Kind.INT),
    Column("dropouts", "이탈 건수", "Dropouts", Kind.INT),
    Column("bridged", "재접속 복구", "Drops resumed in time", Kind.INT),
    Column("rate", "이탈률(%)", "Dropout rate (%)", Kind.PERCENT),
)


class Tally:
    """Participations, dropped participations, dropouts and bridged drops of one row."""

    def __init__(self, bridged: int | None = 0) -> None:
        self.participants: set[tuple[int, int]] = set()
        self.dropped: set[tuple[int, int]] = set()
        self.dropouts = 0
        self.bridged = bridged  # None: not attributed (a resumed drop has no one device)

    def cells(self) -> dict[str, Cell]:
        return {
            "participants": len(self.participants), "dropped": len(self.dropped),
            "dropouts": self.dropouts, "bridged": self.bridged,
            "rate": percent(len(self.dropped), len(self.participants)),
        }  # fmt: skip


def _tally_class(
    ca: ClassAttendance, total: Tally, by_device: dict[str, Tally], by_class: Tally
) -> None:
    trainee_events = [(m, d) for m, d in ca.events
                      if m.user_id is not None and m.user_id not in ca.staff]  # fmt: skip
    drops = {(m.user_id, m.at): d or DeviceClass.UNKNOWN for m, d in trainee_events
             if m.kind == AttendanceKind.DROP}  # fmt: skip
    joined: dict[int, set[str]] = defaultdict(set)
    for mark, device in trainee_events:
        if mark.kind in (AttendanceKind.JOIN, AttendanceKind.RESUME) and mark.user_id is not None:
            joined[mark.user_id].add(device or DeviceClass.UNKNOWN)
    per_person = intervals([m for m, _ in trainee_events], GRACE, ca.ends_at)
    for user_id, parts in per_person.items():
        who = (ca.class_session_id, user_id)
        devices = joined.get(user_id) or {DeviceClass.UNKNOWN.value}
        for tally in (total, by_class, *(by_device[d] for d in devices)):
            tally.participants.add(who)
        bridged = sum(p.bridged_drops for p in parts)
        for tally in (total, by_class):
            tally.bridged = (tally.bridged or 0) + bridged
        for part in parts:
            if part.ended_by != AttendanceKind.DROP:
                continue
            device = drops.get((user_id, part.end), DeviceClass.UNKNOWN)
            for tally in (total, by_class, by_device[device]):
                tally.dropouts += 1
                tally.dropped.add(who)


def dropout_rows(classes: Iterable[ClassAttendance]) -> tuple[Row, ...]:
    classes = list(classes)
    if not classes:
        empty: dict[str, Cell] = {c.key: None for c in DROPOUT_COLUMNS[2:]}
        return (Row("all", Level.TOTAL, {**_labels("전체", ""), **empty}),)
    total = Tally()
    by_device: dict[str, Tally] = defaultdict(lambda: Tally(bridged=None))
    by_class: dict[int, Tally] = {}
    for ca in classes:
        by_class[ca.class_session_id] = Tally()
        _tally_class(ca, total, by_device, by_class[ca.class_session_id])
    rows = [Row("all", Level.TOTAL, {**_labels("전체", ""), **total.cells()})]
    for device in DeviceClass:
        if device in by_device:
            labels = _labels("기기", DEVICE_LABELS[device])
            rows.append(Row(f"device/{device}", Level.ROW, {**labels, **by_device[device].cells()}))
    for ca in classes:
        labels = _labels("수업", _class_label(ca.title, ca.starts_at))
        cells = by_class[ca.class_session_id].cells()
        rows.append(Row(f"class/{ca.class_session_id}", Level.ROW, {**labels, **cells}))
    return tuple(rows)


def _visible(classes: list[ClassAttendance], viewer: Viewer | None) -> list[ClassAttendance]:
    """A scoped run: the classes an instructor or assistant is staff of, or a trainee's own
    participations (their events only)."""
    if viewer is None:
        return classes
    if viewer.teaches:
        return [ca for ca in classes if viewer.user_id in ca.staff]
    return [
        replace(ca, events=[(m, d) for m, d in ca.events if m.user_id == viewer.user_id])
        for ca in classes
        if any(m.user_id == viewer.user_id for m, _ in ca.events)
    ]


async def dropouts(session: AsyncSession, parameters: Parameters) -> Report:
    """Trainees' dropouts (connections lost and not resumed in time) by device and by class."""
    start, end = period(parameters)
    classes = _visible(await service.attendance_between(session, start, end), parameters.viewer)
    return Report(
        name="dropouts", title_ko="수업 이탈 현황", title_en="Dropouts from live classes",
        parameters=parameters, columns=DROPOUT_COLUMNS, rows=dropout_rows(classes),
        notes=(Note(f"이탈: 연결이 끊긴 뒤 {int(GRACE.total_seconds())}초 안에 돌아오지 않음; "
                    "강사·보조강사 등 수업 운영진 제외",
                    f"Dropout: a lost connection not resumed within {int(GRACE.total_seconds())}"
                    " s; the class's staff are left out"),),
    )  # fmt: skip


CONNECTION_FAILURES = ReportSpec(
    name="connection-failures", title_ko="접속 장애 현황", title_en="Connection failures",
    run=connection_failures, readers=STAFF, sources=("connection_reports",),
)  # fmt: skip
DROPOUTS = ReportSpec(
    name="dropouts", title_ko="수업 이탈 현황", title_en="Dropouts from live classes",
    run=dropouts, readers=STAFF, sources=("attendance_events", "class_sessions", "session_staff"),
    scoped_readers=frozenset({Role.INSTRUCTOR, Role.ASSISTANT, Role.TRAINEE}),
)  # fmt: skip
